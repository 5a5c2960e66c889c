// What the UI sees of a trainer: the newest snapshot and a way to send commands. Both calls
// return immediately. TrainerThread implements it; tests and tools may fake it.
#pragma once

#include <memory>

#include "train/command.h"
#include "train/snapshot.h"

namespace rnnscope {

class TrainerLink {
 public:
  virtual ~TrainerLink() = default;
  // Newest published snapshot, or nullptr before the first. Never blocks beyond a pointer copy.
  virtual std::shared_ptr<const Snapshot> Latest() const = 0;
  // Queues a command for the next step boundary. Never blocks on training.
  virtual void Send(Command command) = 0;
  // Asks the trainer to stop after its current step and returns at once; the destructor then
  // only joins (train/trainer_reaper.h does that off the UI thread). No-op for links without
  // a thread.
  virtual void RequestStop() {}
  // The Dynamics panel's newest view (train/dynamics_worker.h) and the fixed-point search's
  // progress; computed off the trainer thread, so they arrive even while training is paused.
  virtual std::shared_ptr<const DynamicsView> Dynamics() const { return nullptr; }
  virtual FixedPointSearchState DynamicsSearch() const { return {}; }
};

}  // namespace rnnscope
