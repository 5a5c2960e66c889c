// The Dynamics panel's computations (docs/dynamics.md), off the trainer thread: the state-space
// projection of the probe and held-out trajectories, the Jacobian along the probe, the gradient
// contributions G, and the fixed-point search. The trainer thread owns a DynamicsWorker; at a
// publish it offers the job (Offer copies Job::Dynamics() and the probe — no reference to the
// job survives the call) and puts Latest() into the snapshot. Views and searches each run on a
// BackgroundTask of their own, so a long search never stops the views, and neither ever makes
// the trainer wait: an offer while a view is being computed is skipped.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "core/pca.h"
#include "train/background_task.h"
#include "train/dynamics_source.h"
#include "train/dynamics_view.h"

namespace rnnscope {

class Job;

class DynamicsWorker {
 public:
  // Probe steps the Jacobian and G are computed over (the probe may be longer; the panel says so).
  static constexpr int kMaxAnalysedSteps = 64;
  static constexpr int kTopSingularValues = 3;

  DynamicsWorker() = default;
  ~DynamicsWorker();  // cancels a search; the tasks' threads join

  // ---- trainer thread
  void Configure(const DynamicsSettings& settings);
  const DynamicsSettings& settings() const { return settings_; }
  // When enabled, due, idle and something changed (step, probe, settings): starts a view of
  // `job` at its current weights for the probe (the snapshot's tokens and targets as shown).
  // Cheap when it declines, so the trainer calls it every loop iteration.
  void Offer(const Job& job, const std::vector<std::string>& probe_tokens,
             const std::vector<std::string>& probe_targets);
  // Starts a search for `input` (a token name; empty = the task's default input) from `starts`
  // held-out states. Refused (the view's search.error says why) while one runs.
  void FindFixedPoints(const Job& job, const std::string& input, int starts);
  void CancelSearch() { cancel_ = true; }
  // A different run: forget the projection and the search (their states belong to another model).
  void Reset();

  // Any thread.
  std::shared_ptr<const DynamicsView> Latest() const;
  // The search as it runs (without its result, which the next view carries).
  FixedPointSearchState SearchProgress() const;
  // Tests: wait until no view or search is running.
  void WaitIdle();

 private:
  void ComputeView(const DynamicsSource& source, std::vector<int32_t> probe, std::vector<int32_t> targets,
                   std::vector<std::string> probe_tokens, int64_t step, DynamicsSettings settings, int generation);
  void Publish(std::shared_ptr<const DynamicsView> view);
  FixedPointSearchState SearchState() const;

  DynamicsSettings settings_;
  std::chrono::steady_clock::time_point last_offer_{};
  std::string last_error_;  // trainer thread: the job's refusal, published once
  std::string last_key_;    // trainer thread: what the last offer showed (step, probe, settings)

  // Shared with the tasks, under mutex_.
  mutable std::mutex mutex_;
  std::shared_ptr<const DynamicsView> latest_;
  FixedPointSearchState search_;
  std::atomic<int> search_done_{0};
  std::atomic<bool> cancel_{false};
  std::atomic<int> generation_{0};  // bumped by Reset: a task of an older run publishes nothing

  // The view task's own: the fitted projection it keeps between views.
  Pca pca_;
  int64_t fitted_step_ = -1;
  int fitted_refit_ = -1;
  int fitted_generation_ = -1;

  // Last, so they join before the members their tasks use go away.
  BackgroundTask view_task_;
  BackgroundTask search_task_;
};

}  // namespace rnnscope
