#include "ui/glyph_requests.h"

namespace rnnscope {
namespace {

std::string& Pending() {
  static std::string pending;
  return pending;
}

}  // namespace

void RequestGlyphs(std::string_view text) {
  // Only texts beyond ASCII can need glyphs the atlas lacks; skip the common case cheaply.
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      Pending().append(text);
      return;
    }
  }
}

std::string TakeGlyphRequests() {
  std::string out;
  out.swap(Pending());
  return out;
}

}  // namespace rnnscope
