// Draws Dear ImGui's frame with OpenGL 3.3, redrawing only the parts that changed.
//
// ImGui rebuilds every triangle every frame; its stock OpenGL backend then rasterises all of
// them. With Mesa's llvmpipe (software OpenGL: Xvfb, VMs, GPU-less laptops) a 1280×800 frame of
// our panels is ~12k triangles and 14 ms of one core, most of it unchanged since the last frame.
// This renderer keeps the last frame, asks a DamageTracker which tiles changed, and redraws
// only those: each damaged rectangle is cleared, then gets the triangles that reach it (in draw
// order, scissored to it). Nothing changed: no triangle is rasterised at all.
//
// Where the last frame is kept depends on how the driver presents. Mesa's software rasterisers
// copy the back buffer to the window on a swap, so the back buffer still holds the last frame
// and damaged rectangles are drawn straight into it (the app probes this at start,
// app.cpp BackBufferSurvivesSwap). Elsewhere (GPU drivers flip buffers, and without
// GLX_EXT_buffer_age the back buffer's content is unknown) the frame is kept in an off-screen
// image and copied to the window each frame: free on a GPU, 2-4 ms on llvmpipe.
//
// The result is the stock backend's, pixel for pixel: `CountPixelsDifferingFromStockBackend`
// draws the same frame with ImGui_ImplOpenGL3_RenderDrawData and compares
// (`rnnscope measure --verify-redraw`, run by the UI smoke test).
#pragma once

#include <epoxy/gl.h>
#include <imgui.h>

#include <cstdint>
#include <vector>

#include "core/damage_tracker.h"
#include "viz/gl_program.h"

namespace rnnscope {

struct RedrawStats {
  int64_t pixels = 0;       // area of the damaged rectangles redrawn this frame
  int64_t frame_pixels = 0; // the whole frame's
  int deferred = 0;         // damaged rectangles left for the next frame (kDeferralBudget)
  double Fraction() const { return frame_pixels > 0 ? static_cast<double>(pixels) / static_cast<double>(frame_pixels) : 0.0; }
};

class ImGuiRenderer {
 public:
  // Needs the window's GL context current; loads shaders/imgui.{vert,frag}. With
  // `back_buffer_survives_swap`, damage is drawn into the window's back buffer directly.
  explicit ImGuiRenderer(bool back_buffer_survives_swap);
  ~ImGuiRenderer();
  ImGuiRenderer(const ImGuiRenderer&) = delete;
  ImGuiRenderer& operator=(const ImGuiRenderer&) = delete;

  // Brings the window's back buffer up to date with `data`. `clear_rgb` is the colour under the
  // panels. With `full_redraw` every pixel is drawn again (the stock behaviour, kept for
  // comparison: `--full-redraw`). With `allow_deferral`, damage beyond a budget of
  // kDeferralBudget of the frame's area waits for the next frame (see below). Draw callbacks (an
  // export's capture) run last, when the back buffer holds the whole frame.
  RedrawStats Render(ImDrawData& data, const float clear_rgb[3], bool full_redraw, bool allow_deferral);

  // A new training snapshot changes every plot and heatmap at once: about 30% of a 1280×800
  // frame, 12 ms of llvmpipe on one core, against ~2 ms for a frame where only the mouse moved.
  // Spreading that redraw over two frames keeps every frame within the 16.7 ms of 60 Hz; no
  // damage waits more than one frame (16.7 ms), and small damage (hover, clicks) goes first.
  static constexpr double kDeferralBudget = 0.15;

  // Draws `data` with ImGui's own OpenGL 3 backend into a target of the same format (a second
  // image, or the back buffer itself after reading it) and counts the pixels that differ from
  // the frame Render just produced. 0: damage tracking missed nothing.
  int64_t CountPixelsDifferingFromStockBackend(ImDrawData& data, const float clear_rgb[3]);

  bool draws_to_back_buffer() const { return draw_to_back_buffer_; }

 private:
  struct Target {
    GLuint fbo = 0, texture = 0;
    int width = 0, height = 0;
    void Resize(int w, int h);
    void Release();
  };
  // One draw command: its texture, GL scissor box (x0, y0, x1, y1 from the bottom left) and
  // where its vertices start in the uploaded vertex buffer.
  struct Command {
    GLuint texture = 0;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    uint32_t vertex_base = 0;
  };
  // A triangle that reaches the frame: its command, its first index in its draw list's index
  // buffer and the tiles it touches.
  struct Triangle {
    const ImDrawIdx* indices = nullptr;
    uint32_t command = 0;
    DamageTracker::TileSpan tiles;
  };
  // Consecutive triangles of one command inside one damaged rectangle.
  struct Run {
    uint32_t command = 0;
    uint32_t first = 0, count = 0;  // in the rectangle's part of the index buffer
  };

  // Hashes every triangle into the tracker and lists commands and triangles (framebuffer
  // pixels, y down).
  void Collect(const ImDrawData& data, int fb_width, int fb_height);
  // The damaged rectangles to draw this frame (all of them unless deferral is allowed).
  std::vector<DamageRect> ChooseRects(const std::vector<DamageRect>& damaged, bool allow_deferral) const;
  // Sorts the triangles into the rectangles they reach, uploads vertices and those indices.
  void Prepare(const ImDrawData& data, const std::vector<DamageRect>& rects);
  void SetupState(const ImDrawData& data, int fb_width, int fb_height);
  // Clears each rectangle and draws its runs, scissored to it.
  void DrawRects(const std::vector<DamageRect>& rects, int fb_height, const float clear_rgb[3]);
  std::vector<uint8_t> ReadPixels(GLuint fbo) const;  // RGB of the whole frame; 0: GL_BACK

  GlProgram program_;
  bool draw_to_back_buffer_ = false;
  int width_ = 0, height_ = 0;  // framebuffer pixels of the last frame
  GLint projection_uniform_ = -1, texture_uniform_ = -1;
  GLuint vao_ = 0, vbo_ = 0, ibo_ = 0;
  Target cache_;  // the last frame, unless it is drawn into the back buffer
  Target check_;  // the stock backend's frame (--verify-redraw)
  DamageTracker tracker_;
  // Per frame, kept for their capacity.
  std::vector<uint64_t> vertex_hashes_;
  std::vector<Command> commands_;
  std::vector<Triangle> triangles_;
  std::vector<std::vector<uint32_t>> rect_indices_;
  std::vector<std::vector<Run>> rect_runs_;
  std::vector<uint32_t> rect_index_base_;
  std::vector<int> reached_;
};

}  // namespace rnnscope
