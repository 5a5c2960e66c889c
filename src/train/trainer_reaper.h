// Stops trainers off the UI thread. Freeing a TrainerThread joins it, which waits for its
// current training step (seconds on a big model): done on the UI thread, the window froze
// whenever Compare stopped or switched presets. The reaper takes the trainers, asks each to
// stop at once (non-blocking) and frees them on its own thread; its destructor waits for all.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "train/trainer_link.h"

namespace rnnscope {

class TrainerReaper {
 public:
  TrainerReaper();
  ~TrainerReaper();  // frees (joins) every trainer handed over, then the reaper thread
  TrainerReaper(const TrainerReaper&) = delete;
  TrainerReaper& operator=(const TrainerReaper&) = delete;

  // Returns at once: RequestStop() now, destruction later on the reaper's thread.
  void Reap(std::unique_ptr<TrainerLink> trainer);
  // Blocks until everything handed over so far has been freed (tests, and the app's exit).
  void Drain();

 private:
  void Run();
  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::vector<std::unique_ptr<TrainerLink>> pending_;
  bool busy_ = false;  // the reaper thread is freeing a batch outside the lock
  bool quit_ = false;
  std::thread thread_;  // last: started after the members it uses exist
};

}  // namespace rnnscope
