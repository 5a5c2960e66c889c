// Glyphs for the Unicode control pictures U+2400..U+2421 (␀ … ␛ … ␡), which no font Debian
// installs by default has (DejaVu Sans stops at ␢ ␣, WenQuanYi has none). core/visible_text.h
// turns control characters into these code points, so without glyphs an ESC in the Tang poems
// would still draw as "?". We draw each as its abbreviation ("ESC", "CR", "NUL") in small
// letters inside a thin frame, rasterised from the main font, and add them to the atlas as
// custom glyphs.
#pragma once

#include <string>
#include <vector>

namespace rnnscope {

struct GlyphBitmap {
  unsigned codepoint = 0;
  int width = 0, height = 0;          // pixels
  float advance = 0.0f, offset_y = 0.0f;  // from the line top, as ImGui places glyphs
  std::vector<unsigned char> alpha;   // (height, width), row-major coverage 0..255
};

// One bitmap per control picture for a font of `size_px`; empty when the font cannot be read.
std::vector<GlyphBitmap> RenderControlPictures(const std::string& ttf_path, float size_px);

}  // namespace rnnscope
