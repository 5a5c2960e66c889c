// Reads the frame just rendered (GL_BACK, before the swap) and writes it as a PNG.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // top row first, 3 bytes per pixel
};

// Basic statistics for "is this a real UI or a blank frame?" checks.
struct ImageStats {
  double mean = 0.0;     // luminance, 0..255
  double stddev = 0.0;
  int distinct_colors = 0;  // counted on a 5-bit-per-channel grid
};

// Reads the back buffer of the current framebuffer (width × height) and flips it top-first.
Image ReadBackBuffer(int width, int height);
ImageStats ComputeStats(const Image& image);
// The rectangle (x, y, w, h) of `image` (top-left origin), clamped to it; a panel's PNG.
Image Crop(const Image& image, int x, int y, int w, int h);
// Throws Error naming the path when stb cannot write the file.
void WritePng(const Image& image, const std::string& path);

}  // namespace rnnscope
