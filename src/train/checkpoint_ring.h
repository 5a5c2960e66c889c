// Time travel: a bounded ring of in-memory checkpoints (Job::SaveToBytes) taken every
// `interval` steps. Memory is capped: when the kept bytes exceed the cap, the interior
// checkpoint closest to its predecessor is dropped (oldest first on ties), so the kept steps
// thin out evenly over the whole run — the start stays reachable — instead of forgetting the
// past wholesale as a FIFO would. The newest checkpoint is always kept. Owned by the trainer
// thread; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace rnnscope {

class CheckpointRing {
 public:
  static constexpr int kDefaultInterval = 50;
  static constexpr int64_t kDefaultCapBytes = 64ll << 20;  // 64 MiB

  struct Entry {
    int64_t step = 0;
    std::vector<unsigned char> bytes;
  };

  explicit CheckpointRing(int interval = kDefaultInterval, int64_t cap_bytes = kDefaultCapBytes);

  // interval 0 turns checkpointing off (kept entries stay); a smaller cap evicts at once.
  void Configure(int interval, int64_t cap_bytes);
  // Whether a checkpoint should be taken at `step` (on the interval and not already kept).
  bool Due(int64_t step) const;
  // Keeps `bytes` as the checkpoint of `step` (replacing one of the same step), then evicts.
  void Add(int64_t step, std::vector<unsigned char> bytes);
  // The newest checkpoint at or before `step`; null when there is none.
  const Entry* AtOrBefore(int64_t step) const;
  // Forgets checkpoints after `step` (their future was abandoned by a rewind).
  void DropAfter(int64_t step);
  void Clear();

  std::vector<int64_t> Steps() const;
  int64_t bytes() const { return bytes_; }
  int64_t cap_bytes() const { return cap_bytes_; }
  int interval() const { return interval_; }
  std::size_t size() const { return entries_.size(); }

 private:
  void Evict();

  int interval_;
  int64_t cap_bytes_;
  int64_t bytes_ = 0;
  std::deque<Entry> entries_;  // increasing step
};

}  // namespace rnnscope
