// Frame-time statistics over a sliding window, for the status line and `screenshot`.
#pragma once

#include <cstddef>
#include <vector>

namespace rnnscope {

class FrameStats {
 public:
  explicit FrameStats(std::size_t window = 240) : window_(window) {}
  void Add(double ms);
  double Median() const { return Percentile(0.5); }
  double P95() const { return Percentile(0.95); }
  double Percentile(double q) const;  // nearest-rank over the window; 0 when empty
  std::size_t count() const { return samples_.size(); }

 private:
  std::size_t window_;
  std::size_t next_ = 0;  // ring position once full
  std::vector<double> samples_;
};

}  // namespace rnnscope
