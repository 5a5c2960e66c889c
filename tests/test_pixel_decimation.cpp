// DecimateToPixelColumns: what the line plots hand to ImGui instead of every sample.
#include "core/pixel_decimation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace rnnscope {
namespace {

std::vector<ScreenPoint> Decimate(const std::vector<ScreenPoint>& in) {
  std::vector<ScreenPoint> out = {{-1.0f, -1.0f}};  // must be cleared
  DecimateToPixelColumns(in, out);
  return out;
}

TEST(PixelDecimation, KeepsPointsThatAreAlreadyOnePerColumn) {
  const std::vector<ScreenPoint> in = {{0.5f, 3.0f}, {1.5f, 1.0f}, {2.2f, 7.0f}, {9.9f, 2.0f}};
  const auto out = Decimate(in);
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].x, in[i].x);
    EXPECT_EQ(out[i].y, in[i].y);
  }
}

TEST(PixelDecimation, EmptyAndSinglePoint) {
  EXPECT_TRUE(Decimate({}).empty());
  const auto one = Decimate({{4.0f, 5.0f}});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].y, 5.0f);
}

TEST(PixelDecimation, OneColumnKeepsFirstExtremesAndLastInOrder) {
  // Column 10: first y=5, max y=9 at index 2, min y=1 at index 4, last y=4.
  const std::vector<ScreenPoint> in = {{10.0f, 5.0f}, {10.1f, 6.0f}, {10.2f, 9.0f}, {10.3f, 3.0f},
                                       {10.4f, 1.0f}, {10.5f, 2.0f}, {10.9f, 4.0f}, {11.0f, 8.0f}};
  const auto out = Decimate(in);
  const std::vector<float> want_y = {5.0f, 9.0f, 1.0f, 4.0f, 8.0f};
  ASSERT_EQ(out.size(), want_y.size());
  for (std::size_t i = 0; i < want_y.size(); ++i) EXPECT_EQ(out[i].y, want_y[i]) << i;
  EXPECT_EQ(out[1].x, 10.2f);  // points are kept, not re-made
  EXPECT_EQ(out[2].x, 10.4f);
}

TEST(PixelDecimation, ExtremeThatIsAlsoFirstOrLastIsNotRepeated) {
  // Rising within a column: first is the min and last is the max.
  const auto out = Decimate({{3.0f, 1.0f}, {3.3f, 2.0f}, {3.6f, 3.0f}, {3.9f, 4.0f}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].y, 1.0f);
  EXPECT_EQ(out[1].y, 4.0f);
}

TEST(PixelDecimation, LongNoisyHistoryKeepsEveryColumnsRange) {
  // 100k samples across 300 pixels, like a loss curve late in a run.
  const int n = 100000;
  const float width = 300.0f;
  std::vector<ScreenPoint> in(n);
  for (int i = 0; i < n; ++i) {
    const float x = width * static_cast<float>(i) / static_cast<float>(n);
    in[static_cast<std::size_t>(i)] = {x, 100.0f + 40.0f * std::sin(0.37f * static_cast<float>(i)) +
                                              0.001f * static_cast<float>(i)};
  }
  const auto out = Decimate(in);
  EXPECT_LE(out.size(), 4u * 300u);
  EXPECT_GE(out.size(), 2u * 300u);
  // Per column, the kept points span exactly the full data's min and max.
  for (int column = 0; column < 300; ++column) {
    float lo = INFINITY, hi = -INFINITY, kept_lo = INFINITY, kept_hi = -INFINITY;
    for (const ScreenPoint& p : in) {
      if (std::floor(p.x) == static_cast<float>(column)) { lo = std::min(lo, p.y); hi = std::max(hi, p.y); }
    }
    for (const ScreenPoint& p : out) {
      if (std::floor(p.x) == static_cast<float>(column)) { kept_lo = std::min(kept_lo, p.y); kept_hi = std::max(kept_hi, p.y); }
    }
    ASSERT_EQ(kept_lo, lo) << column;
    ASSERT_EQ(kept_hi, hi) << column;
  }
  // x never goes backwards and the ends are kept.
  for (std::size_t i = 1; i < out.size(); ++i) ASSERT_GE(out[i].x, out[i - 1].x);
  EXPECT_EQ(out.front().y, in.front().y);
  EXPECT_EQ(out.back().y, in.back().y);
}

TEST(PixelDecimation, ColumnsThatComeBackAreSeparateRuns) {
  // x goes 1 → 2 → 1: three runs, nothing merged across the gap.
  const auto out = Decimate({{1.1f, 0.0f}, {1.2f, 1.0f}, {2.5f, 2.0f}, {1.3f, 3.0f}});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[3].y, 3.0f);
}

}  // namespace
}  // namespace rnnscope
