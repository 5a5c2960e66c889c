#include "core/visible_text.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace rnnscope {
namespace {

std::string Token(std::string_view s) { return VisibleText(s, VisibleMode::kToken); }
std::string Running(std::string_view s) { return VisibleText(s, VisibleMode::kRunning); }

TEST(VisibleText, WhitespaceTokensGetSymbols) {
  EXPECT_EQ(Token(" "), "\u2423");
  EXPECT_EQ(Token("\n"), "\u23CE");
  EXPECT_EQ(Token("\t"), "\u21E5");
  EXPECT_EQ(Token("\r"), "\u240D");
  EXPECT_EQ(Token(""), "\u2205");
}

TEST(VisibleText, AnsiEscapeFromTangPoemsIsVisible) {
  // fortunes-zh tang300 wraps titles as ESC[32m … ESC[m
  EXPECT_EQ(Running("\x1b[32m\xE6\xB5\x8F\x1b[m"), "\u241B[32m\xE6\xB5\x8F\u241B[m");
  EXPECT_EQ(Token("\x1b"), "\u241B");
}

TEST(VisibleText, EveryC0ControlHasItsControlPicture) {
  for (char32_t c = 0; c < 0x20; ++c) {
    if (c == '\t' || c == '\n' || c == '\r') continue;
    const std::string in(1, static_cast<char>(c));
    EXPECT_EQ(Token(in), EncodeUtf8(0x2400 + c)) << CodePointName(c);
  }
  EXPECT_EQ(Token(std::string(1, '\0')), "\u2400");  // NUL inside a std::string still shows
  EXPECT_EQ(Token("\x7f"), "\u2421");
}

TEST(VisibleText, C1AndInvalidBytesBecomeHex) {
  EXPECT_EQ(Token("\xC2\x9B"), "\\x9b");    // U+009B CSI, valid UTF-8
  EXPECT_EQ(Token("\xC2\x85"), "\\x85");    // NEL
  EXPECT_EQ(Token("a\xFF" "b"), "a\\xffb");  // not UTF-8 at all
  EXPECT_EQ(Token("\xE4\xB8"), "\\xe4\\xb8");  // truncated sequence: each byte shown
}

TEST(VisibleText, InvisibleFormatCharactersAreNamed) {
  EXPECT_EQ(Token("\xE2\x80\x8B"), "<U+200B>");  // zero-width space
  EXPECT_EQ(Running("\xEF\xBB\xBFhi"), "<U+FEFF>hi");
}

TEST(VisibleText, RunningTextKeepsSpacesAndNewlines) {
  EXPECT_EQ(Running("we watch pandas\nin america"), "we watch pandas\nin america");
  EXPECT_EQ(Running("a\tb\r\n"), "a\u21E5b\u240D\n");
  EXPECT_EQ(Running(""), "");
}

TEST(VisibleText, PrintableTextOfAnyScriptIsUnchanged) {
  const std::string mixed = "\xE6\xB5\x8F\xE8\xA7\x88 \xE3\x81\x8B\xE3\x83\x8A \xED\x95\x9C caf\xC3\xA9";  // 浏览 かナ 한 café
  EXPECT_EQ(Running(mixed), mixed);
  EXPECT_EQ(Token("\xE6\xB5\x8F"), "\xE6\xB5\x8F");
}

}  // namespace
}  // namespace rnnscope
