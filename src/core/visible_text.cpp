#include "core/visible_text.h"

#include <cstdio>

#include "core/utf8.h"

namespace rnnscope {
namespace {

void AppendHexByte(unsigned char byte, std::string* out) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", byte);
  *out += buf;
}

// Zero-width and direction characters: they draw nothing, so they get a name instead.
bool IsInvisibleFormat(char32_t cp) {
  return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
         cp == 0xFEFF || cp == 0x00AD;
}

void AppendVisible(char32_t cp, VisibleMode mode, std::string* out) {
  const bool token = mode == VisibleMode::kToken;
  switch (cp) {
    case ' ': *out += token ? "\u2423" : " "; return;    // ␣ open box
    case '\n': *out += token ? "\u23CE" : "\n"; return;  // ⏎ return symbol
    case '\t': *out += "\u21E5"; return;                 // ⇥
    case '\r': *out += "\u240D"; return;                 // ␍
    case 0x1B: *out += "\u241B"; return;                 // ␛
    case 0x7F: *out += "\u2421"; return;                 // ␡
    default: break;
  }
  if (cp < 0x20) {
    AppendUtf8(0x2400 + cp, out);  // U+2400 control pictures: ␀ ␁ … ␟
  } else if (cp >= 0x80 && cp <= 0x9F) {
    AppendHexByte(static_cast<unsigned char>(cp), out);  // C1 (CSI 0x9b, NEL 0x85, …)
  } else if (IsInvisibleFormat(cp)) {
    out->push_back('<');
    out->append(CodePointName(cp));
    out->push_back('>');
  } else {
    AppendUtf8(cp, out);
  }
}

}  // namespace

std::string VisibleText(std::string_view text, VisibleMode mode) {
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = 0;
    if (DecodeUtf8At(text, &pos, &cp) == Utf8Status::kOk) {
      AppendVisible(cp, mode, &out);
    } else {
      AppendHexByte(static_cast<unsigned char>(text[pos]), &out);  // not UTF-8: show the byte
      ++pos;
    }
  }
  if (out.empty() && mode == VisibleMode::kToken) return "\u2205";  // ∅ for an empty token
  return out;
}

}  // namespace rnnscope
