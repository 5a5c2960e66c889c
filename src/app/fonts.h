// Fonts from the system: DejaVu Sans (fonts-dejavu-core) with a CJK-capable font merged in when
// one is installed, so texts in Chinese, Japanese or Korean render; ImGui's built-in font if not.
//
// Why the atlas grows: all CJK ideographs (20,992) plus Hangul (11,172) at 15 px would be a
// 4096-pixel-wide atlas built at every start, so the atlas holds ImGui's ~2,500 common
// simplified characters and kana, plus every character the running model actually uses (its
// vocabulary, the probe, the samples). When a snapshot brings one the atlas lacks, the app
// rebuilds the atlas between frames (RebuildIfNeeded), never inside one.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <imgui.h>

#include "app/control_pictures.h"

namespace rnnscope {

class FontAtlas {
 public:
  // Adds the fonts to ImGui's atlas at `size_px` (already multiplied by the content scale).
  // Call once, before the renderer backend creates the font texture.
  void Load(float size_px);

  // Notes the characters of `text` the atlas should have; cheap for characters already seen.
  void Want(std::string_view text);
  // Between frames (before NewFrame): when Want saw characters not in the atlas, rebuilds it
  // with them and re-uploads the texture. Returns true when it rebuilt.
  bool RebuildIfNeeded();

  // "DejaVu Sans 15px + wqy-microhei.ttc; CJK ideographs 2506 (+3 in use), kana 181, Hangul 0;
  // atlas 1024x2048, 4700 glyphs, built in 95 ms": for the startup log.
  std::string Describe() const;

 private:
  void Build();  // (re)fills io.Fonts from the paths and ranges below and builds it

  float size_px_ = 15.0f;
  std::string main_font_, cjk_font_;
  std::set<ImWchar> wanted_;      // beyond the base ranges; never shrinks
  bool dirty_ = false;            // wanted_ gained a character since the last build
  ImVector<ImWchar> main_ranges_, cjk_ranges_;  // must outlive the build: ImGui keeps the pointers
  std::vector<GlyphBitmap> control_pictures_;  // drawn once, added at every build
  double build_ms_ = 0.0;
  int builds_ = 0;
};

}  // namespace rnnscope
