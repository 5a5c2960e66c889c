#include "core/utf8.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace rnnscope {
namespace {

TEST(Utf8, DecodesAllLengths) {
  // a (1 byte), é U+00E9 (2), 中 U+4E2D (3), 😀 U+1F600 (4)
  const std::string s = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80";
  EXPECT_EQ(DecodeUtf8(s), (std::vector<char32_t>{U'a', 0xE9, 0x4E2D, 0x1F600}));
  EXPECT_TRUE(ValidateUtf8(s).ok());
  EXPECT_TRUE(DecodeUtf8("").empty());
}

TEST(Utf8, BoundaryCodePointsRoundTrip) {
  for (char32_t cp : {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xD7FFu, 0xE000u, 0xFFFDu, 0xFFFFu,
                      0x10000u, 0x10FFFFu}) {
    const std::string enc = EncodeUtf8(cp);
    const std::size_t expected_len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    EXPECT_EQ(enc.size(), expected_len) << CodePointName(cp);
    EXPECT_EQ(DecodeUtf8(enc), std::vector<char32_t>{cp}) << CodePointName(cp);
  }
  EXPECT_EQ(EncodeUtf8(0x4E2D), "\xE4\xB8\xAD");
  EXPECT_EQ(EncodeUtf8(std::vector<char32_t>{U'h', 0x4E2D, 0x1F600}), "h\xE4\xB8\xAD\xF0\x9F\x98\x80");
}

TEST(Utf8, EncodeRejectsNonScalarValues) {
  EXPECT_THROW(EncodeUtf8(0xD800), InputError);
  EXPECT_THROW(EncodeUtf8(0xDFFF), InputError);
  try {
    EncodeUtf8(0x110000);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("U+110000"), std::string::npos) << e.what();
  }
}

struct BadCase {
  std::string bytes;
  Utf8Status status;
  std::size_t offset;
};

TEST(Utf8, RejectsInvalidSequencesWithOffset) {
  const std::vector<BadCase> cases = {
      {"ab\x80", Utf8Status::kUnexpectedContinuation, 2},
      {"\xBF", Utf8Status::kUnexpectedContinuation, 0},
      {"x\xC0\x80", Utf8Status::kInvalidLeadByte, 1},        // overlong NUL (C0 never valid)
      {"\xC1\xBF", Utf8Status::kInvalidLeadByte, 0},
      {"ok\xFF", Utf8Status::kInvalidLeadByte, 2},
      {"\xF5\x80\x80\x80", Utf8Status::kInvalidLeadByte, 0},
      {"\xE0\x80\xAF", Utf8Status::kOverlong, 0},            // overlong '/'
      {"abc\xF0\x82\x82\xAC", Utf8Status::kOverlong, 3},     // overlong €
      {"\xED\xA0\x80", Utf8Status::kSurrogate, 0},           // U+D800
      {"a\xED\xBF\xBF", Utf8Status::kSurrogate, 1},          // U+DFFF
      {"\xF4\x90\x80\x80", Utf8Status::kTooLarge, 0},        // U+110000
      {"abc\xE4\xB8", Utf8Status::kTruncated, 3},            // cut at end of input
      {"\xE4\xB8z", Utf8Status::kTruncated, 0},              // ASCII where a continuation belongs
      {"\xC3", Utf8Status::kTruncated, 0},
      {"\xF0\x9F\x98", Utf8Status::kTruncated, 0},
  };
  for (const BadCase& c : cases) {
    const Utf8Error e = ValidateUtf8(c.bytes);
    EXPECT_EQ(e.status, c.status) << Utf8StatusText(c.status) << " case at " << c.offset;
    EXPECT_EQ(e.offset, c.offset) << Utf8StatusText(c.status);
    std::vector<char32_t> partial;
    const Utf8Error e2 = TryDecodeUtf8(c.bytes, &partial);
    EXPECT_EQ(e2.offset, c.offset);
    EXPECT_EQ(partial.size(), DecodeUtf8(std::string_view(c.bytes).substr(0, c.offset)).size());
  }
}

TEST(Utf8, ThrowingDecodeNamesContextOffsetAndByte) {
  try {
    DecodeUtf8("hello \xE4\xB8\xAD \xFF", "corpus.txt");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "corpus.txt: byte offset 10: invalid UTF-8: byte that never appears in UTF-8 (byte 0xFF)");
  }
}

TEST(Utf8, DecodeAtAdvances) {
  const std::string s = "\xE4\xB8\xAD!";
  std::size_t pos = 0;
  char32_t cp = 0;
  ASSERT_EQ(DecodeUtf8At(s, &pos, &cp), Utf8Status::kOk);
  EXPECT_EQ(cp, 0x4E2Du);
  EXPECT_EQ(pos, 3u);
  ASSERT_EQ(DecodeUtf8At(s, &pos, &cp), Utf8Status::kOk);
  EXPECT_EQ(cp, U'!');
  EXPECT_EQ(pos, 4u);
}

// Every 1- and 2-byte input agrees with a reference rule set, and every valid decode re-encodes
// to the same bytes (so decode is injective: no two byte strings map to one code point).
TEST(Utf8, ExhaustiveShortInputsRoundTrip) {
  for (int a = 0; a < 256; ++a) {
    for (int b = -1; b < 256; ++b) {
      std::string s(1, static_cast<char>(a));
      if (b >= 0) s.push_back(static_cast<char>(b));
      std::vector<char32_t> cps;
      if (TryDecodeUtf8(s, &cps).ok()) EXPECT_EQ(EncodeUtf8(cps), s);
      if (a < 0x80 && (b < 0x80)) EXPECT_TRUE(ValidateUtf8(s).ok());
    }
  }
}

}  // namespace
}  // namespace rnnscope
