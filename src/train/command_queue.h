// UI → trainer commands (docs/architecture.md §2, Tracy's RunQueue): any thread pushes under a mutex held only
// for a vector push_back; the trainer swaps the whole vector out at a step boundary. Nobody waits
// on training: Push and Drain hold the lock for O(1) work (plus a push_back that may grow the
// vector), and only the trainer ever sleeps, in WaitFor, while it is paused.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "train/command.h"

namespace rnnscope {

class CommandQueue {
 public:
  // Any thread. Wakes a trainer sleeping in WaitFor.
  void Push(Command command);

  // Trainer thread: everything pushed so far, oldest first (per pushing thread, push order is
  // kept). Never waits for new commands.
  std::vector<Command> Drain();
  // Same, but reuses `out`'s capacity: `out` is cleared and swapped with the queue, so in steady
  // state neither side allocates.
  void Drain(std::vector<Command>& out);

  // Trainer thread, while paused: sleeps until a command is queued, Wake() is called or the
  // timeout passes. Returns true if commands are waiting. Returns at once if some already are.
  bool WaitFor(std::chrono::milliseconds timeout);
  // Wakes WaitFor without a command (e.g. a stop flag was set).
  void Wake();

  bool Empty() const;
  // Commands ever pushed (for tests and stats; monotonically increasing).
  uint64_t PushedCount() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Command> pending_;
  uint64_t pushed_ = 0;
  uint64_t wakes_ = 0;
};

}  // namespace rnnscope
