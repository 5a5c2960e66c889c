// Thins a polyline to what a screen can show: at most four points per pixel column. A plot of a
// 100k-step loss history in a 300-pixel-wide panel would otherwise hand the rasteriser 100k
// segments per frame (each one two to six triangles), and with software OpenGL (llvmpipe, which
// is what Xvfb and GPU-less laptops run) the frame time grows with the triangle count.
#pragma once

#include <span>
#include <vector>

namespace rnnscope {

struct ScreenPoint {
  float x = 0.0f;
  float y = 0.0f;
};

// M4 aggregation (Jugel et al., "M4: A Visualization-Oriented Time Series Data Aggregation",
// VLDB 2014): of each run of consecutive points whose x falls in one pixel column
// [floor(x), floor(x) + 1), keeps the first, the one with the smallest y, the one with the
// largest y and the last, in their original order and without repeats. A polyline through the
// kept points touches the same pixel columns at the same extremes as the full one, so a plot
// looks the same. `out` is cleared first; input with x not increasing is still handled (runs
// are consecutive points only), it just thins less.
void DecimateToPixelColumns(std::span<const ScreenPoint> in, std::vector<ScreenPoint>& out);

}  // namespace rnnscope
