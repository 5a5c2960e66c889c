#include "train/checkpoint_ring.h"

#include <algorithm>

#include "core/error.h"

namespace rnnscope {

CheckpointRing::CheckpointRing(int interval, int64_t cap_bytes) { Configure(interval, cap_bytes); }

void CheckpointRing::Configure(int interval, int64_t cap_bytes) {
  if (interval < 0) throw ConfigError("checkpoint ring interval must be >= 0 (0 = off), got " + std::to_string(interval));
  if (cap_bytes < 0) throw ConfigError("checkpoint ring cap must be >= 0 bytes");
  interval_ = interval;
  cap_bytes_ = cap_bytes;
  Evict();
}

bool CheckpointRing::Due(int64_t step) const {
  if (interval_ <= 0 || step % interval_ != 0) return false;
  return entries_.empty() || entries_.back().step != step;
}

void CheckpointRing::Add(int64_t step, std::vector<unsigned char> bytes) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), step,
                             [](const Entry& e, int64_t s) { return e.step < s; });
  if (it != entries_.end() && it->step == step) {
    bytes_ -= static_cast<int64_t>(it->bytes.size());
    it->bytes = std::move(bytes);
    bytes_ += static_cast<int64_t>(it->bytes.size());
  } else {
    bytes_ += static_cast<int64_t>(bytes.size());
    entries_.insert(it, Entry{step, std::move(bytes)});
  }
  Evict();
}

void CheckpointRing::Evict() {
  while (bytes_ > cap_bytes_ && entries_.size() > 1) {
    // Interior entries only (never the first or the newest): drop the one closest to its
    // predecessor, so the kept steps stay evenly spread. With two entries, the older goes.
    std::size_t victim = 0;
    if (entries_.size() > 2) {
      victim = 1;
      int64_t best = entries_[1].step - entries_[0].step;
      for (std::size_t k = 2; k + 1 < entries_.size(); ++k) {
        const int64_t gap = entries_[k].step - entries_[k - 1].step;
        if (gap < best) {
          best = gap;
          victim = k;
        }
      }
    }
    bytes_ -= static_cast<int64_t>(entries_[victim].bytes.size());
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(victim));
  }
}

const CheckpointRing::Entry* CheckpointRing::AtOrBefore(int64_t step) const {
  const Entry* found = nullptr;
  for (const Entry& e : entries_) {
    if (e.step > step) break;
    found = &e;
  }
  return found;
}

void CheckpointRing::DropAfter(int64_t step) {
  while (!entries_.empty() && entries_.back().step > step) {
    bytes_ -= static_cast<int64_t>(entries_.back().bytes.size());
    entries_.pop_back();
  }
}

void CheckpointRing::Clear() {
  entries_.clear();
  bytes_ = 0;
}

std::vector<int64_t> CheckpointRing::Steps() const {
  std::vector<int64_t> steps;
  steps.reserve(entries_.size());
  for (const Entry& e : entries_) steps.push_back(e.step);
  return steps;
}

}  // namespace rnnscope
