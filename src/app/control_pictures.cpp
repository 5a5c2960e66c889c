#include "app/control_pictures.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

// ImGui compiles its own copy of stb_truetype with internal linkage; this is a second,
// private copy, used only to rasterise the abbreviations.
#define STB_TRUETYPE_IMPLEMENTATION
#define STBTT_STATIC
#include <imstb_truetype.h>

namespace rnnscope {
namespace {

// Index = code point - U+2400: the C0 names, then SP (U+2420) and DEL (U+2421).
const char* const kNames[] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS",  "HT",  "LF",  "VT",
                              "FF",  "CR",  "SO",  "SI",  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB",
                              "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US",  "SP",  "DEL"};

}  // namespace

std::vector<GlyphBitmap> RenderControlPictures(const std::string& ttf_path, float size_px) {
  std::ifstream in(ttf_path, std::ios::binary);
  const std::vector<unsigned char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  stbtt_fontinfo font;
  if (data.empty() || !stbtt_InitFont(&font, data.data(), stbtt_GetFontOffsetForIndex(data.data(), 0))) return {};
  // Letters about half the line height so "ESC" stays about as wide as two CJK characters.
  const float letter_px = std::max(6.0f, std::round(size_px * 0.55f));
  const float scale = stbtt_ScaleForPixelHeight(&font, letter_px);
  int ascent = 0, descent = 0, gap = 0;
  stbtt_GetFontVMetrics(&font, &ascent, &descent, &gap);
  const int baseline = static_cast<int>(std::round(ascent * scale));
  const int pad = 2;  // frame line + one pixel of air
  const int height = std::max(static_cast<int>(std::round(size_px * 0.8f)), baseline + pad * 2);

  std::vector<GlyphBitmap> out;
  for (unsigned i = 0; i < std::size(kNames); ++i) {
    const std::string name = kNames[i];
    int text_w = 0;
    for (char c : name) {
      int advance = 0, lsb = 0;
      stbtt_GetCodepointHMetrics(&font, c, &advance, &lsb);
      text_w += static_cast<int>(std::round(advance * scale));
    }
    GlyphBitmap g;
    g.codepoint = 0x2400 + i;
    g.width = text_w + pad * 2 + 1;
    g.height = height;
    g.advance = static_cast<float>(g.width + 1);
    g.offset_y = std::round((size_px - static_cast<float>(height)) * 0.5f) + 1.0f;
    g.alpha.assign(static_cast<std::size_t>(g.width * g.height), 0);
    auto put = [&](int x, int y, unsigned char a) {
      if (x < 0 || y < 0 || x >= g.width || y >= g.height) return;
      unsigned char& p = g.alpha[static_cast<std::size_t>(y * g.width + x)];
      p = std::max(p, a);
    };
    for (int x = 0; x < g.width; ++x) put(x, 0, 150), put(x, g.height - 1, 150);  // the frame, fainter
    for (int y = 0; y < g.height; ++y) put(0, y, 150), put(g.width - 1, y, 150);  // than the letters
    // Baseline so capitals (about 0.72 of the letter size) sit centred in the frame.
    const int base_y = (g.height + static_cast<int>(std::round(letter_px * 0.72f))) / 2;
    int pen = pad;
    for (char c : name) {
      int w = 0, h = 0, xoff = 0, yoff = 0;
      unsigned char* bmp = stbtt_GetCodepointBitmap(&font, scale, scale, c, &w, &h, &xoff, &yoff);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) put(pen + xoff + x, base_y + yoff + y, bmp[y * w + x]);
      stbtt_FreeBitmap(bmp, nullptr);
      int advance = 0, lsb = 0;
      stbtt_GetCodepointHMetrics(&font, c, &advance, &lsb);
      pen += static_cast<int>(std::round(advance * scale));
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace rnnscope
