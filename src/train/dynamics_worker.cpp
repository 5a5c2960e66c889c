#include "train/dynamics_worker.h"

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>

#include "core/error.h"
#include "core/visible_text.h"
#include "model/gradient_contributions.h"
#include "model/rnn_model.h"
#include "train/job.h"

namespace rnnscope {

namespace {

using Clock = std::chrono::steady_clock;

// What state index i is: layer l's h or c, unit u ("h0[3]", "c1[12]"), as StateMap lays s out.
std::vector<std::string> StateUnitNames(const ModelConfig& c) {
  std::vector<std::string> names;
  const bool has_c = HasCellState(c.cell);
  for (int l = 0; l < c.layers; ++l) {
    for (int u = 0; u < c.hidden; ++u) names.push_back("h" + std::to_string(l) + "[" + std::to_string(u) + "]");
    if (has_c)
      for (int u = 0; u < c.hidden; ++u) names.push_back("c" + std::to_string(l) + "[" + std::to_string(u) + "]");
  }
  return names;
}

std::string Percent(double share) { return std::to_string(static_cast<int>(std::lround(100.0 * share))) + "%"; }

ProjectedPoint At(const MatD& coords, Eigen::Index col) {
  return {static_cast<float>(coords(0, col)), static_cast<float>(coords(1, col))};
}

// Ids of `names` in `table` (-1 where a name is not there: an ignored target, a skipped token).
std::vector<int32_t> IdsOf(const std::vector<std::string>& names, const std::vector<std::string>& table) {
  std::unordered_map<std::string, int32_t> index;
  for (std::size_t i = 0; i < table.size(); ++i) index.emplace(table[i], static_cast<int32_t>(i));
  std::vector<int32_t> ids;
  ids.reserve(names.size());
  for (const std::string& n : names) {
    const auto it = index.find(n);
    ids.push_back(it == index.end() ? -1 : it->second);
  }
  return ids;
}

MatF ToFloat(const MatD& m) { return m.cast<float>(); }

}  // namespace

DynamicsWorker::~DynamicsWorker() {
  cancel_ = true;  // the search stops at its next iteration
  ++generation_;   // and a view at its next step: neither publishes
}

void DynamicsWorker::Configure(const DynamicsSettings& settings) {
  const bool was_enabled = settings_.enabled;
  settings_ = settings;
  if (settings_.enabled && !was_enabled) last_offer_ = {};  // a view at the next publish
}

void DynamicsWorker::Reset() {
  ++generation_;
  cancel_ = true;  // the running search belongs to the old model
  last_error_.clear();
  last_offer_ = {};
  std::lock_guard<std::mutex> lock(mutex_);
  latest_.reset();
  search_ = {};
}

std::shared_ptr<const DynamicsView> DynamicsWorker::Latest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_;
}

void DynamicsWorker::WaitIdle() {
  view_task_.WaitIdle();
  search_task_.WaitIdle();
}

void DynamicsWorker::Publish(std::shared_ptr<const DynamicsView> view) {
  std::lock_guard<std::mutex> lock(mutex_);
  latest_ = std::move(view);
}

FixedPointSearchState DynamicsWorker::SearchState() const {
  std::lock_guard<std::mutex> lock(mutex_);
  FixedPointSearchState s = search_;
  if (s.running) s.done = search_done_.load();
  return s;
}

FixedPointSearchState DynamicsWorker::SearchProgress() const {
  std::lock_guard<std::mutex> lock(mutex_);
  FixedPointSearchState s;
  s.running = search_.running;
  s.done = search_.running ? search_done_.load() : search_.done;
  s.total = search_.total;
  s.step = search_.step;
  s.input = search_.input;
  s.error = search_.error;
  s.result.starts = search_.result.starts;
  s.result.dropped = search_.result.dropped;
  s.result.max_iterations_used = search_.result.max_iterations_used;
  s.result.cancelled = search_.result.cancelled;
  return s;
}

