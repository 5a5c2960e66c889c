// Strict UTF-8 decoding and encoding (RFC 3629). Strict because text files become model
// vocabularies: a stray Latin-1 byte or a CESU-8 surrogate pair would silently turn into a
// "character" the model learns, so we reject it and say where it is instead.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rnnscope {

inline constexpr char32_t kMaxCodePoint = 0x10FFFF;

// Why a byte sequence is not valid UTF-8.
enum class Utf8Status {
  kOk,
  kUnexpectedContinuation,  // 0x80..0xBF where a sequence should start
  kInvalidLeadByte,         // 0xC0, 0xC1, 0xF5..0xFF never appear in UTF-8
  kTruncated,               // a lead byte not followed by enough continuation bytes
  kOverlong,                // e.g. C0 80 for U+0000: a longer form than necessary
  kSurrogate,               // U+D800..U+DFFF are reserved for UTF-16
  kTooLarge,                // above U+10FFFF
};

const char* Utf8StatusText(Utf8Status status);

// Decodes the code point starting at bytes[*pos]. On success stores it in *cp, advances *pos
// past it and returns kOk. On failure leaves *pos at the first byte of the invalid sequence
// (the offset we report, like Python's "position N") and returns the reason. *pos < size.
Utf8Status DecodeUtf8At(std::string_view bytes, std::size_t* pos, char32_t* cp);

struct Utf8Error {
  Utf8Status status = Utf8Status::kOk;
  std::size_t offset = 0;  // byte offset of the first byte of the first invalid sequence
  bool ok() const { return status == Utf8Status::kOk; }
  // "byte offset 12: truncated sequence (byte 0xE2)"
  std::string Describe(std::string_view bytes) const;
};

// Validates without allocating; returns the first error or ok().
Utf8Error ValidateUtf8(std::string_view bytes);

// Decodes all of `bytes`; throws InputError "<context>: byte offset N: <reason>" on the first
// invalid sequence.
std::vector<char32_t> DecodeUtf8(std::string_view bytes, std::string_view context = "text");

// Decodes all of `bytes` without throwing; on failure returns the error and the code points
// decoded before it.
Utf8Error TryDecodeUtf8(std::string_view bytes, std::vector<char32_t>* out);

// Appends the UTF-8 form of cp. Throws InputError for surrogates and values above U+10FFFF.
void AppendUtf8(char32_t cp, std::string* out);
std::string EncodeUtf8(char32_t cp);
std::string EncodeUtf8(const std::vector<char32_t>& cps);

// "U+00E9" — for error messages.
std::string CodePointName(char32_t cp);

}  // namespace rnnscope
