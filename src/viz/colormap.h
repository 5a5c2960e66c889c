// Colour maps shared by the GPU heatmaps and the CPU-side drawing (colour bars, coloured text).
// Both sides read the same 256-entry table, so a colour bar always matches its heatmap exactly.
#pragma once

#include <array>
#include <cstdint>

namespace rnnscope {

enum class Colormap {
  kViridis,    // magnitudes and probabilities: perceptually uniform, dark → yellow
  kDiverging,  // signed values: blue (negative) → white (0) → red (positive)
};

struct Rgb {
  float r = 0, g = 0, b = 0;
};

inline constexpr int kColormapSize = 256;

// The table for a map: kColormapSize entries, RGB in [0, 1].
const std::array<Rgb, kColormapSize>& ColormapTable(Colormap map);
// t in [0, 1] (clamped); nearest table entry.
Rgb SampleColormap(Colormap map, float t);
// Packed as ImGui's ImU32 (ABGR), without pulling ImGui into this header.
uint32_t ColormapU32(Colormap map, float t, float alpha = 1.0f);
// Black or white, whichever reads better on top of `background`.
uint32_t ContrastTextU32(Rgb background);

}  // namespace rnnscope