void DynamicsWorker::Offer(const Job& job, const std::vector<std::string>& probe_tokens,
                           const std::vector<std::string>& probe_targets) {
  if (!settings_.enabled) return;
  const Clock::time_point now = Clock::now();
  if (last_offer_ != Clock::time_point{} && now - last_offer_ < std::chrono::milliseconds(settings_.interval_ms))
    return;
  // What the view would show; the same again (paused, nothing changed) is not recomputed, except
  // to draw a search that has finished since.
  std::string key = std::to_string(job.StepCount()) + "|" + std::to_string(static_cast<int>(settings_.mode)) + "|" +
                    std::to_string(settings_.unit_x) + "," + std::to_string(settings_.unit_y) + "|" +
                    std::to_string(settings_.refit) + "|" + std::to_string(generation_.load());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    key += "|" + std::to_string(search_.step) + (search_.running ? "r" : "d") + std::to_string(search_.result.points.size());
  }
  for (const std::string& t : probe_tokens) key += "\x1f" + t;
  if (key == last_key_) return;
  if (view_task_.Busy()) return;
  last_offer_ = now;
  DynamicsSource source;
  try {
    source = job.Dynamics();
  } catch (const std::exception& e) {
    last_key_ = key;
    if (last_error_ == e.what()) return;
    last_error_ = e.what();
    auto view = std::make_shared<DynamicsView>();
    view->step = job.StepCount();
    view->error = e.what();
    Publish(std::move(view));
    return;
  }
  last_error_.clear();
  last_key_ = key;
  std::vector<int32_t> probe = IdsOf(probe_tokens, source.tokens);
  std::vector<int32_t> targets = source.outputs.empty() ? std::vector<int32_t>(probe.size(), -1)
                                                        : IdsOf(probe_targets, source.outputs);
  targets.resize(probe.size(), -1);
  std::vector<std::string> tokens = probe_tokens;
  // A probe token the model cannot read (should not happen: the job made the probe) is dropped
  // with its target, so the trajectory stays a real one.
  for (std::size_t t = probe.size(); t-- > 0;)
    if (probe[t] < 0) {
      probe.erase(probe.begin() + static_cast<std::ptrdiff_t>(t));
      targets.erase(targets.begin() + static_cast<std::ptrdiff_t>(t));
      tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(t));
    }
  const int generation = generation_.load();
  const int64_t step = job.StepCount();
  view_task_.TryStart([this, source = std::move(source), probe = std::move(probe), targets = std::move(targets),
                       tokens = std::move(tokens), step, settings = settings_, generation]() mutable {
    ComputeView(source, std::move(probe), std::move(targets), std::move(tokens), step, settings, generation);
  });
}

