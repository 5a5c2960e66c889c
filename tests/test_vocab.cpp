#include "tasks/vocab.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

void ExpectError(const std::function<void()>& fn, const std::string& fragment) {
  try {
    fn();
    ADD_FAILURE() << "no error, expected: " << fragment;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Vocab, FromTextSortsByCodePoint) {
  const Vocab v = Vocab::FromText("ba\xE4\xB8\xAD\na b");  // b a 中 \n a ' ' b
  ASSERT_EQ(v.Size(), 5);
  EXPECT_EQ(v.code_points(), (std::vector<char32_t>{U'\n', U' ', U'a', U'b', 0x4E2D}));
  EXPECT_EQ(v.Token(4), "\xE4\xB8\xAD");
  EXPECT_EQ(v.Id(U'a'), 2);
  EXPECT_EQ(v.Id(0x4E2D), 4);
  EXPECT_EQ(v.Id(U'z'), -1);
  EXPECT_EQ(v.Id(0x4E2E), -1);
  EXPECT_FALSE(v.Contains(U'z'));
  EXPECT_EQ(Vocab::FromText("ab"), Vocab::FromText("ba")) << "ids independent of text order";
}

TEST(Vocab, EncodeDecodeRoundTripWithChinese) {
  const std::string text = "\xE6\x98\xA5\xE7\x9C\xA0\xE4\xB8\x8D\xE8\xA7\x89\xE6\x99\x93, hi \xF0\x9F\x98\x80";
  const Vocab v = Vocab::FromText(text);
  const std::vector<int32_t> ids = v.Encode(text);
  EXPECT_EQ(ids.size(), 11u) << "one id per code point, not per byte";
  EXPECT_EQ(v.Decode(ids), text);
}

TEST(Vocab, EmptyVocabKnowsNothing) {
  const Vocab v;
  EXPECT_EQ(v.Size(), 0);
  EXPECT_EQ(v.Id(U'a'), -1);
  EXPECT_EQ(v.Id(0), -1);
}

TEST(Vocab, UnknownCharacterPolicy) {
  const Vocab v = Vocab::FromText("abc");
  ExpectError([&] { v.Encode("ab\xC3\xA9", UnknownPolicy::kError, "probe"); },
              "probe: byte offset 2: character '\xC3\xA9' (U+00E9) is not in the vocabulary (3 tokens)");
  ExpectError([&] { v.Encode("a\nb"); }, "byte offset 1: character '\\n' (U+000A)");
  EXPECT_EQ(v.Encode("a\xC3\xA9z c", UnknownPolicy::kSkip), (std::vector<int32_t>{0, 2}));
  ExpectError([&] { v.Encode("a\xFF", UnknownPolicy::kSkip, "probe"); }, "probe: byte offset 1: invalid UTF-8");
}

TEST(Vocab, DecodeRejectsOutOfRangeIds) {
  const Vocab v = Vocab::FromText("ab");
  const std::vector<int32_t> bad = {0, 2};
  ExpectError([&] { v.Decode(bad); }, "token id 2 is outside the vocabulary [0, 2)");
  const std::vector<int32_t> neg = {-1};
  EXPECT_THROW(v.Decode(neg), InputError);
}

TEST(Vocab, JsonRoundTripKeepsFileOrder) {
  const Vocab v = Vocab::FromText("hello \xE4\xB8\xAD\n\"quoted\"\\");
  const nlohmann::json j = v.ToJson();
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j.size(), static_cast<std::size_t>(v.Size()));
  EXPECT_EQ(j[0], "\n");
  EXPECT_EQ(Vocab::FromJson(j), v);
  // A PyTorch user's vocabulary keeps its (unsorted) order: ids are the model's.
  const Vocab p = Vocab::FromJson(nlohmann::json::parse(R"(["z", "a", "\u4e2d", " "])"));
  EXPECT_EQ(p.Id(U'z'), 0);
  EXPECT_EQ(p.Id(0x4E2D), 2);
  EXPECT_EQ(p.Decode(std::vector<int32_t>{2, 3, 1}), "\xE4\xB8\xAD a");
}

TEST(Vocab, SaveAndLoadFile) {
  const fs::path dir = fs::temp_directory_path() / ("rnnscope_vocab_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const Vocab v = Vocab::FromText("The quick \xE4\xB8\xAD\xE6\x96\x87 fox\n");
  v.Save(dir / "vocab.json");
  EXPECT_EQ(Vocab::Load(dir / "vocab.json"), v);
  std::ofstream(dir / "bad.json") << "[\"a\", ";
  ExpectError([&] { Vocab::Load(dir / "bad.json"); }, (dir / "bad.json").string() + ": invalid JSON");
  ExpectError([&] { Vocab::Load(dir / "none.json"); }, "no such file");
  fs::remove_all(dir);
}

TEST(Vocab, BadTokenLists) {
  ExpectError([] { Vocab::FromJson(nlohmann::json::object(), "v.json"); }, "v.json: expected a JSON list of token strings");
  ExpectError([] { Vocab::FromJson(nlohmann::json::array(), "v.json"); }, "v.json: the vocabulary is empty");
  ExpectError([] { Vocab::FromJson(nlohmann::json::parse(R"(["a", 3])"), "v.json"); }, "v.json: token 1 is not a string: 3");
  ExpectError([] { Vocab::FromJson(nlohmann::json::parse(R"(["a", "bc"])"), "v.json"); },
              "v.json: token 1 \"bc\" is 2 characters; rnnscope vocabularies are character-level");
  ExpectError([] { Vocab::FromJson(nlohmann::json::parse(R"(["a", ""])"), "v.json"); }, "token 1 \"\" is 0 characters");
  ExpectError([] { Vocab::FromJson(nlohmann::json::parse(R"(["a", "b", "a"])"), "v.json"); },
              "v.json: token 2 'a' (U+0061) duplicates token 0");
  ExpectError([] { Vocab::FromTokens({"a", "\xC0\x80"}, "v.json"); }, "v.json: token 1: byte offset 0: invalid UTF-8");
  ExpectError([] { Vocab::FromText("ok\xED\xA0\x80", "t.txt"); }, "t.txt: byte offset 2: invalid UTF-8: UTF-16 surrogate");
}

}  // namespace
}  // namespace rnnscope
