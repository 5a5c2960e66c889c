// Which parts of a frame changed since the last one, so a software rasteriser redraws only
// those. The UI is rebuilt every frame (Dear ImGui is immediate-mode), but between two training
// snapshots most of it draws exactly the same triangles again; llvmpipe (Mesa's CPU OpenGL, what
// Xvfb and GPU-less machines run) spends about a microsecond per triangle and 7 ns per pixel, so
// redrawing everything at 60 Hz costs a whole core. The tracker splits the screen into square
// tiles, folds every triangle that touches a tile into that tile's hash, and reports the tiles
// whose hash differs from the last frame's, merged into rectangles.
//
// Headless and GL-free: the renderer (viz/imgui_renderer.*) feeds it triangles.
#pragma once

#include <cstdint>
#include <vector>

namespace rnnscope {

// Pixels [x0, x1) × [y0, y1), y down (ImGui's screen coordinates).
struct DamageRect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int Area() const { return (x1 - x0) * (y1 - y0); }
  bool operator==(const DamageRect&) const = default;
};

class DamageTracker {
 public:
  static constexpr int kTile = 32;  // pixels; a glyph or a plot segment touches one to four

  // Starts a frame of width × height pixels. A new size damages the whole frame.
  void BeginFrame(int width, int height);

  // Tiles [x0, x1] × [y0, y1] (inclusive tile indices); empty when x1 < x0.
  struct TileSpan {
    int16_t x0 = 0, y0 = 0, x1 = -1, y1 = -1;
    bool empty() const { return x1 < x0 || y1 < y0; }
  };

  // One triangle whose pixels all lie in the box [x0, x1] × [y0, y1] (its bounding box already
  // cut to its clip rectangle), drawn with everything that decides its pixels folded into
  // `content`: vertex positions, colours, texture coordinates, the texture and the texture's
  // version. Order matters (later triangles blend over earlier ones), and is hashed too.
  // Returns the tiles it touches (empty when it is off the frame or its box is empty).
  TileSpan AddTriangle(float x0, float y0, float x1, float y1, uint64_t content);

  // Ends the frame and returns the rectangles to redraw, tile-aligned, cut to the frame, and
  // not overlapping: tiles that differ from what is on screen. Empty when nothing changed.
  std::vector<DamageRect> EndFrame();

  // The rectangles (from EndFrame) that were redrawn: their tiles now show this frame. A
  // damaged tile left out stays damaged, is reported again next frame, and ages by one.
  // While the whole frame is invalid (first frame, new size, Invalidate) only committing all
  // of it makes the tracker valid.
  void Commit(const std::vector<DamageRect>& drawn);

  // How many frames the longest-waiting tile of `rect` has been left damaged (0: new damage).
  int Age(const DamageRect& rect) const;
  bool valid() const { return valid_; }

  // For each tile (row-major), the index in `rects` of the rectangle that holds it, or -1.
  std::vector<int> TileOwners(const std::vector<DamageRect>& rects) const;

  // Makes the next frame redraw everything (the cached image was lost or is being verified).
  void Invalidate() { valid_ = false; }

  int tiles_x() const { return tiles_x_; }
  int tiles_y() const { return tiles_y_; }

 private:
  int width_ = 0, height_ = 0, tiles_x_ = 0, tiles_y_ = 0;
  bool valid_ = false;                // previous_ describes the cached image
  std::vector<uint64_t> current_, previous_;  // previous_: what the screen shows, per tile
  std::vector<uint16_t> age_;                 // frames a damaged tile has waited
};

// Mixes `value` into the running hash `h` (order-dependent; a 64-bit multiply-xorshift).
inline uint64_t HashMix(uint64_t h, uint64_t value) {
  h ^= value + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}

}  // namespace rnnscope
