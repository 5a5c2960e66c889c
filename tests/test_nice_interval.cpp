// RoundOutToNiceSteps: plot ranges that change only when the data crosses a round number.
#include "core/nice_interval.h"

#include <gtest/gtest.h>

#include <cmath>

namespace rnnscope {
namespace {

TEST(NiceInterval, RoundsOutToWholeSteps) {
  // Width 299 → a quarter is 74.75 → step 100.
  const Interval a = RoundOutToNiceSteps(1.0, 300.0);
  EXPECT_DOUBLE_EQ(a.lo, 0.0);
  EXPECT_DOUBLE_EQ(a.hi, 300.0);
  const Interval b = RoundOutToNiceSteps(1.0, 301.0);
  EXPECT_DOUBLE_EQ(b.lo, 0.0);
  EXPECT_DOUBLE_EQ(b.hi, 400.0);
  // Width 2.7 → step 1 (a quarter, 0.675, rounds up to 1).
  const Interval c = RoundOutToNiceSteps(1.5, 4.2);
  EXPECT_DOUBLE_EQ(c.lo, 1.0);
  EXPECT_DOUBLE_EQ(c.hi, 5.0);
  // Negative values and a 2.5 step: width 9 → 2.25 → 2.5.
  const Interval d = RoundOutToNiceSteps(-4.0, 5.0);
  EXPECT_DOUBLE_EQ(d.lo, -5.0);
  EXPECT_DOUBLE_EQ(d.hi, 5.0);
}

TEST(NiceInterval, AlwaysContainsTheDataWithAFewSteps) {
  for (double lo = -3.7; lo < 3.0; lo += 0.37) {
    for (double width = 1e-3; width < 1e5; width *= 3.1) {
      const Interval r = RoundOutToNiceSteps(lo, lo + width);
      ASSERT_LE(r.lo, lo) << lo << " " << width;
      ASSERT_GE(r.hi, lo + width) << lo << " " << width;
      // At most ~2.5× the data's width: a step of at most 5/2.5× a quarter, two partial steps.
      ASSERT_LE(r.hi - r.lo, 3.0 * width + 1e-12) << lo << " " << width;
    }
  }
}

TEST(NiceInterval, AGrowingHistoryKeepsItsRangeUntilItCrossesAStep) {
  // Step counts 1..n as a loss history grows: the range changes a handful of times, not 1000.
  int changes = 0;
  Interval last = RoundOutToNiceSteps(1.0, 2.0);
  for (int n = 3; n <= 1000; ++n) {
    const Interval r = RoundOutToNiceSteps(1.0, static_cast<double>(n));
    if (r.lo != last.lo || r.hi != last.hi) ++changes;
    last = r;
  }
  EXPECT_LT(changes, 60);
  EXPECT_GT(changes, 5);
}

TEST(NiceInterval, LogValuesRoundToFractionsOfADecade) {
  // A loss from 1.5 to 4.2 on a log axis: log10 0.176..0.623, width 0.447 → step 0.2.
  const Interval r = RoundOutToNiceSteps(std::log10(1.5), std::log10(4.2));
  EXPECT_NEAR(r.lo, 0.0, 1e-12);
  EXPECT_NEAR(r.hi, 0.8, 1e-12);
}

TEST(NiceInterval, EmptyOrNonFiniteComesBackUnchanged) {
  const Interval same = RoundOutToNiceSteps(2.0, 2.0);
  EXPECT_EQ(same.lo, 2.0);
  EXPECT_EQ(same.hi, 2.0);
  const Interval nan = RoundOutToNiceSteps(NAN, 1.0);
  EXPECT_TRUE(std::isnan(nan.lo));
}

}  // namespace
}  // namespace rnnscope
