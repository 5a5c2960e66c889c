// When the trainer thread publishes its next snapshot while training: every `interval` (50 ms,
// 20 Hz), but no more often than keeps the snapshots' own cost under `budget` of the trainer's
// time. A snapshot runs the probe forward and backward and copies traces and weights: about
// 0.3 ms for the default model but 20 ms for an LSTM H=512, which at 20 Hz cost 11 % of its
// training throughput. With a 5 % budget that model publishes every ~0.4 s (a training step
// there takes 0.2 s). User actions (commands, pause, single steps) still publish at once; this
// only paces the background stream. `rnnscope bench` uses the same pacer to measure the cost.
#pragma once

#include <algorithm>
#include <chrono>

namespace rnnscope {

class SnapshotPacer {
 public:
  using Clock = std::chrono::steady_clock;

  SnapshotPacer(std::chrono::milliseconds interval, double budget)
      : interval_(interval), budget_(std::clamp(budget, 0.001, 1.0)) {}

  // The wait after a snapshot: the interval, or cost·(1 − budget)/budget when that is longer.
  Clock::duration Gap() const {
    const auto by_budget = std::chrono::duration_cast<Clock::duration>(cost_ * ((1.0 - budget_) / budget_));
    return std::max<Clock::duration>(interval_, by_budget);
  }
  bool Due(Clock::time_point now) const { return now - last_end_ >= Gap(); }
  // A snapshot was taken from `start` to `end` (any snapshot, paced or not).
  void Took(Clock::time_point start, Clock::time_point end) {
    const std::chrono::duration<double> cost = end - start;
    // Smoothed, so that one slow snapshot (a page fault, a preemption) does not stall the stream.
    cost_ = measured_ ? 0.5 * cost_ + 0.5 * cost : cost;
    measured_ = true;
    last_end_ = end;
  }

 private:
  Clock::duration interval_;
  double budget_;
  std::chrono::duration<double> cost_{0.0};
  bool measured_ = false;
  Clock::time_point last_end_{};
};

}  // namespace rnnscope
