// Bad two-column (CoNLL-like) tagging files: each is rejected with an InputError naming the file,
// the line, what was expected and what was found — in process (LoadConll, the conll task) and
// through the real binary (`rnnscope train --task conll --data F`: exit 1, one line on stderr).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "tasks/conll_file.h"
#include "tasks/tagging_task.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

class BadConll : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rnnscope_bad_conll." + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path Write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
    return p;
  }
  // The message LoadConll throws (fails the test if it does not throw InputError).
  std::string Message(const fs::path& p) {
    try {
      LoadConll(p.string());
    } catch (const InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << p << " was accepted";
    return "";
  }
  void ExpectMentions(const std::string& msg, const std::vector<std::string>& needles) {
    for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' missing from: " << msg;
  }
  fs::path dir_;
};

TEST_F(BadConll, ValidFileIsAccepted) {  // the control: tabs, spaces, CRLF, -DOCSTART-, trailing blank lines
  const auto s = LoadConll(Write("ok.txt", "-DOCSTART- O\n\nleave\tO\ntaipei B-from\r\n\n\nto   O\n tokyo\t B-to\n\n\n").string());
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].words, (std::vector<std::string>{"leave", "taipei"}));
  EXPECT_EQ(s[0].tags, (std::vector<std::string>{"O", "B-from"}));
  EXPECT_EQ(s[1].line, 7);
  EXPECT_EQ(s[1].tags.back(), "B-to");
}

TEST_F(BadConll, OneColumnNamesTheLine) {
  const auto msg = Message(Write("one.txt", "leave\tO\ntaipei\tB-from\n\nto\tO\ntokyo\n"));
  ExpectMentions(msg, {"one.txt:5:", "expected two columns", "found 1 column", "'tokyo'"});
}

TEST_F(BadConll, ThreeColumnsNamesTheLine) {
  const auto msg = Message(Write("three.txt", "leave\tO\ntaipei NNP B-from\n"));
  ExpectMentions(msg, {"three.txt:2:", "expected two columns", "found 3 columns", "'taipei NNP B-from'"});
}

TEST_F(BadConll, EmptyFile) {
  ExpectMentions(Message(Write("empty.txt", "")), {"empty.txt", "empty"});
}

TEST_F(BadConll, OnlyBlankLines) {
  ExpectMentions(Message(Write("blank.txt", "\n  \n\t\n")), {"blank.txt", "no sentences"});
}

TEST_F(BadConll, MissingFile) {
  ExpectMentions(Message(dir_ / "missing.txt"), {"missing.txt", "no such file"});
}

TEST_F(BadConll, InvalidUtf8) {
  ExpectMentions(Message(Write("latin1.txt", "caf\xe9\tO\n")), {"latin1.txt", "byte offset 3", "UTF-8"});
}

TEST_F(BadConll, BinaryFile) {
  ExpectMentions(Message(Write("bin.txt", std::string("a\tO\n\0\0", 6))), {"bin.txt", "NUL", "binary"});
}

TEST_F(BadConll, OneTagEverywhereCannotTrain) {
  const fs::path p = Write("one_tag.txt", "a\tO\nb\tO\n\nc\tO\n");
  try {
    MakeConllTask(p.string());
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    ExpectMentions(e.what(), {"one_tag.txt", "at least two different tags"});
  }
}

// Through the binary: exit code 1 (not 3, an internal error), the message on one line.
TEST_F(BadConll, TheBinaryReportsTheLine) {
  const fs::path binary = fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope";
  if (!fs::exists(binary)) GTEST_SKIP() << binary << " is not built";
  const fs::path bad = Write("bad.txt", "leave\tO\ntaipei\n");
  const std::string cmd = binary.string() + " train --task conll --data " + bad.string() + " --steps 1 2>&1 >/dev/null";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string err;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe)) err += buf;
  const int status = ::pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << err;
  ExpectMentions(err, {"bad.txt:2:", "expected two columns", "found 1 column"});
  EXPECT_EQ(err.find('\n'), err.size() - 1) << "one line: " << err;
  // And no --data at all.
  FILE* p2 = ::popen((binary.string() + " train --task conll --steps 1 2>&1 >/dev/null").c_str(), "r");
  ASSERT_NE(p2, nullptr);
  std::string err2;
  while (std::fgets(buf, sizeof buf, p2)) err2 += buf;
  EXPECT_EQ(WEXITSTATUS(::pclose(p2)), 1) << err2;
  ExpectMentions(err2, {"--data"});
}

}  // namespace
}  // namespace rnnscope
