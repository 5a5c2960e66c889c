// The Dynamics panel's worker (train/dynamics_worker.h): what a view holds for a real char-LM
// job, the projection modes, the fixed-point search with progress and cancel, a task without a
// state map, and the whole path through a running TrainerThread (UI → command → view).
#include <gtest/gtest.h>

#include <Eigen/SVD>
#include <chrono>
#include <cmath>
#include <thread>

#include "model/gradient_contributions.h"
#include "train/char_lm_job.h"
#include "train/dynamics_worker.h"
#include "train/job_factory.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

JobSpec SmallLm(CellKind cell = CellKind::kGru) {
  JobSpec spec;
  spec.model.cell = cell;
  spec.model.hidden = 12;
  spec.settings.batch = 4;
  spec.settings.seq_len = 16;
  return spec;
}

DynamicsSettings On(ProjectionMode mode = ProjectionMode::kFollow) {
  DynamicsSettings s;
  s.enabled = true;
  s.mode = mode;
  s.interval_ms = 0;
  return s;
}

std::vector<std::string> Chars(const std::string& text) {
  std::vector<std::string> out;
  for (char c : text) out.emplace_back(1, c);
  return out;
}

// Targets as the char LM's snapshot gives them: the next character, none after the last.
std::vector<std::string> NextChars(const std::string& text) {
  std::vector<std::string> out = Chars(text.substr(1));
  out.emplace_back();
  return out;
}

std::shared_ptr<const DynamicsView> ViewOf(DynamicsWorker& w, const Job& job, const std::string& probe) {
  w.Offer(job, Chars(probe), NextChars(probe));
  w.WaitIdle();
  return w.Latest();
}

