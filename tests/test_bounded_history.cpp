#include "train/bounded_history.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "core/ring_buffer.h"

namespace rnnscope {
namespace {

TEST(RingBuffer, KeepsNewestInOrder) {
  RingBuffer<int> r(3);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.capacity(), 3u);
  for (int i = 1; i <= 5; ++i) r.Push(i);
  EXPECT_TRUE(r.full());
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(r.ToVector(), (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(r.front(), 3);
  EXPECT_EQ(r.back(), 5);
  r[0] = 30;
  EXPECT_EQ(r.front(), 30);
  r.PopFront();
  EXPECT_EQ(r.ToVector(), (std::vector<int>{4, 5}));
  r.Push(6);
  r.Push(7);
  EXPECT_EQ(r.ToVector(), (std::vector<int>{5, 6, 7}));
  std::vector<int> out = {0};
  r.AppendTo(out);
  EXPECT_EQ(out, (std::vector<int>{0, 5, 6, 7}));
  r.Clear();
  EXPECT_TRUE(r.empty());
  r.Push(8);
  EXPECT_EQ(r.ToVector(), (std::vector<int>{8}));
}

TEST(RingBuffer, ZeroCapacityKeepsNothing) {
  RingBuffer<float> r;
  r.Push(1.0f);
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(r.ToVector().empty());
}

LossPoint Point(int64_t step, float val = std::numeric_limits<float>::quiet_NaN()) {
  LossPoint p;
  p.step = step;
  p.train_loss = static_cast<float>(step);  // mean over a bucket is then its middle step
  p.grad_norm = 2.0f * static_cast<float>(step);
  p.val_loss = val;
  p.clipped = step % 1000 == 7;
  return p;
}

TEST(BoundedHistory, ShortRunIsKeptExactly) {
  BoundedHistory h(64);
  for (int64_t s = 0; s < 32; ++s) h.Add(Point(s));
  const std::vector<LossPoint> pts = h.Points();
  ASSERT_EQ(pts.size(), 32u);
  for (int64_t s = 0; s < 32; ++s) {
    EXPECT_EQ(pts[static_cast<std::size_t>(s)].step, s);
    EXPECT_EQ(pts[static_cast<std::size_t>(s)].train_loss, static_cast<float>(s));
  }
  EXPECT_EQ(h.stride(), 1u);
}

// A million steps into 256 slots: bounded, recent half raw, older buckets uniform and exact means.
TEST(BoundedHistory, LongRunStaysBoundedWithUniformBuckets) {
  const std::size_t cap = 256;
  BoundedHistory h(cap);
  const int64_t n = 1'000'000;
  std::size_t max_size = 0;
  for (int64_t s = 0; s < n; ++s) {
    h.Add(Point(s));
    max_size = std::max(max_size, h.size());
  }
  EXPECT_LE(max_size, cap);
  EXPECT_EQ(h.total_added(), static_cast<uint64_t>(n));
  const std::vector<LossPoint> pts = h.Points();
  ASSERT_EQ(pts.size(), h.size());
  ASSERT_GE(pts.size(), cap / 2);

  // Recent past: the last cap/2 points are the raw ones.
  const std::size_t recent = cap / 2;
  for (std::size_t i = 0; i < recent; ++i) {
    const LossPoint& p = pts[pts.size() - recent + i];
    const int64_t s = n - static_cast<int64_t>(recent) + static_cast<int64_t>(i);
    ASSERT_EQ(p.step, s);
    ASSERT_EQ(p.train_loss, static_cast<float>(s));
    ASSERT_EQ(p.clipped, s % 1000 == 7);
  }

  // Older: bucket k covers steps [k·stride, (k+1)·stride), reports its last step and the mean.
  const auto stride = static_cast<int64_t>(h.stride());
  EXPECT_GT(stride, 1);
  const std::size_t older = pts.size() - recent;
  int64_t covered = 0;
  for (std::size_t k = 0; k < older; ++k) {
    const LossPoint& p = pts[k];
    const int64_t first = covered;
    const bool partial = k + 1 == older && p.step + 1 - first < stride;
    const int64_t last = partial ? p.step : first + stride - 1;
    ASSERT_EQ(p.step, last) << "bucket " << k;
    const double mean = 0.5 * static_cast<double>(first + last);
    ASSERT_NEAR(p.train_loss, mean, 1e-6 * mean + 1e-3) << "bucket " << k;
    ASSERT_NEAR(p.grad_norm, 2 * mean, 2e-6 * mean + 1e-3) << "bucket " << k;
    ASSERT_TRUE(std::isnan(p.val_loss));
    // Any clipped step in the bucket marks it clipped.
    bool any = false;
    for (int64_t s = first; s <= last && !any; ++s) any = s % 1000 == 7;
    ASSERT_EQ(p.clipped, any) << "bucket " << k;
    covered = last + 1;
  }
  // Buckets and recent points together cover every step exactly once.
  EXPECT_EQ(covered, n - static_cast<int64_t>(recent));
  // Resolution is as fine as the capacity allows: the buckets use at least a quarter of it.
  EXPECT_GE(older, cap / 4);
}

// Val loss is evaluated every few steps (NaN elsewhere): a bucket's val is the mean over the
// evaluated steps only, never diluted by the NaN ones.
TEST(BoundedHistory, ValMeanIsWeightedByEvaluations) {
  BoundedHistory h(8);
  for (int64_t s = 0; s < 64; ++s) h.Add(Point(s, (s % 4 == 0) ? static_cast<float>(s) : NAN));
  const std::vector<LossPoint> pts = h.Points();
  int64_t first = 0;
  for (std::size_t k = 0; k + 4 < pts.size(); ++k) {  // buckets only
    double sum = 0;
    int count = 0;
    for (int64_t s = first; s <= pts[k].step; ++s)
      if (s % 4 == 0) {
        sum += static_cast<double>(s);
        ++count;
      }
    ASSERT_GT(count, 0);  // every bucket here spans ≥ 4 steps
    EXPECT_NEAR(pts[k].val_loss, sum / count, 1e-4) << "bucket ending " << pts[k].step;
    first = pts[k].step + 1;
  }
}

// Validation runs after the step it measures: its loss goes on that step's point, and only there.
TEST(BoundedHistory, SetNewestValLossTouchesOnlyTheNewestPointAtThatStep) {
  BoundedHistory h(16);
  for (int64_t s = 1; s <= 40; ++s) h.Add(Point(s));  // some already folded into buckets
  EXPECT_FALSE(h.SetNewestValLoss(39, 1.5f)) << "an older step is not the newest point";
  EXPECT_TRUE(h.SetNewestValLoss(40, 2.5f));
  const std::vector<LossPoint> p = h.Points();
  EXPECT_EQ(p.back().step, 40);
  EXPECT_EQ(p.back().val_loss, 2.5f);
  for (std::size_t k = 0; k + 1 < p.size(); ++k) EXPECT_TRUE(std::isnan(p[k].val_loss)) << k;
  BoundedHistory empty(16);
  EXPECT_FALSE(empty.SetNewestValLoss(0, 1.0f));
  EXPECT_EQ(empty.size(), 0u);
}

TEST(BoundedHistory, DropNewestRemovesOnlyThatStepsPoint) {
  BoundedHistory h(16);
  for (int64_t s = 1; s <= 40; ++s) h.Add(Point(s));
  const std::size_t before = h.size();
  EXPECT_FALSE(h.DropNewest(39));
  EXPECT_TRUE(h.DropNewest(40));
  EXPECT_EQ(h.size(), before - 1);
  EXPECT_EQ(h.total_added(), 39u);
  EXPECT_EQ(h.Points().back().step, 39);
  h.Add(Point(40));  // the step done again
  EXPECT_EQ(h.Points().back().step, 40);
  EXPECT_EQ(h.size(), before);
}

TEST(BoundedHistory, NaNTrainLossStaysVisible) {
  BoundedHistory h(8);
  for (int64_t s = 0; s < 40; ++s) {
    LossPoint p = Point(s);
    if (s == 5) p.train_loss = std::numeric_limits<float>::quiet_NaN();
    h.Add(p);
  }
  bool nan_seen = false;
  for (const LossPoint& p : h.Points()) nan_seen = nan_seen || std::isnan(p.train_loss);
  EXPECT_TRUE(nan_seen);
}

TEST(BoundedHistory, ClearStartsOver) {
  BoundedHistory h(16);
  for (int64_t s = 0; s < 1000; ++s) h.Add(Point(s));
  EXPECT_GT(h.stride(), 1u);
  h.Clear();
  EXPECT_EQ(h.size(), 0u);
  EXPECT_EQ(h.stride(), 1u);
  EXPECT_EQ(h.total_added(), 0u);
  h.Add(Point(5));
  std::vector<LossPoint> out(100);
  h.CopyTo(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].step, 5);
}

TEST(BoundedHistory, TinyCapacityIsRaisedToMinimum) {
  BoundedHistory h(1);
  EXPECT_EQ(h.capacity(), BoundedHistory::kMinCapacity);
  for (int64_t s = 0; s < 10000; ++s) {
    h.Add(Point(s));
    ASSERT_LE(h.size(), BoundedHistory::kMinCapacity);
  }
  EXPECT_EQ(h.Points().back().step, 9999);
}

}  // namespace
}  // namespace rnnscope
