#include "train/snapshot_pacer.h"

#include <gtest/gtest.h>

namespace rnnscope {
namespace {

using Clock = SnapshotPacer::Clock;
using std::chrono::milliseconds;

TEST(SnapshotPacer, CheapSnapshotsFollowTheInterval) {
  SnapshotPacer pacer(milliseconds(50), 0.05);
  const Clock::time_point t0{};
  pacer.Took(t0, t0 + milliseconds(1));  // 1 ms: 19 ms by budget < 50 ms interval
  EXPECT_EQ(pacer.Gap(), milliseconds(50));
  EXPECT_FALSE(pacer.Due(t0 + milliseconds(50)));
  EXPECT_TRUE(pacer.Due(t0 + milliseconds(51)));
}

TEST(SnapshotPacer, CostlySnapshotsStayWithinTheBudget) {
  SnapshotPacer pacer(milliseconds(50), 0.05);
  Clock::time_point t{};
  // 20 ms snapshots (an LSTM H=512): 19 × 20 = 380 ms between them, 5 % of the time.
  for (int i = 0; i < 5; ++i) {
    pacer.Took(t, t + milliseconds(20));
    t += milliseconds(20) + pacer.Gap();
  }
  const double gap_ms = std::chrono::duration<double, std::milli>(pacer.Gap()).count();
  EXPECT_NEAR(gap_ms, 380.0, 1e-6);
  EXPECT_NEAR(20.0 / (20.0 + gap_ms), 0.05, 1e-9);
}

TEST(SnapshotPacer, OneSlowSnapshotIsSmoothed) {
  SnapshotPacer pacer(milliseconds(50), 0.05);
  const Clock::time_point t0{};
  pacer.Took(t0, t0 + milliseconds(1));
  pacer.Took(t0 + milliseconds(100), t0 + milliseconds(140));  // one 40 ms hiccup
  // Smoothed cost (1 + 40) / 2 = 20.5 ms, not 40: the gap is 389.5 ms, not 760.
  const double gap_ms = std::chrono::duration<double, std::milli>(pacer.Gap()).count();
  EXPECT_NEAR(gap_ms, 389.5, 1e-6);
}

}  // namespace
}  // namespace rnnscope
