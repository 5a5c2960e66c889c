#include "core/utf8.h"

#include <cstdio>

#include "core/error.h"

namespace rnnscope {

const char* Utf8StatusText(Utf8Status status) {
  switch (status) {
    case Utf8Status::kOk: return "valid";
    case Utf8Status::kUnexpectedContinuation: return "unexpected continuation byte";
    case Utf8Status::kInvalidLeadByte: return "byte that never appears in UTF-8";
    case Utf8Status::kTruncated: return "truncated multi-byte sequence";
    case Utf8Status::kOverlong: return "overlong encoding";
    case Utf8Status::kSurrogate: return "UTF-16 surrogate (U+D800..U+DFFF) encoded as UTF-8";
    case Utf8Status::kTooLarge: return "code point above U+10FFFF";
  }
  return "invalid UTF-8";
}

Utf8Status DecodeUtf8At(std::string_view bytes, std::size_t* pos, char32_t* cp) {
  const std::size_t i = *pos;
  const auto b0 = static_cast<unsigned char>(bytes[i]);
  if (b0 < 0x80) {
    *cp = b0;
    *pos = i + 1;
    return Utf8Status::kOk;
  }
  if (b0 < 0xC0) return Utf8Status::kUnexpectedContinuation;
  if (b0 < 0xC2 || b0 > 0xF4) return Utf8Status::kInvalidLeadByte;  // C0/C1 only make overlongs
  const std::size_t len = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  char32_t value = b0 & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= bytes.size()) return Utf8Status::kTruncated;
    const auto b = static_cast<unsigned char>(bytes[i + k]);
    if ((b & 0xC0) != 0x80) return Utf8Status::kTruncated;
    value = (value << 6) | (b & 0x3Fu);
  }
  // Checked after the whole sequence so that a truncated sequence is reported as truncated.
  if ((len == 3 && value < 0x800) || (len == 4 && value < 0x10000)) return Utf8Status::kOverlong;
  if (value >= 0xD800 && value <= 0xDFFF) return Utf8Status::kSurrogate;
  if (value > kMaxCodePoint) return Utf8Status::kTooLarge;
  *cp = value;
  *pos = i + len;
  return Utf8Status::kOk;
}

std::string Utf8Error::Describe(std::string_view bytes) const {
  char buf[64];
  std::string out = "byte offset " + std::to_string(offset) + ": invalid UTF-8: ";
  out += Utf8StatusText(status);
  if (offset < bytes.size()) {
    std::snprintf(buf, sizeof buf, " (byte 0x%02X)", static_cast<unsigned char>(bytes[offset]));
    out += buf;
  }
  return out;
}

Utf8Error ValidateUtf8(std::string_view bytes) {
  std::size_t pos = 0;
  char32_t cp = 0;
  while (pos < bytes.size()) {
    const Utf8Status s = DecodeUtf8At(bytes, &pos, &cp);
    if (s != Utf8Status::kOk) return {s, pos};
  }
  return {};
}

Utf8Error TryDecodeUtf8(std::string_view bytes, std::vector<char32_t>* out) {
  out->clear();
  out->reserve(bytes.size());  // an upper bound; exact for ASCII
  std::size_t pos = 0;
  char32_t cp = 0;
  while (pos < bytes.size()) {
    const Utf8Status s = DecodeUtf8At(bytes, &pos, &cp);
    if (s != Utf8Status::kOk) return {s, pos};
    out->push_back(cp);
  }
  return {};
}

std::vector<char32_t> DecodeUtf8(std::string_view bytes, std::string_view context) {
  std::vector<char32_t> out;
  const Utf8Error err = TryDecodeUtf8(bytes, &out);
  if (!err.ok()) throw InputError(std::string(context) + ": " + err.Describe(bytes));
  return out;
}

std::string CodePointName(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > kMaxCodePoint) {
    throw InputError("cannot encode " + CodePointName(cp) +
                     " as UTF-8: not a Unicode scalar value (surrogate or above U+10FFFF)");
  }
  auto put = [out](char32_t byte) { out->push_back(static_cast<char>(byte)); };
  if (cp < 0x80) {
    put(cp);
  } else if (cp < 0x800) {
    put(0xC0 | (cp >> 6));
    put(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    put(0xE0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  } else {
    put(0xF0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3F));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  }
}

std::string EncodeUtf8(char32_t cp) {
  std::string out;
  AppendUtf8(cp, &out);
  return out;
}

std::string EncodeUtf8(const std::vector<char32_t>& cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t cp : cps) AppendUtf8(cp, &out);
  return out;
}

}  // namespace rnnscope
