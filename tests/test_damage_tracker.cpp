// DamageTracker: which tiles of a frame the UI renderer redraws.
#include "core/damage_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace rnnscope {
namespace {

constexpr int kT = DamageTracker::kTile;

// One frame of 200 × 100 pixels drawing the given boxes, each with its own content hash.
struct Box {
  float x0, y0, x1, y1;
  uint64_t content;
};

std::vector<DamageRect> Frame(DamageTracker& tracker, const std::vector<Box>& boxes, int w = 200, int h = 100) {
  tracker.BeginFrame(w, h);
  for (const Box& b : boxes) tracker.AddTriangle(b.x0, b.y0, b.x1, b.y1, b.content);
  std::vector<DamageRect> rects = tracker.EndFrame();
  tracker.Commit(rects);
  return rects;
}

int CoveredArea(const std::vector<DamageRect>& rects) {
  int area = 0;
  for (const DamageRect& r : rects) area += r.Area();
  return area;
}

TEST(DamageTracker, FirstFrameAndNewSizeRedrawEverything) {
  DamageTracker tracker;
  const std::vector<Box> boxes = {{10, 10, 20, 20, 1}};
  EXPECT_EQ(Frame(tracker, boxes), (std::vector<DamageRect>{{0, 0, 200, 100}}));
  EXPECT_TRUE(Frame(tracker, boxes).empty());
  EXPECT_EQ(Frame(tracker, boxes, 300, 100), (std::vector<DamageRect>{{0, 0, 300, 100}}));
  EXPECT_TRUE(Frame(tracker, boxes, 300, 100).empty());
  tracker.Invalidate();
  EXPECT_EQ(Frame(tracker, boxes, 300, 100), (std::vector<DamageRect>{{0, 0, 300, 100}}));
}

TEST(DamageTracker, ChangedTriangleDamagesOnlyItsTiles) {
  DamageTracker tracker;
  Frame(tracker, {{5, 5, 10, 10, 1}, {100, 70, 110, 80, 2}});
  // The second box changes colour: tile (3, 2) only.
  const auto rects = Frame(tracker, {{5, 5, 10, 10, 1}, {100, 70, 110, 80, 3}});
  EXPECT_EQ(rects, (std::vector<DamageRect>{{3 * kT, 2 * kT, 4 * kT, 3 * kT}}));
}

TEST(DamageTracker, MovedTriangleDamagesWhereItWasAndWhereItIs) {
  DamageTracker tracker;
  Frame(tracker, {{5, 5, 10, 10, 1}});
  const auto rects = Frame(tracker, {{165, 5, 170, 10, 1}});
  EXPECT_EQ(rects, (std::vector<DamageRect>{{0, 0, kT, kT}, {5 * kT, 0, 6 * kT, kT}}));
}

TEST(DamageTracker, VanishedTriangleDamagesItsTiles) {
  DamageTracker tracker;
  Frame(tracker, {{40, 40, 50, 50, 7}});  // a tooltip
  EXPECT_EQ(Frame(tracker, {}), (std::vector<DamageRect>{{kT, kT, 2 * kT, 2 * kT}}));
  EXPECT_TRUE(Frame(tracker, {}).empty());
}

TEST(DamageTracker, DrawOrderIsPartOfTheContent) {
  DamageTracker tracker;
  Frame(tracker, {{5, 5, 10, 10, 1}, {6, 6, 9, 9, 2}});
  EXPECT_EQ(Frame(tracker, {{6, 6, 9, 9, 2}, {5, 5, 10, 10, 1}}), (std::vector<DamageRect>{{0, 0, kT, kT}}));
}

TEST(DamageTracker, BoxesStraddlingTilesAndEdgesAreClampedToTheFrame) {
  DamageTracker tracker;
  Frame(tracker, {{-50, -50, 500, 500, 1}});
  // Everything changes: one rectangle cut to the 200 × 100 frame (the last tiles are partial).
  EXPECT_EQ(Frame(tracker, {{-50, -50, 500, 500, 2}}), (std::vector<DamageRect>{{0, 0, 200, 100}}));
  // Entirely off screen: no tile is touched, so removing it changes nothing.
  Frame(tracker, {{300, 300, 310, 310, 1}});
  EXPECT_TRUE(Frame(tracker, {}).empty());
  // Empty or NaN boxes are ignored.
  EXPECT_TRUE(Frame(tracker, {{20, 20, 10, 10, 9}, {NAN, 0, 5, 5, 9}}).empty());
}

TEST(DamageTracker, RunsOnConsecutiveRowsStackIntoOneRectangle) {
  DamageTracker tracker;
  Frame(tracker, {{33, 1, 95, 90, 1}});  // tiles x 1..2, y 0..2
  const auto rects = Frame(tracker, {{33, 1, 95, 90, 2}});
  EXPECT_EQ(rects, (std::vector<DamageRect>{{kT, 0, 3 * kT, 3 * kT}}));
}

TEST(DamageTracker, RectanglesCoverEveryChangedTileAndNothingTwice) {
  // An L shape and a lone tile: the rectangles must cover exactly the changed tiles.
  DamageTracker tracker;
  std::vector<Box> before, after;
  const std::vector<std::pair<int, int>> changed = {{0, 0}, {0, 1}, {0, 2}, {1, 2}, {2, 2}, {5, 0}};
  for (int ty = 0; ty < 4; ++ty) {
    for (int tx = 0; tx < 7; ++tx) {
      const float x = static_cast<float>(tx * kT + 8), y = static_cast<float>(ty * kT + 8);
      before.push_back({x, y, x + 4, y + 4, 1});
      const bool change = std::find(changed.begin(), changed.end(), std::make_pair(tx, ty)) != changed.end();
      after.push_back({x, y, x + 4, y + 4, change ? 2u : 1u});
    }
  }
  Frame(tracker, before, 7 * kT, 4 * kT);
  const auto rects = Frame(tracker, after, 7 * kT, 4 * kT);
  EXPECT_EQ(CoveredArea(rects), static_cast<int>(changed.size()) * kT * kT);
  for (const auto& [tx, ty] : changed) {
    int covering = 0;
    for (const DamageRect& r : rects) {
      covering += r.x0 <= tx * kT && tx * kT < r.x1 && r.y0 <= ty * kT && ty * kT < r.y1;
    }
    EXPECT_EQ(covering, 1) << tx << "," << ty;
  }
}

TEST(DamageTracker, ARectangleLeftUndrawnIsReportedAgainOlder) {
  DamageTracker tracker;
  Frame(tracker, {{5, 5, 10, 10, 1}, {100, 70, 110, 80, 2}});
  // Both boxes change; only the first rectangle is redrawn this frame.
  tracker.BeginFrame(200, 100);
  tracker.AddTriangle(5, 5, 10, 10, 3);
  tracker.AddTriangle(100, 70, 110, 80, 4);
  const std::vector<DamageRect> damaged = tracker.EndFrame();
  ASSERT_EQ(damaged.size(), 2u);
  EXPECT_EQ(tracker.Age(damaged[0]), 0);
  tracker.Commit({damaged[0]});
  // Next frame, nothing new: the skipped rectangle is still damaged, one frame old.
  tracker.BeginFrame(200, 100);
  tracker.AddTriangle(5, 5, 10, 10, 3);
  tracker.AddTriangle(100, 70, 110, 80, 4);
  const std::vector<DamageRect> again = tracker.EndFrame();
  ASSERT_EQ(again, (std::vector<DamageRect>{damaged[1]}));
  EXPECT_EQ(tracker.Age(again[0]), 1);
  tracker.Commit(again);
  EXPECT_TRUE(Frame(tracker, {{5, 5, 10, 10, 3}, {100, 70, 110, 80, 4}}).empty());
}

TEST(DamageTracker, AnInvalidFrameStaysInvalidUntilDrawnWhole) {
  DamageTracker tracker;
  tracker.BeginFrame(200, 100);
  tracker.AddTriangle(5, 5, 10, 10, 1);
  ASSERT_EQ(tracker.EndFrame(), (std::vector<DamageRect>{{0, 0, 200, 100}}));
  tracker.Commit({{0, 0, 32, 32}});  // part of it: not enough
  EXPECT_FALSE(tracker.valid());
  EXPECT_EQ(Frame(tracker, {{5, 5, 10, 10, 1}}), (std::vector<DamageRect>{{0, 0, 200, 100}}));
  EXPECT_TRUE(tracker.valid());
}

}  // namespace
}  // namespace rnnscope