TEST(DynamicsWorker, AViewOfACharLmHoldsItsTrajectoriesJacobiansAndGradients) {
  CharLmJob job(SmallLm(CellKind::kLstm));
  for (int i = 0; i < 5; ++i) job.Step(SmallLm().settings);
  DynamicsWorker w;
  w.Configure(On());
  const std::string probe = "the cat sat on the mat. ";
  const auto view = ViewOf(w, job, probe);
  ASSERT_TRUE(view);
  ASSERT_EQ(view->error, "");
  const int T = static_cast<int>(probe.size()), n = 2 * 12;
  EXPECT_EQ(view->step, 5);
  EXPECT_EQ(view->state_size, n);
  ASSERT_EQ(view->state_units.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(view->state_units[0], "h0[0]");
  EXPECT_EQ(view->state_units[12], "c0[0]");
  ASSERT_EQ(view->probe.size(), static_cast<std::size_t>(T));
  EXPECT_EQ(view->held_out.size(), 8u) << "the char LM hands over 8 validation pieces";
  for (const auto& line : view->held_out) EXPECT_EQ(line.size(), 200u);

  // The probe's projection is PCA of the real states: recompute the states and check that the
  // projected points keep their pairwise distances up to what PC3.. carry (≤ the full distance).
  const DynamicsSource source = job.Dynamics();
  const StateMap map(source.config, source.params);
  std::vector<int32_t> ids;
  for (char c : probe) ids.push_back(job.vocab().Id(static_cast<char32_t>(c)));
  const MatD states = Trajectory(map, ids);
  for (int t = 1; t < T; ++t) {
    const double full = (states.col(t) - states.col(t - 1)).norm();
    const double dx = view->probe[t].x - view->probe[t - 1].x, dy = view->probe[t].y - view->probe[t - 1].y;
    EXPECT_LE(std::sqrt(dx * dx + dy * dy), full * (1 + 1e-4) + 1e-6) << "a projection never lengthens";
  }
  EXPECT_NE(view->axis_x.find("PC1 ("), std::string::npos) << view->axis_x;

  // The Jacobian at every step: its singular values are the SVD of the exact Jacobian there.
  ASSERT_EQ(view->jacobian_sv.rows(), T);
  ASSERT_EQ(view->jacobian_sv.cols(), 3);
  for (int t : {0, 7, T - 1}) {
    const Eigen::VectorXd before = t == 0 ? Eigen::VectorXd::Zero(n) : Eigen::VectorXd(states.col(t - 1));
    const Eigen::VectorXd sv = Eigen::BDCSVD<MatD>(map.Jacobian(before, ids[t])).singularValues();
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(view->jacobian_sv(t, j), sv(j), 1e-5 * (1 + sv(j)));
    EXPECT_GE(view->jacobian_sv(t, 0), view->jacobian_sv(t, 1));
  }
  // ‖∂s_t/∂s_0‖ over the first 3 steps, against the product of the exact Jacobians.
  MatD product = MatD::Identity(n, n);
  for (int t = 0; t < 3; ++t) {
    const Eigen::VectorXd before = t == 0 ? Eigen::VectorXd::Zero(n) : Eigen::VectorXd(states.col(t - 1));
    product = map.Jacobian(before, ids[t]) * product;
  }
  EXPECT_NEAR(view->jacobian_product_log10[2], std::log10(Eigen::BDCSVD<MatD>(product).singularValues()(0)), 1e-5);

  // G is the engine's per-position backward on the probe, lower triangular, with the LSTM's c path.
  ASSERT_EQ(view->g.rows(), T);
  ASSERT_EQ(view->g_c.rows(), T);
  ASSERT_EQ(view->saliency.rows(), T);
  RnnModel<double> model(source.config, 0);
  model.params = source.params;
  TokenBatch seq;
  seq.T = T;
  seq.B = 1;
  seq.input = ids;
  seq.target.assign(ids.begin() + 1, ids.end());
  seq.target.push_back(-1);
  const GradientContributions g = ComputeGradientContributions(model, seq);
  EXPECT_LT((view->g.cast<double>() - g.g).cwiseAbs().maxCoeff(), 1e-6 * (1 + g.g.cwiseAbs().maxCoeff()));
  for (int t = 0; t + 1 < T; ++t) {
    EXPECT_GT(view->g(t, t), 0.0f) << "position " << t << " has a target";
    for (int u = t + 1; u < T; ++u) EXPECT_EQ(view->g(t, u), 0.0f) << "nothing flows back from the future";
  }
  for (int u = 0; u < T; ++u) EXPECT_EQ(view->g(T - 1, u), 0.0f) << "the last position has no target";
  EXPECT_EQ(view->gradients_note, "");
}

TEST(DynamicsWorker, FixedProjectionKeepsItsBasisUntilRefitAndUnitsModeShowsRawUnits) {
  CharLmJob job(SmallLm());
  DynamicsWorker w;
  w.Configure(On(ProjectionMode::kFixed));
  const auto first = ViewOf(w, job, "abc abc abc");
  ASSERT_TRUE(first && first->error.empty()) << (first ? first->error : "no view");
  EXPECT_EQ(first->fitted_step, 0);
  for (int i = 0; i < 3; ++i) job.Step(SmallLm().settings);
  const auto kept = ViewOf(w, job, "abc abc abc");
  EXPECT_EQ(kept->step, 3);
  EXPECT_EQ(kept->fitted_step, 0) << "kFixed keeps the step-0 basis, so the states are seen to move";
  DynamicsSettings refit = On(ProjectionMode::kFixed);
  refit.refit = 1;
  w.Configure(refit);
  EXPECT_EQ(ViewOf(w, job, "abc abc abc")->fitted_step, 3) << "Re-fit now";

  DynamicsSettings units = On(ProjectionMode::kUnits);
  units.unit_x = 2;
  units.unit_y = 5;
  w.Configure(units);
  const auto raw = ViewOf(w, job, "abc abc abc");
  EXPECT_EQ(raw->axis_x, "h0[2]");
  EXPECT_EQ(raw->axis_y, "h0[5]");
  const DynamicsSource source = job.Dynamics();
  const StateMap map(source.config, source.params);
  std::vector<int32_t> ids;
  for (char c : std::string("abc abc abc")) ids.push_back(job.vocab().Id(static_cast<char32_t>(c)));
  const MatD states = Trajectory(map, ids);
  for (int t = 0; t < static_cast<int>(ids.size()); ++t) {
    EXPECT_NEAR(raw->probe[t].x, states(2, t), 1e-6);
    EXPECT_NEAR(raw->probe[t].y, states(5, t), 1e-6);
  }
}

TEST(DynamicsWorker, TheSearchReportsProgressAndItsFixedPointsAreFixed) {
  CharLmJob job(SmallLm());
  for (int i = 0; i < 10; ++i) job.Step(SmallLm().settings);
  DynamicsWorker w;
  w.Configure(On());
  w.FindFixedPoints(job, "", 24);
  const FixedPointSearchState started = w.SearchProgress();
  EXPECT_EQ(started.total, 24);
  EXPECT_EQ(started.input, "␣ (a space)") << "the token as the window draws it";
  w.WaitIdle();
  const FixedPointSearchState done = w.SearchProgress();
  EXPECT_FALSE(done.running);
  EXPECT_EQ(done.error, "");
  EXPECT_EQ(done.done, 24);
  const auto view = ViewOf(w, job, "a b c");
  ASSERT_TRUE(view && view->error.empty());
  ASSERT_FALSE(view->points.empty()) << "a GRU of 12 units has at least one fixed point for a space";
  ASSERT_EQ(view->search.result.points.size(), view->points.size());
  const DynamicsSource source = job.Dynamics();
  const StateMap map(source.config, source.params);
  const int32_t space = job.vocab().Id(U' ');
  for (const FixedPoint& p : view->search.result.points) {
    if (!p.fixed) continue;
    MatD next;
    map.Step(p.state, space, next);
    EXPECT_LT((next.col(0) - p.state).norm(), 1e-5);
  }
  for (const DrawnFixedPoint& d : view->points) {
    EXPECT_GE(d.nearest_probe_step, 0);
    EXPECT_LT(d.nearest_probe_step, 5);
    if (d.stability == Stability::kStable) EXPECT_TRUE(d.unstable.empty());
    else EXPECT_FALSE(d.unstable.empty()) << "a saddle or unstable point has a direction to draw";
    for (const std::complex<float>& l : d.eigenvalues)
      if (d.stability == Stability::kStable) EXPECT_LT(std::abs(l), 1.0f);
  }

  w.FindFixedPoints(job, "no such token", 4);
  EXPECT_NE(w.SearchProgress().error.find("'no such token' is not one of the model's"), std::string::npos)
      << w.SearchProgress().error;
}

TEST(DynamicsWorker, CancelStopsASearchAndResetDropsIt) {
  CharLmJob job(SmallLm(CellKind::kLstm));
  DynamicsWorker w;
  w.FindFixedPoints(job, "e", 1600);
  w.CancelSearch();
  w.WaitIdle();
  const FixedPointSearchState s = w.SearchProgress();
  EXPECT_FALSE(s.running);
  EXPECT_TRUE(s.result.cancelled || s.done == 1600);
  if (s.result.cancelled) EXPECT_EQ(s.error, "cancelled");

  w.FindFixedPoints(job, "e", 1600);
  w.Reset();
  w.WaitIdle();
  EXPECT_EQ(w.SearchProgress().step, -1) << "a new run forgets the old model's search";
  EXPECT_FALSE(w.Latest());
}

TEST(DynamicsWorker, ATaggerGetsGAgainstItsTagsAndItsRestInputForTheSearch) {
  JobSpec spec;
  spec.task = "flipflop";
  const std::unique_ptr<Job> job = MakeJob(spec);
  for (int i = 0; i < 3; ++i) job->Step(spec.settings);
  const DynamicsSource source = job->Dynamics();
  DynamicsWorker w;
  w.Configure(On());
  // A probe as the tagger's snapshot shows it: tokens and the tag at each step.
  const std::vector<std::string> tokens = {"000", "+00", "000", "0-0", "000", "00+"};
  const std::vector<std::string> tags = {"---", "+--", "+--", "+--", "+--", "+-+"};
  w.Offer(*job, tokens, tags);
  w.WaitIdle();
  const auto view = w.Latest();
  ASSERT_TRUE(view);
  ASSERT_EQ(view->error, "");
  EXPECT_EQ(view->probe.size(), tokens.size());
  ASSERT_EQ(view->g.rows(), 6) << view->gradients_note;
  for (int t = 0; t < 6; ++t) EXPECT_GT(view->g(t, t), 0.0f) << "every step has a tag";
  w.FindFixedPoints(*job, "", 16);
  EXPECT_EQ(w.SearchProgress().input, "000 (no pulse on any channel)");
  w.WaitIdle();
  EXPECT_EQ(w.SearchProgress().error, "");
}

TEST(DynamicsWorker, ATaskWithoutAStateMapSaysWhy) {
  JobSpec spec;
  spec.task = "reverse";
  const std::unique_ptr<Job> job = MakeJob(spec);
  DynamicsWorker w;
  w.Configure(On());
  w.Offer(*job, {}, {});
  w.WaitIdle();
  ASSERT_TRUE(w.Latest());
  EXPECT_NE(w.Latest()->error.find("reverse:"), std::string::npos) << w.Latest()->error;
}

TEST(DynamicsWorker, ARunningTrainerDeliversViewsAndSearchesWhileTraining) {
  TrainerThread trainer(test::SmallOptions());
  trainer.Start();
  test::WaitFor(trainer, [](const Snapshot& s) { return s.step > 2 && !s.probe_tokens.empty(); });
  EXPECT_FALSE(trainer.Dynamics()) << "nothing is computed until the panel asks";
  trainer.Send(SetDynamicsCommand{On()});
  trainer.Send(FindFixedPointsCommand{"", 16, false});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::shared_ptr<const DynamicsView> view;
  while (std::chrono::steady_clock::now() < deadline) {
    view = trainer.Dynamics();
    if (view && !view->points.empty() && !trainer.DynamicsSearch().running) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(view);
  EXPECT_EQ(view->error, "");
  EXPECT_FALSE(view->probe.empty());
  EXPECT_FALSE(view->points.empty()) << "the search's points reach a later view";
  EXPECT_GE(trainer.Latest()->step, view->search.step) << "training went on during the search";
  trainer.Stop();
}

}  // namespace
}  // namespace rnnscope