void DynamicsWorker::ComputeView(const DynamicsSource& source, std::vector<int32_t> probe,
                                 std::vector<int32_t> targets, std::vector<std::string> probe_tokens, int64_t step,
                                 DynamicsSettings settings, int generation) {
  const Clock::time_point start = Clock::now();
  auto view = std::make_shared<DynamicsView>();
  view->step = step;
  view->mode = settings.mode;
  try {
    const StateMap map(source.config, source.params, source.task);
    const Eigen::Index n = map.StateSize();
    view->state_size = static_cast<int>(n);
    view->state_units = StateUnitNames(source.config);
    view->probe_tokens = std::move(probe_tokens);

    // Trajectories, each from the zero state: held-out pieces, then the probe.
    std::vector<MatD> runs;
    Eigen::Index total = 0;
    std::size_t held_tokens = 0;
    for (const std::vector<int32_t>& seq : source.held_out) {
      runs.push_back(Trajectory(map, seq));
      total += runs.back().cols();
      held_tokens += seq.size();
    }
    const MatD probe_states = Trajectory(map, probe);  // (n, T)
    view->held_out_what = std::to_string(source.held_out.size()) + " held-out sequences (" +
                          std::to_string(held_tokens) + " tokens)";

    // The projection.
    MatD all(n, total + probe_states.cols());
    Eigen::Index at = 0;
    for (const MatD& r : runs) {
      all.middleCols(at, r.cols()) = r;
      at += r.cols();
    }
    all.rightCols(probe_states.cols()) = probe_states;
    if (settings.mode == ProjectionMode::kUnits) {
      const int x = std::clamp(settings.unit_x, 0, static_cast<int>(n) - 1);
      const int y = std::clamp(settings.unit_y, 0, static_cast<int>(n) - 1);
      pca_.mean = Eigen::VectorXd::Zero(n);
      pca_.basis = MatD::Zero(n, 2);
      pca_.basis(x, 0) = 1;
      pca_.basis(y, 1) = 1;
      pca_.explained = Eigen::VectorXd::Zero(2);
      view->axis_x = view->state_units[static_cast<std::size_t>(x)];
      view->axis_y = view->state_units[static_cast<std::size_t>(y)];
      fitted_step_ = -1;  // leaving units mode re-fits
    } else {
      const bool refit = settings.mode == ProjectionMode::kFollow || pca_.basis.rows() != n || fitted_step_ < 0 ||
                         settings.refit != fitted_refit_ || generation != fitted_generation_ ||
                         pca_.explained.size() != 2 || pca_.explained.sum() == 0;
      if (refit) {
        pca_ = FitPca(all, 2);
        fitted_step_ = step;
        fitted_refit_ = settings.refit;
        fitted_generation_ = generation;
      }
      view->fitted_step = fitted_step_;
      view->axis_x = "PC1 (" + Percent(pca_.explained(0)) + " of variance)";
      view->axis_y = "PC2 (" + Percent(pca_.explained(1)) + " of variance)";
    }
    for (const MatD& r : runs) {
      const MatD c = pca_.Project(r);
      std::vector<ProjectedPoint> line;
      for (Eigen::Index t = 0; t < c.cols(); ++t) line.push_back(At(c, t));
      view->held_out.push_back(std::move(line));
    }
    const MatD probe_xy = pca_.Project(probe_states);
    for (Eigen::Index t = 0; t < probe_xy.cols(); ++t) view->probe.push_back(At(probe_xy, t));

    // The Jacobian along the probe: its top singular values, and ‖∂s_t/∂s_0‖₂ kept as a
    // renormalised product (the product itself under- or overflows within a few dozen steps).
    const int T = static_cast<int>(std::min<std::size_t>(probe.size(), kMaxAnalysedSteps));
    const int k = static_cast<int>(std::min<Eigen::Index>(kTopSingularValues, n));
    view->jacobian_sv = MatF::Zero(T, k);
    view->jacobian_product_log10.assign(static_cast<std::size_t>(T), 0.0f);
    MatD product = MatD::Identity(n, n);
    double product_log10 = 0;
    for (int t = 0; t < T; ++t) {
      if (generation != generation_.load()) return;
      const Eigen::VectorXd before = t == 0 ? Eigen::VectorXd::Zero(n) : Eigen::VectorXd(probe_states.col(t - 1));
      const MatD J = map.Jacobian(before, probe[static_cast<std::size_t>(t)]);
      const Eigen::VectorXd sv = Eigen::BDCSVD<MatD>(J).singularValues();
      for (int j = 0; j < k; ++j) view->jacobian_sv(t, j) = static_cast<float>(sv(j));
      product = J * product;
      const double norm = Eigen::BDCSVD<MatD>(product).singularValues()(0);
      if (norm > 0 && std::isfinite(norm)) {
        product /= norm;
        product_log10 += std::log10(norm);
        view->jacobian_product_log10[static_cast<std::size_t>(t)] = static_cast<float>(product_log10);
      } else {
        view->jacobian_product_log10[static_cast<std::size_t>(t)] = -std::numeric_limits<float>::infinity();
        product.setZero();
      }
    }

    // Where each gradient comes from.
    if (!source.per_step_readout || source.outputs.empty()) {
      view->gradients_note = source.task + ": G needs a readout at every step with a target there";
    } else if (T < 2) {
      view->gradients_note = "the probe is too short";
    } else {
      RnnModel<double> model(source.config, 0);
      model.params = source.params;
      TokenBatch seq;
      seq.T = T;
      seq.B = 1;
      seq.input.assign(probe.begin(), probe.begin() + T);
      seq.target.assign(targets.begin(), targets.begin() + T);
      const GradientContributions g = ComputeGradientContributions(model, seq);
      view->g = ToFloat(g.g);
      view->g_c = ToFloat(g.g_c);
      view->saliency = ToFloat(g.saliency);
    }

    // The last search, in this projection.
    view->search = SearchState();
    const FixedPointResult& found = view->search.result;
    if (generation == generation_.load() && !found.points.empty() && found.points.front().state.size() == n)
      for (const FixedPoint& p : found.points) {
        DrawnFixedPoint d;
        const MatD xy = pca_.Project(p.state);
        d.at = At(xy, 0);
        d.fixed = p.fixed;
        d.stability = p.stability;
        d.q = p.q;
        d.starts = p.starts;
        for (Eigen::Index i = 0; i < p.eigenvalues.size(); ++i)
          d.eigenvalues.emplace_back(static_cast<float>(p.eigenvalues(i).real()),
                                     static_cast<float>(p.eigenvalues(i).imag()));
        for (Eigen::Index u = 0; u < p.unstable_vectors.cols(); ++u) {
          const Eigen::Vector2d dir = pca_.basis.transpose() * p.unstable_vectors.col(u).real();
          d.unstable.push_back({static_cast<float>(dir(0)), static_cast<float>(dir(1))});
        }
        if (probe_states.cols() > 0) {
          Eigen::Index nearest = 0;
          d.nearest_probe_distance = (probe_states.colwise() - p.state).colwise().norm().minCoeff(&nearest);
          d.nearest_probe_step = static_cast<int>(nearest);
        }
        view->points.push_back(std::move(d));
      }
  } catch (const std::exception& e) {
    view->error = e.what();
  }
  view->compute_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (generation == generation_.load()) Publish(std::move(view));
}

