#include "tasks/text_corpus.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

class TextCorpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rnnscope_tc_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path Write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  void ExpectError(const fs::path& p, const std::string& fragment, const TextCorpusOptions& o = {}) {
    try {
      LoadTextCorpus(p, o);
      ADD_FAILURE() << "no error for " << p;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(p.string() + ": " + fragment), std::string::npos) << e.what();
    }
  }
  fs::path dir_;
};

TEST_F(TextCorpusTest, LoadsAndSplitsTail) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += static_cast<char>('a' + i % 7);
  const TextCorpus c = LoadTextCorpus(Write("t.txt", text));
  EXPECT_EQ(c.vocab.Size(), 7);
  EXPECT_EQ(c.train.size(), 90u);
  EXPECT_EQ(c.validation.size(), 10u);
  EXPECT_EQ(c.vocab.Decode(c.train) + c.vocab.Decode(c.validation), text);
  EXPECT_EQ(c.vocab.Decode(c.validation), text.substr(90));
  TextCorpusOptions o;
  o.validation_fraction = 0.25;
  EXPECT_EQ(LoadTextCorpus(Write("t.txt", text), o).validation.size(), 25u);
  o.validation_fraction = 0.0;
  const TextCorpus all = LoadTextCorpus(Write("t.txt", text), o);
  EXPECT_TRUE(all.validation.empty());
  EXPECT_EQ(all.train.size(), 100u);
}

TEST_F(TextCorpusTest, ChineseCountsCodePoints) {
  // 床前明月光，疑是地上霜。 12 characters, 36 bytes, repeated.
  std::string line = "\xE5\xBA\x8A\xE5\x89\x8D\xE6\x98\x8E\xE6\x9C\x88\xE5\x85\x89\xEF\xBC\x8C"
                     "\xE7\x96\x91\xE6\x98\xAF\xE5\x9C\xB0\xE4\xB8\x8A\xE9\x9C\x9C\xE3\x80\x82";
  std::string text;
  for (int i = 0; i < 10; ++i) text += line;
  const TextCorpus c = LoadTextCorpus(Write("poem.txt", text));
  EXPECT_EQ(c.vocab.Size(), 12);
  EXPECT_EQ(c.train.size() + c.validation.size(), 120u);
  EXPECT_EQ(c.validation.size(), 12u);
  EXPECT_EQ(c.vocab.Token(c.validation.back()), "\xE3\x80\x82");
  EXPECT_EQ(c.bytes, 360u);
}

TEST_F(TextCorpusTest, NormalizesBomAndCrlf) {
  const TextCorpus c = LoadTextCorpus(Write("w.txt", "\xEF\xBB\xBFline one\r\nline two\r\n"));
  EXPECT_EQ(c.vocab.Decode(c.train) + c.vocab.Decode(c.validation), "line one\nline two\n");
  EXPECT_FALSE(c.vocab.Contains(U'\r'));
  EXPECT_FALSE(c.vocab.Contains(0xFEFF));
  TextCorpusOptions keep;
  keep.keep_crlf = true;
  EXPECT_TRUE(LoadTextCorpus(Write("w.txt", "a\r\nb\r\n"), keep).vocab.Contains(U'\r'));
  EXPECT_TRUE(LoadTextCorpus(Write("w.txt", "a\rb\r"), {}).vocab.Contains(U'\r')) << "lone CR kept";
}

TEST_F(TextCorpusTest, BadFiles) {
  ExpectError(dir_ / "missing.txt", "no such file");
  ExpectError(dir_, "is a directory, expected a file");
  ExpectError(Write("empty.txt", ""), "file is empty");
  ExpectError(Write("bom.txt", "\xEF\xBB\xBF"), "file holds only a byte order mark");
  ExpectError(Write("one.txt", "aaaaaaaaaa"), "the text uses a single distinct character ('a'); a language model needs at least two");
  ExpectError(Write("bin.bin", std::string("PK\x03\x04\x00\x00text", 10)), "byte offset 4: NUL byte; this looks like a binary file");
  ExpectError(Write("latin1.txt", "caf\xE9 au lait"), "byte offset 3: invalid UTF-8: truncated multi-byte sequence (byte 0xE9)");
  ExpectError(Write("png.bin", "\x89PNG\r\n"), "byte offset 0: invalid UTF-8: unexpected continuation byte (byte 0x89)");
}

TEST_F(TextCorpusTest, TooShortForTraining) {
  // The smallest valid corpus: two distinct characters, no validation set (a held-out part
  // under 2 characters would measure nothing, so it is dropped).
  const TextCorpus c = LoadTextCorpus(Write("ab.txt", "ab"));
  EXPECT_EQ(c.train.size(), 2u);
  EXPECT_TRUE(c.validation.empty());
}

TEST_F(TextCorpusTest, SizeCapCheckedBeforeReading) {
  TextCorpusOptions o;
  o.max_bytes = 1000;
  ExpectError(Write("big.txt", std::string(1001, 'x')), "file is 1001 bytes, larger than the 1000-byte limit", o);
  // A sparse 1 TiB file fails instantly instead of being read into memory.
  const fs::path huge = dir_ / "huge.txt";
  { std::ofstream(huge) << "x"; }
  fs::resize_file(huge, uint64_t{1} << 40);
  ExpectError(huge, "file is 1099511627776 bytes, larger than the 268435456-byte limit");
}

TEST_F(TextCorpusTest, UnreadableFile) {
  const fs::path p = Write("locked.txt", "abc");
  fs::permissions(p, fs::perms::none);
  if (std::ifstream(p).good()) GTEST_SKIP() << "running as root: permissions do not apply";
  ExpectError(p, "cannot open");
}

TEST_F(TextCorpusTest, BadOptions) {
  TextCorpusOptions o;
  o.validation_fraction = 0.9;
  EXPECT_THROW(MakeTextCorpus("abcabc", "x", o), ConfigError);
  o.validation_fraction = -0.1;
  EXPECT_THROW(MakeTextCorpus("abcabc", "x", o), ConfigError);
}

TEST_F(TextCorpusTest, TinyShakespeare) {
  const fs::path p = fs::path(RNNSCOPE_SHARED_DIR) / "data" / "tinyshakespeare.txt";
  if (!fs::exists(p)) GTEST_SKIP() << p << " not present";
  const TextCorpus c = LoadTextCorpus(p);
  EXPECT_EQ(c.vocab.Size(), 65);  // Karpathy's char-rnn figure for this file
  EXPECT_EQ(c.train.size() + c.validation.size(), 1115394u);
  EXPECT_EQ(c.validation.size(), 111539u);
  EXPECT_EQ(c.vocab.Decode(std::vector<int32_t>(c.train.begin(), c.train.begin() + 14)), "First Citizen:");
}

}  // namespace
}  // namespace rnnscope
