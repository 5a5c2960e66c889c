#include "train/trainer_reaper.h"

namespace rnnscope {

TrainerReaper::TrainerReaper() : thread_([this] { Run(); }) {}

TrainerReaper::~TrainerReaper() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_.notify_one();
  thread_.join();  // Run() frees what is pending before it returns
}

void TrainerReaper::Reap(std::unique_ptr<TrainerLink> trainer) {
  if (!trainer) return;
  trainer->RequestStop();  // stops after its current step, so the later join is short
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(std::move(trainer));
  }
  wake_.notify_one();
}

void TrainerReaper::Drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return pending_.empty() && !busy_; });
}

void TrainerReaper::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return quit_ || !pending_.empty(); });
    if (pending_.empty() && quit_) return;
    std::vector<std::unique_ptr<TrainerLink>> batch;
    batch.swap(pending_);
    busy_ = true;
    lock.unlock();
    batch.clear();  // the joins, with no lock held so Reap() never waits on them
    lock.lock();
    busy_ = false;
    idle_.notify_all();
  }
}

}  // namespace rnnscope
