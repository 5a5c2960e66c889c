// Side-by-side runs (docs/compare.md) rest on one property: jobs built with the same task and
// seed draw the same batches whatever their cell or learning rate, so any difference between
// the runs' curves comes from the model, not from the data. The app builds every run through
// MakeJob exactly as here (one TrainerThread each). Also: a Controls edit reaches every run or
// the chosen one, each keeping the settings it was not given (train/settings_edit.h); a typed
// brackets probe is labelled, so the vanishing preset's long probe has gradients.
#include <gtest/gtest.h>

#include <cmath>

#include "model/cell_kind.h"
#include "train/job_factory.h"
#include "train/settings_edit.h"
#include "train/trainer_thread.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

JobSpec Spec(const std::string& task, const std::string& cell, uint64_t seed) {
  JobSpec spec;
  spec.task = task;
  spec.model.cell = ParseCellKind(cell);
  spec.model.hidden = 16;
  spec.settings.seed = seed;
  spec.settings.batch = 8;
  spec.settings.seq_len = 16;
  return spec;
}

// Brackets strings have random lengths, so the tokens per batch trace the data stream.
std::vector<int64_t> TokensPerStep(Job& job, const TrainSettings& settings, int steps) {
  std::vector<int64_t> tokens;
  for (int i = 0; i < steps; ++i) tokens.push_back(job.Step(settings).tokens);
  return tokens;
}

TEST(CompareRuns, SameSeedSameBatchesAcrossCells) {
  const JobSpec rnn = Spec("brackets", "rnn_tanh", 7), lstm = Spec("brackets", "lstm", 7);
  auto a = MakeJob(rnn), b = MakeJob(lstm);
  const auto ta = TokensPerStep(*a, rnn.settings, 12), tb = TokensPerStep(*b, lstm.settings, 12);
  EXPECT_EQ(ta, tb);
  // The probe (the first validation example) is the same string too.
  Snapshot sa, sb;
  a->FillSnapshot("", rnn.settings, sa);
  b->FillSnapshot("", lstm.settings, sb);
  EXPECT_EQ(sa.probe_tokens, sb.probe_tokens);
  EXPECT_FALSE(sa.probe_tokens.empty());
  // The check has teeth: another seed draws other strings.
  auto c = MakeJob(Spec("brackets", "rnn_tanh", 8));
  EXPECT_NE(ta, TokensPerStep(*c, rnn.settings, 12));
}

TEST(CompareRuns, SameSeedSameFirstStepAcrossLearningRates) {
  // Same cell, same seed: same initial weights and same first batch, so the first step's loss
  // is identical; the second differs because the learning rates moved the weights apart.
  JobSpec slow = Spec("charlm", "lstm", 3), fast = Spec("charlm", "lstm", 3);
  slow.settings.learning_rate = 0.002f;
  fast.settings.learning_rate = 0.02f;
  auto a = MakeJob(slow), b = MakeJob(fast);
  EXPECT_EQ(a->Step(slow.settings).loss, b->Step(fast.settings).loss);
  EXPECT_NE(a->Step(slow.settings).loss, b->Step(fast.settings).loss);
}

TEST(CompareRuns, AnEditChangesOnlyTheFieldsTheUserTouched) {
  TrainSettings shown, fast;
  fast.learning_rate = 0.01f;  // another run's own learning rate
  TrainSettings edited = shown;
  edited.clip = 1.0f;
  edited.clip_mode = "value";
  const TrainSettings out = ApplySettingsEdit(fast, shown, edited);
  EXPECT_EQ(out.clip, 1.0f);
  EXPECT_EQ(out.clip_mode, "value");
  EXPECT_EQ(out.learning_rate, 0.01f) << "the run keeps its own learning rate";
  EXPECT_EQ(out.batch, fast.batch);
  edited.learning_rate = 0.05f;
  EXPECT_EQ(ApplySettingsEdit(fast, shown, edited).learning_rate, 0.05f);
}

