#include "train/snapshot_exchange.h"

#include <utility>

namespace rnnscope {

void SnapshotExchange::Publish(std::shared_ptr<const Snapshot> snapshot) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    latest_.swap(snapshot);
    ++publishes_;
  }
  // `snapshot` now holds the previous one; if no reader still has it, it is freed here,
  // outside the lock.
}

std::shared_ptr<const Snapshot> SnapshotExchange::Latest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_;
}

uint64_t SnapshotExchange::PublishCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return publishes_;
}

}  // namespace rnnscope
