// A float matrix drawn through a colour map. The matrix lives in an R32F texture that is
// re-uploaded only when the caller's data version changes; the colour-mapped image is rendered
// into an FBO colour texture (again only when something changed) and shown with ImGui::Image.
// GL calls: main thread only, and every Heatmap must die before the GL context.
#pragma once

#include <epoxy/gl.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/tensor.h"
#include "viz/colormap.h"
#include "viz/gl_program.h"

namespace rnnscope {

enum class RangeMode {
  kFixed,      // [lo, hi] as given (gates: sigmoid in [0,1], tanh in [-1,1])
  kSymmetric,  // [-m, m], m = max |value| (signed values around 0, e.g. cell states)
  kAuto,       // [min, max] of the data
};

struct HeatmapStyle {
  Colormap map = Colormap::kViridis;
  RangeMode mode = RangeMode::kFixed;
  float lo = 0.0f;
  float hi = 1.0f;
  bool operator==(const HeatmapStyle&) const = default;
};

struct ValueRange {
  float lo = 0.0f;
  float hi = 1.0f;
};

// GL objects shared by every heatmap: the program, an empty VAO and one LUT per colour map.
class HeatmapRenderer {
 public:
  HeatmapRenderer();  // throws Error if the shaders are missing or do not compile
  ~HeatmapRenderer();
  HeatmapRenderer(const HeatmapRenderer&) = delete;
  HeatmapRenderer& operator=(const HeatmapRenderer&) = delete;

  const GlProgram& program() const { return program_; }
  GLuint vao() const { return vao_; }
  GLuint lut(Colormap map) const { return map == Colormap::kViridis ? lut_[0] : lut_[1]; }

 private:
  GlProgram program_;
  GLuint vao_ = 0;
  GLuint lut_[2] = {0, 0};
};

class Heatmap {
 public:
  explicit Heatmap(const HeatmapRenderer& renderer) : renderer_(&renderer) {}
  ~Heatmap();
  Heatmap(const Heatmap&) = delete;
  Heatmap& operator=(const Heatmap&) = delete;

  // Uploads `data` (rows × cols) unless `version` equals the last upload's and the shape is
  // unchanged. Also records the data's min/max for the auto ranges.
  void SetData(const MatF& data, uint64_t version);
  // The range `style` resolves to for the current data.
  ValueRange Range(const HeatmapStyle& style) const;
  // Renders at width × height pixels if data, size or style changed; returns the colour texture.
  GLuint Render(int width, int height, const HeatmapStyle& style);

  int rows() const { return rows_; }
  int cols() const { return cols_; }

 private:
  void Release();

  const HeatmapRenderer* renderer_;
  GLuint data_texture_ = 0, color_texture_ = 0, fbo_ = 0;
  int rows_ = 0, cols_ = 0;
  uint64_t version_ = ~uint64_t{0};
  float min_ = 0.0f, max_ = 0.0f, abs_max_ = 0.0f;
  // What the colour texture currently shows, to skip redundant renders.
  int width_ = 0, height_ = 0;
  bool dirty_ = true;
  HeatmapStyle rendered_style_;
};

// Heatmaps keyed by what they show ("gates/0/0/i"), created on first use. Owned by UiState so
// panels keep their textures across frames.
class HeatmapCache {
 public:
  Heatmap& Get(const std::string& key);
  void Clear();  // before the GL context is destroyed

 private:
  std::unique_ptr<HeatmapRenderer> renderer_;
  std::map<std::string, std::unique_ptr<Heatmap>> heatmaps_;
};

}  // namespace rnnscope