void DynamicsWorker::FindFixedPoints(const Job& job, const std::string& input, int starts) {
  auto refuse = [&](const std::string& why) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!search_.running) search_.error = why;
  };
  if (search_task_.Busy()) return refuse("a search is running; cancel it first");
  DynamicsSource source;
  int32_t token = 0;
  try {
    source = job.Dynamics();
    token = input.empty() ? source.default_input : InputTokenNamed(source, input, "input");
  } catch (const std::exception& e) {
    return refuse(e.what());
  }
  cancel_ = false;
  search_done_ = 0;
  const int generation = generation_.load();
  const int64_t step = job.StepCount();
  std::string shown = source.tokens.empty() ? std::string()
                                            : VisibleText(source.tokens[static_cast<std::size_t>(token)], VisibleMode::kToken);
  if (input.empty() && !source.default_input_why.empty()) shown += " (" + source.default_input_why + ")";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    search_ = {};
    search_.running = true;
    search_.total = starts;
    search_.step = step;
    search_.input = shown;
  }
  search_task_.TryStart([this, source = std::move(source), token, starts, generation]() {
    FixedPointSearchState done;
    try {
      const StateMap map(source.config, source.params, source.task);
      done.result = SearchFixedPoints(
          source, map, token, starts, {}, [this](int d, int) { search_done_ = d; }, &cancel_);
    } catch (const std::exception& e) {
      done.error = e.what();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (generation != generation_.load()) return;  // a new run started meanwhile
    done.running = false;
    done.total = search_.total;
    done.done = done.result.starts;
    done.step = search_.step;
    done.input = search_.input;
    if (done.result.cancelled && done.error.empty()) done.error = "cancelled";
    search_ = std::move(done);
  });
}

}  // namespace rnnscope
