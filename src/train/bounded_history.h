// Loss history for the loss plot, bounded however long the run: the most recent points are
// kept at full resolution, older ones are averaged into buckets of equal width.
//
//   [ coarse: buckets of `stride` steps each ][ partial bucket ][ recent: last R raw points ]
//
// A raw point leaving `recent` is folded into the partial bucket; a full bucket (stride points)
// joins `coarse`. When `coarse` fills up, neighbouring buckets merge pairwise and the stride
// doubles, so memory stays ≤ capacity and old history keeps a uniform (if coarser) resolution.
// Amortised O(1) per Add. Owned by a job (Job::LossHistory), used by its one thread; not
// thread-safe.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/ring_buffer.h"
#include "train/snapshot.h"

namespace rnnscope {

class BoundedHistory {
 public:
  static constexpr std::size_t kDefaultCapacity = 4096;
  static constexpr std::size_t kMinCapacity = 8;

  // At most `capacity` points are ever held (values below kMinCapacity are raised to it).
  // Half of them are the recent raw points.
  explicit BoundedHistory(std::size_t capacity = kDefaultCapacity);

  // Points are expected in increasing step order.
  void Add(const LossPoint& point);
  // Sets the val loss of the newest point when it is at `step` (validation runs after the step
  // it measures); returns false, changing nothing, when the newest point is another step.
  bool SetNewestValLoss(int64_t step, float val_loss);
  // Removes the newest point when it is at `step` (a step whose update was rolled back: the
  // run goes on from the step before, and the next step takes its number again).
  bool DropNewest(int64_t step);
  void Clear();

  // Oldest first. A bucket reports the step of its last point and the mean train loss and grad
  // norm over its points, the mean val loss over the points that have one (NaN if none), and
  // clipped if any point was clipped.
  std::vector<LossPoint> Points() const;
  void CopyTo(std::vector<LossPoint>& out) const;  // replaces out's contents, reusing capacity

  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }
  uint64_t total_added() const { return total_; }
  uint64_t stride() const { return stride_; }  // raw points per coarse bucket

 private:
  struct Bucket {
    LossPoint point;
    uint64_t n = 0;      // raw points merged in
    uint64_t n_val = 0;  // of which carried a val loss
  };
  static void Merge(Bucket& into, const Bucket& later);
  void Fold(const LossPoint& raw);  // a point leaving `recent_`

  std::size_t capacity_;
  std::size_t coarse_capacity_;  // even, so pairwise merging leaves uniform buckets
  std::vector<Bucket> coarse_;
  Bucket partial_;
  uint64_t stride_ = 1;
  RingBuffer<LossPoint> recent_;
  uint64_t total_ = 0;
};

// ---------------------------------------------------------------- implementation (header-only)

inline BoundedHistory::BoundedHistory(std::size_t capacity)
    : capacity_(std::max(capacity, kMinCapacity)),
      coarse_capacity_(((capacity_ - capacity_ / 2 - 1) / 2) * 2),
      recent_(capacity_ / 2) {
  coarse_.reserve(coarse_capacity_);
}

inline void BoundedHistory::Merge(Bucket& into, const Bucket& later) {
  if (into.n == 0) {
    into = later;
    return;
  }
  // Weighted means in double; a NaN train loss (divergence) stays visible as NaN.
  const double n = static_cast<double>(into.n + later.n);
  const double wa = static_cast<double>(into.n) / n, wb = static_cast<double>(later.n) / n;
  LossPoint& a = into.point;
  const LossPoint& b = later.point;
  a.train_loss = static_cast<float>(wa * a.train_loss + wb * b.train_loss);
  a.grad_norm = static_cast<float>(wa * a.grad_norm + wb * b.grad_norm);
  if (later.n_val > 0) {
    if (into.n_val == 0) {
      a.val_loss = b.val_loss;
    } else {
      const double nv = static_cast<double>(into.n_val + later.n_val);
      a.val_loss = static_cast<float>((static_cast<double>(into.n_val) * a.val_loss +
                                       static_cast<double>(later.n_val) * b.val_loss) / nv);
    }
  }
  a.step = b.step;
  a.clipped = a.clipped || b.clipped;
  into.n += later.n;
  into.n_val += later.n_val;
}

inline void BoundedHistory::Fold(const LossPoint& raw) {
  Bucket b;
  b.point = raw;
  b.n = 1;
  b.n_val = std::isnan(raw.val_loss) ? 0 : 1;
  Merge(partial_, b);
  if (partial_.n < stride_) return;
  coarse_.push_back(partial_);
  partial_ = Bucket{};
  if (coarse_.size() < coarse_capacity_) return;
  // Full: merge neighbours pairwise in place. Every bucket holds `stride_` points, so the
  // merged ones hold 2·stride_ and the resolution stays uniform.
  for (std::size_t i = 0; i < coarse_.size() / 2; ++i) {
    Bucket merged = coarse_[2 * i];
    Merge(merged, coarse_[2 * i + 1]);
    coarse_[i] = merged;
  }
  coarse_.resize(coarse_.size() / 2);
  stride_ *= 2;
}

inline void BoundedHistory::Add(const LossPoint& point) {
  if (recent_.full()) {
    Fold(recent_.front());
    recent_.PopFront();
  }
  recent_.Push(point);
  ++total_;
}

inline bool BoundedHistory::SetNewestValLoss(int64_t step, float val_loss) {
  // The newest point is always raw (in `recent_`), so setting it changes no bucket's mean.
  if (recent_.size() == 0 || recent_[recent_.size() - 1].step != step) return false;
  recent_[recent_.size() - 1].val_loss = val_loss;
  return true;
}

inline bool BoundedHistory::DropNewest(int64_t step) {
  if (recent_.size() == 0 || recent_[recent_.size() - 1].step != step) return false;
  recent_.PopBack();  // a point folded out when this one came stays folded: older, so harmless
  --total_;
  return true;
}

inline void BoundedHistory::Clear() {
  coarse_.clear();
  partial_ = Bucket{};
  stride_ = 1;
  recent_.Clear();
  total_ = 0;
}

inline std::size_t BoundedHistory::size() const {
  return coarse_.size() + (partial_.n > 0 ? 1 : 0) + recent_.size();
}

inline void BoundedHistory::CopyTo(std::vector<LossPoint>& out) const {
  out.clear();
  out.reserve(size());
  for (const Bucket& b : coarse_) out.push_back(b.point);
  if (partial_.n > 0) out.push_back(partial_.point);
  recent_.AppendTo(out);
}

inline std::vector<LossPoint> BoundedHistory::Points() const {
  std::vector<LossPoint> out;
  CopyTo(out);
  return out;
}

}  // namespace rnnscope