using test::WaitFor;

TEST(CompareRuns, ControlsEditReachesAllRunsOrTheChosenOne) {
  TrainerOptions o;
  o.spec = Spec("brackets", "rnn_tanh", 7);
  o.start_paused = true;
  o.publish_interval_ms = 5;
  o.ring_interval = 0;
  TrainerOptions o2 = o;
  o2.spec.model.cell = CellKind::kLstm;
  o2.spec.settings.learning_rate = 0.01f;
  TrainerThread a(o), b(o2);
  a.Start();
  b.Start();
  const auto sa = WaitFor(a, [](const Snapshot& s) { return s.version > 0; });
  const auto sb = WaitFor(b, [](const Snapshot& s) { return s.version > 0; });
  const std::vector<TrainerLink*> runs = {&a, &b};

  // All runs: the clip reaches both, each keeps its learning rate.
  TrainSettings edited = sa->settings;
  edited.clip = 0.5f;
  EXPECT_EQ(SendSettingsEdit(runs, {&sa->settings, &sb->settings}, sa->settings, edited, SettingsScope::kAllRuns, 0), 2);
  auto na = WaitFor(a, [](const Snapshot& s) { return s.settings.clip == 0.5f; });
  auto nb = WaitFor(b, [](const Snapshot& s) { return s.settings.clip == 0.5f; });
  EXPECT_EQ(na->settings.learning_rate, o.spec.settings.learning_rate);
  EXPECT_EQ(nb->settings.learning_rate, 0.01f);

  // One run: the second run's learning rate, shown and edited from its own settings.
  edited = nb->settings;
  edited.learning_rate = 0.05f;
  EXPECT_EQ(SendSettingsEdit(runs, {&na->settings, &nb->settings}, nb->settings, edited, SettingsScope::kOneRun, 1), 1);
  nb = WaitFor(b, [](const Snapshot& s) { return s.settings.learning_rate == 0.05f; });
  EXPECT_EQ(nb->settings.clip, 0.5f);
  a.Send(PublishCommand{});
  b.Send(PublishCommand{});
  // The first run, untouched, still publishes its own settings (give its queue time to act).
  na = WaitFor(a, [&](const Snapshot& s) { return s.version > na->version; });
  EXPECT_EQ(na->settings.learning_rate, o.spec.settings.learning_rate);
  EXPECT_EQ(na->settings.clip, 0.5f);
}

// The vanishing preset probes with a long typed bracket string: it needs a label (the task can
// tell balanced from not) to have a loss and a gradient at every step.
TEST(CompareRuns, TypedBracketsProbeIsLabelledAndHasGradientsAtEveryStep) {
  const JobSpec spec = Spec("brackets", "rnn_tanh", 7);
  auto job = MakeJob(spec);
  std::string probe = "(";
  for (int i = 0; i < 31; ++i) probe += "()";
  probe += ")";
  Snapshot s;
  job->FillSnapshot(probe, spec.settings, s);
  ASSERT_EQ(s.probe_tokens.size(), 64u);
  EXPECT_EQ(s.probe_targets.back(), "balanced");
  ASSERT_FALSE(s.layers.empty());
  ASSERT_EQ(s.layers[0].grad_h_norm.size(), 64u);
  // Without a label there would be no backward and every norm 0. With one, the steps near the
  // read-out get a gradient (an untrained tanh RNN's may underflow to 0 in float far back: the
  // very vanishing the preset shows).
  const std::vector<float>& g = s.layers[0].grad_h_norm;
  for (std::size_t t = g.size() - 8; t < g.size(); ++t) EXPECT_GT(g[t], 0.0f) << t;
  for (float v : g) EXPECT_TRUE(std::isfinite(v));
  job->FillSnapshot(")" + probe.substr(1), spec.settings, s);
  EXPECT_EQ(s.probe_targets.back(), "unbalanced");
}

}  // namespace
}  // namespace rnnscope
