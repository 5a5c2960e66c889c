// A stand-in trainer until the real TrainerThread lands: publishes synthetic but plausible
// Snapshots (a real LSTM/GRU/RNN recurrence over hand-made character features, sharpening as
// "training" progresses) from its own thread and honours Pause/Step/Reset/SetSettings/Rebuild/
// Probe, so every panel can be built and screenshotted against realistic data.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "app/app_options.h"
#include "train/trainer_link.h"

namespace rnnscope {

class DemoTrainer final : public TrainerLink {
 public:
  explicit DemoTrainer(const AppOptions& options);
  ~DemoTrainer() override;  // stops and joins the thread

  std::shared_ptr<const Snapshot> Latest() const override;
  void Send(Command command) override;

 private:
  void Run();
  void Apply(const Command& command);  // on the trainer thread
  void TrainOneStep();
  void Publish();

  // Trainer-thread state (never touched by the UI thread).
  Snapshot work_;
  int pending_steps_ = 0;
  double elapsed_ms_ = 0.0;

  mutable std::mutex snapshot_mutex_;  // held only for the pointer swap / copy
  std::shared_ptr<const Snapshot> latest_;

  std::mutex queue_mutex_;
  std::condition_variable wake_;
  std::deque<Command> queue_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace rnnscope
