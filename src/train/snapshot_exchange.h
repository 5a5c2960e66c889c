// Trainer → UI handoff of the newest immutable Snapshot (docs/architecture.md §2). One producer publishes,
// any number of readers take the latest; a reader keeps its shared_ptr as long as it draws, so
// a publish never invalidates what someone is reading, and the last reader frees the old one.
//
// A mutex held only for the shared_ptr copy/swap, not std::atomic<std::shared_ptr>: libstdc++ 12
// has the latter but it is not lock-free either (is_lock_free() == false; a spin bit in the
// pointer), and a spinning reader on our 2-core target is worse than a parked one. The old
// snapshot is destroyed after the lock is released, so freeing a large snapshot never happens
// inside the critical section.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "train/snapshot.h"

namespace rnnscope {

class SnapshotExchange {
 public:
  // Producer. Replaces the latest snapshot; nullptr is allowed (readers then see nullptr).
  void Publish(std::shared_ptr<const Snapshot> snapshot);
  // Any thread. The newest snapshot, or nullptr before the first publish.
  std::shared_ptr<const Snapshot> Latest() const;
  // Number of Publish calls so far; lets a reader skip Latest() when nothing changed.
  uint64_t PublishCount() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> latest_;
  uint64_t publishes_ = 0;
};

}  // namespace rnnscope
