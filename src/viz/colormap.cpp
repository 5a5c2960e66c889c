#include "viz/colormap.h"

#include <algorithm>
#include <cmath>

namespace rnnscope {
namespace {

// Polynomial fit of matplotlib's viridis (Matt Zucker, CC0): max error well under one 8-bit
// step, and it saves carrying a 256-row table in the source.
Rgb Viridis(float t) {
  const double c[7][3] = {{0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
                          {0.1050930431085774, 1.404613529898575, 1.384590162594685},
                          {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
                          {-4.634230498983486, -5.799100973351585, -19.33244095627987},
                          {6.228269936347081, 14.17993336680509, 56.69055260068105},
                          {4.776384997670288, -13.74514537774601, -65.35303263337234},
                          {-5.435455855934631, 4.645852612178535, 26.3124352495832}};
  double v[3];
  for (int k = 0; k < 3; ++k) {
    double acc = c[6][k];
    for (int i = 5; i >= 0; --i) acc = c[i][k] + t * acc;  // Horner
    v[k] = std::clamp(acc, 0.0, 1.0);
  }
  return {static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(v[2])};
}

// ColorBrewer RdBu anchors (reversed so negative is blue), linearly interpolated.
Rgb Diverging(float t) {
  static const Rgb anchors[] = {{0.020f, 0.188f, 0.380f}, {0.129f, 0.400f, 0.675f},
                                {0.263f, 0.576f, 0.765f}, {0.573f, 0.773f, 0.871f},
                                {0.969f, 0.969f, 0.969f}, {0.957f, 0.647f, 0.510f},
                                {0.839f, 0.376f, 0.302f}, {0.698f, 0.094f, 0.169f},
                                {0.404f, 0.000f, 0.122f}};
  constexpr int n = static_cast<int>(sizeof(anchors) / sizeof(anchors[0]));
  const float x = std::clamp(t, 0.0f, 1.0f) * static_cast<float>(n - 1);
  const int i = std::min(static_cast<int>(x), n - 2);
  const float f = x - static_cast<float>(i);
  const Rgb& a = anchors[i];
  const Rgb& b = anchors[i + 1];
  return {a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f};
}

std::array<Rgb, kColormapSize> Build(Colormap map) {
  std::array<Rgb, kColormapSize> table{};
  for (int i = 0; i < kColormapSize; ++i) {
    const float t = static_cast<float>(i) / static_cast<float>(kColormapSize - 1);
    table[static_cast<std::size_t>(i)] = map == Colormap::kViridis ? Viridis(t) : Diverging(t);
  }
  return table;
}

uint8_t ToByte(float v) {
  return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
}

}  // namespace

const std::array<Rgb, kColormapSize>& ColormapTable(Colormap map) {
  static const auto viridis = Build(Colormap::kViridis);
  static const auto diverging = Build(Colormap::kDiverging);
  return map == Colormap::kViridis ? viridis : diverging;
}

Rgb SampleColormap(Colormap map, float t) {
  if (!std::isfinite(t)) t = 0.5f;
  const float x = std::clamp(t, 0.0f, 1.0f) * static_cast<float>(kColormapSize - 1);
  return ColormapTable(map)[static_cast<std::size_t>(std::lround(x))];
}

uint32_t ColormapU32(Colormap map, float t, float alpha) {
  const Rgb c = SampleColormap(map, t);
  return static_cast<uint32_t>(ToByte(c.r)) | static_cast<uint32_t>(ToByte(c.g)) << 8 |
         static_cast<uint32_t>(ToByte(c.b)) << 16 | static_cast<uint32_t>(ToByte(alpha)) << 24;
}

uint32_t ContrastTextU32(Rgb background) {
  // Relative luminance (Rec. 709 weights) decides between dark and light text.
  const float y = 0.2126f * background.r + 0.7152f * background.g + 0.0722f * background.b;
  return y > 0.5f ? 0xFF101010u : 0xFFF0F0F0u;
}

}  // namespace rnnscope
