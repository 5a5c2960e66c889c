// One thread that runs one task at a time, for analyses that must not hold up the trainer thread
// (train/dynamics_worker.h). TryStart hands it a task only when it is idle and returns at once;
// the destructor waits for the task in hand (which should poll its own cancel flag) and joins.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace rnnscope {

class BackgroundTask {
 public:
  BackgroundTask() : thread_([this] { Loop(); }) {}
  ~BackgroundTask() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  BackgroundTask(const BackgroundTask&) = delete;
  BackgroundTask& operator=(const BackgroundTask&) = delete;

  // Runs `task` on the thread unless one is queued or running (then returns false).
  bool TryStart(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (busy_ || stop_) return false;
      busy_ = true;
      task_ = std::move(task);
    }
    wake_.notify_all();
    return true;
  }
  bool Busy() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return busy_;
  }
  // Blocks until the thread is idle (tests; never the trainer or UI thread).
  void WaitIdle() {
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return !busy_; });
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stop_ || task_; });
      if (!task_) return;  // stop with nothing queued
      std::function<void()> task = std::move(task_);
      task_ = nullptr;
      lock.unlock();
      try {
        task();
      } catch (...) {
        // A task reports its own errors (it owns where they go); one that escapes must not end
        // the program from a thread nobody joins yet.
      }
      lock.lock();
      busy_ = false;
      idle_.notify_all();
      if (stop_) return;
    }
  }

  mutable std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::function<void()> task_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it reads exist
};

}  // namespace rnnscope
