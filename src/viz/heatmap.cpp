#include "viz/heatmap.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "viz/texture_versions.h"

namespace rnnscope {
namespace {

// Saves the GL state a heatmap pass touches and restores it afterwards, so the pass can run in
// the middle of building an ImGui frame without disturbing the ImGui backend.
class GlStateGuard {
 public:
  GlStateGuard() {
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &fbo_);
    glGetIntegerv(GL_VIEWPORT, viewport_);
    glGetIntegerv(GL_CURRENT_PROGRAM, &program_);
    glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &vao_);
    glGetIntegerv(GL_ACTIVE_TEXTURE, &active_texture_);
    scissor_ = glIsEnabled(GL_SCISSOR_TEST);
    blend_ = glIsEnabled(GL_BLEND);
    depth_ = glIsEnabled(GL_DEPTH_TEST);
  }
  ~GlStateGuard() {
    glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(fbo_));
    glViewport(viewport_[0], viewport_[1], viewport_[2], viewport_[3]);
    glUseProgram(static_cast<GLuint>(program_));
    glBindVertexArray(static_cast<GLuint>(vao_));
    glActiveTexture(static_cast<GLenum>(active_texture_));
    if (scissor_) glEnable(GL_SCISSOR_TEST);
    if (blend_) glEnable(GL_BLEND);
    if (depth_) glEnable(GL_DEPTH_TEST);
  }
  GlStateGuard(const GlStateGuard&) = delete;
  GlStateGuard& operator=(const GlStateGuard&) = delete;

 private:
  GLint fbo_ = 0, viewport_[4] = {0, 0, 0, 0}, program_ = 0, vao_ = 0, active_texture_ = 0;
  GLboolean scissor_ = GL_FALSE, blend_ = GL_FALSE, depth_ = GL_FALSE;
};

GLuint MakeLut(Colormap map) {
  std::vector<float> rgb;
  rgb.reserve(kColormapSize * 3);
  for (const Rgb& c : ColormapTable(map)) rgb.insert(rgb.end(), {c.r, c.g, c.b});
  GLuint texture = 0;
  glGenTextures(1, &texture);
  glBindTexture(GL_TEXTURE_2D, texture);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB32F, kColormapSize, 1, 0, GL_RGB, GL_FLOAT, rgb.data());
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  return texture;
}

void SetNearest() {
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
}

}  // namespace

HeatmapRenderer::HeatmapRenderer() : program_("heatmap") {
  glGenVertexArrays(1, &vao_);  // core profile: a draw call needs some VAO bound
  lut_[0] = MakeLut(Colormap::kViridis);
  lut_[1] = MakeLut(Colormap::kDiverging);
  glBindTexture(GL_TEXTURE_2D, 0);
}

HeatmapRenderer::~HeatmapRenderer() {
  glDeleteTextures(2, lut_);
  glDeleteVertexArrays(1, &vao_);
}

Heatmap::~Heatmap() { Release(); }

void Heatmap::Release() {
  if (fbo_) glDeleteFramebuffers(1, &fbo_);
  if (color_texture_) glDeleteTextures(1, &color_texture_);
  if (data_texture_) glDeleteTextures(1, &data_texture_);
  fbo_ = color_texture_ = data_texture_ = 0;
}

void Heatmap::SetData(const MatF& data, uint64_t version) {
  const int rows = static_cast<int>(data.rows());
  const int cols = static_cast<int>(data.cols());
  if (version == version_ && rows == rows_ && cols == cols_) return;
  version_ = version;
  rows_ = rows;
  cols_ = cols;
  dirty_ = true;
  min_ = max_ = abs_max_ = 0.0f;
  bool first = true;
  for (Eigen::Index i = 0; i < data.size(); ++i) {
    const float v = data.data()[i];
    if (!std::isfinite(v)) continue;
    min_ = first ? v : std::min(min_, v);
    max_ = first ? v : std::max(max_, v);
    abs_max_ = std::max(abs_max_, std::abs(v));
    first = false;
  }
  if (rows == 0 || cols == 0) return;
  if (!data_texture_) glGenTextures(1, &data_texture_);
  glBindTexture(GL_TEXTURE_2D, data_texture_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  // Column-major (rows, cols): each matrix column (one timestep) becomes one texture row.
  glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, rows, cols, 0, GL_RED, GL_FLOAT, data.data());
  SetNearest();
  glBindTexture(GL_TEXTURE_2D, 0);
}

ValueRange Heatmap::Range(const HeatmapStyle& style) const {
  switch (style.mode) {
    case RangeMode::kFixed: return {style.lo, style.hi};
    case RangeMode::kSymmetric: {
      const float m = abs_max_ > 0.0f ? abs_max_ : 1.0f;
      return {-m, m};
    }
    case RangeMode::kAuto:
      if (max_ > min_) return {min_, max_};
      return {min_ - 0.5f, min_ + 0.5f};
  }
  return {style.lo, style.hi};
}

GLuint Heatmap::Render(int width, int height, const HeatmapStyle& style) {
  width = std::max(width, 1);
  height = std::max(height, 1);
  if (rows_ == 0 || cols_ == 0 || !data_texture_) return 0;
  if (!dirty_ && width == width_ && height == height_ && style == rendered_style_) {
    return color_texture_;
  }
  GlStateGuard guard;
  if (!color_texture_) glGenTextures(1, &color_texture_);
  if (width != width_ || height != height_) {
    glBindTexture(GL_TEXTURE_2D, color_texture_);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE,
                 nullptr);
    SetNearest();
  }
  if (!fbo_) {
    glGenFramebuffers(1, &fbo_);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, color_texture_,
                           0);
  } else {
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  }
  glViewport(0, 0, width, height);
  glDisable(GL_SCISSOR_TEST);
  glDisable(GL_BLEND);
  glDisable(GL_DEPTH_TEST);
  const GlProgram& program = renderer_->program();
  glUseProgram(program.id());
  const ValueRange range = Range(style);
  glUniform1f(program.Uniform("u_lo"), range.lo);
  glUniform1f(program.Uniform("u_hi"), range.hi);
  glUniform2i(program.Uniform("u_shape"), rows_, cols_);
  glUniform1i(program.Uniform("u_data"), 0);
  glUniform1i(program.Uniform("u_lut"), 1);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, data_texture_);
  glActiveTexture(GL_TEXTURE1);
  glBindTexture(GL_TEXTURE_2D, renderer_->lut(style.map));
  glBindVertexArray(renderer_->vao());
  glDrawArrays(GL_TRIANGLES, 0, 3);
  glBindTexture(GL_TEXTURE_2D, 0);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, 0);
  MarkTextureChanged(color_texture_);  // same id, new pixels: the UI renderer must redraw it
  width_ = width;
  height_ = height;
  rendered_style_ = style;
  dirty_ = false;
  return color_texture_;
}

Heatmap& HeatmapCache::Get(const std::string& key) {
  if (!renderer_) renderer_ = std::make_unique<HeatmapRenderer>();
  auto& slot = heatmaps_[key];
  if (!slot) slot = std::make_unique<Heatmap>(*renderer_);
  return *slot;
}

void HeatmapCache::Clear() {
  heatmaps_.clear();
  renderer_.reset();
}

}  // namespace rnnscope
