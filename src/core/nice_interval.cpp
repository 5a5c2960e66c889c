#include "core/nice_interval.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace rnnscope {

Interval RoundOutToNiceSteps(double lo, double hi) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo, hi};
  const double raw = (hi - lo) / 4.0;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10.0 * magnitude;
  for (const double m : {1.0, 2.0, 2.5, 5.0}) {
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  }
  // An end that already sits on a multiple (up to rounding) stays there, and never inside.
  const double tolerance = step * 1e-9;
  return {std::min(lo, std::floor((lo + tolerance) / step) * step),
          std::max(hi, std::ceil((hi - tolerance) / step) * step)};
}

}  // namespace rnnscope
