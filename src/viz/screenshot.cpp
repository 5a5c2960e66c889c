#include "viz/screenshot.h"

#include <epoxy/gl.h>
#include <stb/stb_image_write.h>  // implementation comes from libstb.so (docs/architecture.md §6)

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "core/error.h"

namespace rnnscope {

Image ReadBackBuffer(int width, int height) {
  Image image;
  image.width = width;
  image.height = height;
  const auto row = static_cast<std::size_t>(width) * 3;
  std::vector<uint8_t> bottom_up(row * static_cast<std::size_t>(height));
  glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);  // rows of 3*width bytes, no padding
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, bottom_up.data());
  // GL's origin is bottom-left; PNG rows go top to bottom.
  image.rgb.resize(bottom_up.size());
  for (int y = 0; y < height; ++y) {
    std::memcpy(image.rgb.data() + static_cast<std::size_t>(y) * row,
                bottom_up.data() + static_cast<std::size_t>(height - 1 - y) * row, row);
  }
  return image;
}

ImageStats ComputeStats(const Image& image) {
  ImageStats stats;
  const std::size_t n = static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height);
  if (n == 0) return stats;
  double sum = 0.0, sum_sq = 0.0;
  std::unordered_set<uint32_t> colors;
  for (std::size_t i = 0; i < n; ++i) {
    const uint8_t* p = image.rgb.data() + 3 * i;
    const double y = 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
    sum += y;
    sum_sq += y * y;
    colors.insert(static_cast<uint32_t>(p[0] >> 3) << 10 | static_cast<uint32_t>(p[1] >> 3) << 5 |
                  static_cast<uint32_t>(p[2] >> 3));
  }
  stats.mean = sum / static_cast<double>(n);
  stats.stddev = std::sqrt(std::max(0.0, sum_sq / static_cast<double>(n) - stats.mean * stats.mean));
  stats.distinct_colors = static_cast<int>(colors.size());
  return stats;
}

Image Crop(const Image& image, int x, int y, int w, int h) {
  x = std::clamp(x, 0, image.width);
  y = std::clamp(y, 0, image.height);
  w = std::clamp(w, 0, image.width - x);
  h = std::clamp(h, 0, image.height - y);
  Image out{w, h, {}};
  out.rgb.reserve(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
  for (int row = y; row < y + h; ++row) {
    const auto begin = image.rgb.begin() + (static_cast<std::ptrdiff_t>(row) * image.width + x) * 3;
    out.rgb.insert(out.rgb.end(), begin, begin + static_cast<std::ptrdiff_t>(w) * 3);
  }
  return out;
}

void WritePng(const Image& image, const std::string& path) {
  if (stbi_write_png(path.c_str(), image.width, image.height, 3, image.rgb.data(),
                     image.width * 3) == 0) {
    throw Error(path + ": cannot write PNG");
  }
}

}  // namespace rnnscope
