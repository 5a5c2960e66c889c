#include "train/command_queue.h"

#include <utility>

namespace rnnscope {

void CommandQueue::Push(Command command) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(std::move(command));
    ++pushed_;
  }
  // Notify after unlocking so the woken trainer does not immediately block on the mutex.
  cv_.notify_all();
}

std::vector<Command> CommandQueue::Drain() {
  std::vector<Command> out;
  Drain(out);
  return out;
}

void CommandQueue::Drain(std::vector<Command>& out) {
  out.clear();  // outside the lock: destroying old commands may free memory
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.swap(out);
}

bool CommandQueue::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t wakes = wakes_;
  cv_.wait_for(lock, timeout, [&] { return !pending_.empty() || wakes_ != wakes; });
  return !pending_.empty();
}

void CommandQueue::Wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++wakes_;
  }
  cv_.notify_all();
}

bool CommandQueue::Empty() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_.empty();
}

uint64_t CommandQueue::PushedCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pushed_;
}

}  // namespace rnnscope
