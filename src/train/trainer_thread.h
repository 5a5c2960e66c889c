// The trainer thread: alone owns the Job (model, optimizer, data), trains as fast as it can,
// applies queued commands at step boundaries and publishes an immutable Snapshot every
// `publish_interval_ms`. The UI only ever calls Latest() and Send() (TrainerLink), neither of
// which waits on training (docs/architecture.md §2).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "train/bounded_history.h"
#include "train/breakpoints.h"
#include "train/cell_finder.h"
#include "train/checkpoint_ring.h"
#include "train/command_queue.h"
#include "train/dynamics_worker.h"
#include "train/job_factory.h"
#include "train/snapshot_exchange.h"
#include "train/snapshot_pacer.h"
#include "train/trainer_link.h"

namespace rnnscope {

struct TrainerOptions {
  JobSpec spec;
  bool start_paused = false;
  int publish_interval_ms = 50;
  double publish_budget = 0.05;  // snapshots take at most this share of training (snapshot_pacer.h)
  int validate_interval_ms = 2000;
  int64_t max_steps = -1;  // stop training (pause) after this many steps; -1 = unlimited
  // Time travel: an in-memory checkpoint every ring_interval steps (0 = off), at most
  // ring_cap_bytes of them (train/checkpoint_ring.h).
  int ring_interval = CheckpointRing::kDefaultInterval;
  int64_t ring_cap_bytes = CheckpointRing::kDefaultCapBytes;
  // Engine threads for training. The window keeps one core for the UI (default 1); 0 leaves
  // the engine's default (OpenMP's thread count).
  int engine_threads = 1;
  // Run the trainer below normal scheduling priority (nice 5), so that on a machine whose cores
  // it keeps busy the UI thread — and a software GL renderer's threads — still get the CPU at
  // once when a frame is due. Measured with `rnnscope measure` at 1280×800 under llvmpipe on 2
  // cores: frame p95 23 → 21 ms, training 0.95 → 0.86 of headless (nice 19: 20.6 ms, 0.72).
  bool background_priority = false;
  // Non-empty: start from this checkpoint (the run it records, paused at its step) instead of
  // a fresh job from `spec`.
  std::string checkpoint;
  // The file the spec was opened from (`rnnscope PATH`), shown in the window's title.
  std::string opened_file;
};

class TrainerThread : public TrainerLink {
 public:
  explicit TrainerThread(TrainerOptions options);
  ~TrainerThread() override;
  TrainerThread(const TrainerThread&) = delete;
  TrainerThread& operator=(const TrainerThread&) = delete;

  void Start();
  void Stop();  // joins; safe to call twice
  void RequestStop() override;  // non-blocking: the thread ends after its current step

  std::shared_ptr<const Snapshot> Latest() const override { return exchange_.Latest(); }
  void Send(Command command) override { queue_.Push(std::move(command)); }
  std::shared_ptr<const DynamicsView> Dynamics() const override { return dynamics_.Latest(); }
  FixedPointSearchState DynamicsSearch() const override { return dynamics_.SearchProgress(); }

 private:
  void Run();
  void Apply(Command& command);
  void TrainOneStep();
  void Publish();
  void Fail(const std::string& message);  // shows the error, pauses, drops pending steps
  // The job, or a ConfigError naming `action` (and why no job runs) for the status line.
  Job& RequireJob(const char* action) const;
  static std::shared_ptr<Snapshot> SlimSnapshot(const Snapshot& from, const std::string& error);
  void SetSettings(const TrainSettings& next);
  void AddMarker(std::string what);  // at the current step; the newest 256 are kept
  // Opening runs (trainer_thread_open.cpp): every way a new job arrives ends in AdoptJob.
  void OpenFile(const OpenFileCommand& command);
  void LoadCheckpoint(const std::string& path);
  void AdoptJob(std::unique_ptr<Job> job, const JobSpec& spec, const TrainSettings& settings, std::string status);
  // Debugger (breakpoints, time travel): see trainer_thread_debugger.cpp.
  void OnNewJob();                        // fresh run: ring restarts, branches go, rules re-arm
  void Break(const BreakpointHit& hit);   // pause with the hit shown
  void KeepCheckpoint();                  // into the ring, when due
  void Rewind(const RewindCommand& command);
  void FillDebugger(Snapshot& snap);
  void ApplyInterventions();              // pushes interventions_ into the job

  TrainerOptions options_;
  SnapshotExchange exchange_;
  CommandQueue queue_;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  // Owned by the trainer thread only.
  std::unique_ptr<Job> job_;
  TrainSettings settings_;
  bool paused_ = false;
  int pending_steps_ = 0;
  bool publish_now_ = true;
  std::string probe_;
  std::string opened_file_;   // Snapshot::opened_file
  OpenChoice open_choice_;    // Snapshot::open_choice
  int next_open_choice_id_ = 1;
  std::string status_;
  std::string error_;
  // No loss history here: the job owns it (Job::LossHistory), so a checkpoint, a rewind and
  // `train` all carry the same curve; Publish copies it into the snapshot.
  std::vector<SettingMarker> markers_;
  uint64_t version_ = 0;
  double tokens_per_second_ = 0.0;
  int64_t tokens_trained_ = 0;
  double step_ms_ = 0.0;
  SnapshotPacer publish_pacer_;
  std::chrono::steady_clock::time_point last_validate_{};
  std::chrono::steady_clock::duration last_validate_took_{};  // of the last ValidationLoss

  // Debugger state, trainer thread only.
  Breakpoints breakpoints_;
  std::optional<BreakpointHit> hit_;      // the breakpoint that paused training, until resumed
  CheckpointRing ring_;
  bool ring_supported_ = true;            // false: this job cannot SaveToBytes
  std::vector<BranchHistory> branches_;
  int active_branch_ = 0;
  int active_parent_ = 0;
  std::string active_label_ = "run";
  int next_branch_id_ = 1;
  CellFinder cell_finder_;
  CellQueryCommand cell_query_;           // t0 = -1: none
  std::vector<Intervention> interventions_;
  int next_intervention_id_ = 1;
  // Last member: its threads stop (and join) before the job and everything else go away.
  DynamicsWorker dynamics_;
};

}  // namespace rnnscope
