#include "core/pixel_decimation.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace rnnscope {
namespace {

// Appends in[first..last]'s first, min-y, max-y and last points in index order.
void EmitRun(std::span<const ScreenPoint> in, std::size_t first, std::size_t last,
             std::vector<ScreenPoint>& out) {
  std::size_t lowest = first, highest = first;
  for (std::size_t i = first + 1; i <= last; ++i) {
    if (in[i].y < in[lowest].y) lowest = i;
    if (in[i].y > in[highest].y) highest = i;
  }
  std::array<std::size_t, 4> keep = {first, lowest, highest, last};
  std::sort(keep.begin(), keep.end());
  const auto end = std::unique(keep.begin(), keep.end());
  for (auto it = keep.begin(); it != end; ++it) out.push_back(in[*it]);
}

}  // namespace

void DecimateToPixelColumns(std::span<const ScreenPoint> in, std::vector<ScreenPoint>& out) {
  out.clear();
  if (in.empty()) return;
  out.reserve(std::min<std::size_t>(in.size(), 4096));
  std::size_t first = 0;
  float column = std::floor(in[0].x);
  for (std::size_t i = 1; i < in.size(); ++i) {
    const float c = std::floor(in[i].x);
    if (c == column) continue;
    EmitRun(in, first, i - 1, out);
    first = i;
    column = c;
  }
  EmitRun(in, first, in.size() - 1, out);
}

}  // namespace rnnscope
