#include "app/frame_stats.h"

#include <algorithm>
#include <cmath>

namespace rnnscope {

void FrameStats::Add(double ms) {
  if (samples_.size() < window_) {
    samples_.push_back(ms);
  } else {
    samples_[next_] = ms;
    next_ = (next_ + 1) % window_;
  }
}

double FrameStats::Percentile(double q) const {
  if (samples_.empty()) return 0.0;
  std::vector<double> sorted = samples_;  // a few hundred doubles: a copy per call is cheap
  const auto rank = static_cast<std::size_t>(
      std::clamp(std::ceil(q * static_cast<double>(sorted.size())) - 1.0, 0.0,
                 static_cast<double>(sorted.size() - 1)));
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank), sorted.end());
  return sorted[rank];
}

}  // namespace rnnscope
