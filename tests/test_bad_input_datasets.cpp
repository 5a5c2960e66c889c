// Bad data files for the file-backed tasks — two-column (CoNLL-like) tagging files and
// source<TAB>target seq2seq pairs: each is rejected with an InputError naming the file, the line,
// what was expected and what was found — in process (LoadConll, the conll and tsv tasks) and
// through the real binary (`rnnscope train --task conll|tsv --data F`: exit 1, one line on
// stderr). The controls (valid files) load, train and reload from a checkpoint.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "tasks/conll_file.h"
#include "tasks/seq2seq_task.h"
#include "tasks/tagging_task.h"
#include "train/job_factory.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

class BadDataFile : public ::testing::Test {
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

TEST_F(BadDataFile, ValidFileIsAccepted) {  // the control: tabs, spaces, CRLF, -DOCSTART-, trailing blank lines
  const auto s = LoadConll(Write("ok.txt", "-DOCSTART- O\n\nleave\tO\ntaipei B-from\r\n\n\nto   O\n tokyo\t B-to\n\n\n").string());
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].words, (std::vector<std::string>{"leave", "taipei"}));
  EXPECT_EQ(s[0].tags, (std::vector<std::string>{"O", "B-from"}));
  EXPECT_EQ(s[1].line, 7);
  EXPECT_EQ(s[1].tags.back(), "B-to");
}

TEST_F(BadDataFile, OneColumnNamesTheLine) {
  const auto msg = Message(Write("one.txt", "leave\tO\ntaipei\tB-from\n\nto\tO\ntokyo\n"));
  ExpectMentions(msg, {"one.txt:5:", "expected two columns", "found 1 column", "'tokyo'"});
}

TEST_F(BadDataFile, ThreeColumnsNamesTheLine) {
  const auto msg = Message(Write("three.txt", "leave\tO\ntaipei NNP B-from\n"));
  ExpectMentions(msg, {"three.txt:2:", "expected two columns", "found 3 columns", "'taipei NNP B-from'"});
}

TEST_F(BadDataFile, CarriageReturnInsideALine) {  // found by fuzz_conll: it ended up inside a tag
  const auto msg = Message(Write("mac.txt", "a\tB\raB\r\nb\tI\r\n"));
  ExpectMentions(msg, {"mac.txt:1:", "carriage return inside a line"});
}

TEST_F(BadDataFile, EmptyFile) {
  ExpectMentions(Message(Write("empty.txt", "")), {"empty.txt", "empty"});
}

TEST_F(BadDataFile, OnlyBlankLines) {
  ExpectMentions(Message(Write("blank.txt", "\n  \n\t\n")), {"blank.txt", "no sentences"});
}

TEST_F(BadDataFile, MissingFile) {
  ExpectMentions(Message(dir_ / "missing.txt"), {"missing.txt", "no such file"});
}

TEST_F(BadDataFile, InvalidUtf8) {
  ExpectMentions(Message(Write("latin1.txt", "caf\xe9\tO\n")), {"latin1.txt", "byte offset 3", "UTF-8"});
}

TEST_F(BadDataFile, BinaryFile) {
  ExpectMentions(Message(Write("bin.txt", std::string("a\tO\n\0\0", 6))), {"bin.txt", "NUL", "binary"});
}

TEST_F(BadDataFile, OneTagEverywhereCannotTrain) {
  const fs::path p = Write("one_tag.txt", "a\tO\nb\tO\n\nc\tO\n");
  try {
    MakeConllTask(p.string());
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    ExpectMentions(e.what(), {"one_tag.txt", "at least two different tags"});
  }
}

// ---------------------------------------------------------------- tsv (seq2seq pairs)

std::string TsvMessage(const fs::path& p) {
  try {
    TaskOptions o;
    o.data_path = p.string();
    MakeTsvTask(o);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << p << " was accepted";
  return "";
}

TEST_F(BadDataFile, TsvValidFileTrainsAndReloads) {
  std::string text;
  Rng rng(3);
  for (int i = 0; i < 300; ++i) {
    std::string w;
    for (int k = 0; k < 4; ++k) w += static_cast<char>('a' + rng.UniformInt(5));
    text += w + "\t" + std::string(w.rbegin(), w.rend()) + (i % 7 ? "\n" : "\r\n\n");
  }
  const fs::path p = Write("pairs.tsv", text);
  TaskOptions o;
  o.data_path = p.string();
  const auto task = MakeTsvTask(o);
  EXPECT_EQ(task->MaxTargetLength(), 4);
  EXPECT_FALSE(task->HasAlignment());
  JobSpec spec;
  spec.task = "tsv";
  spec.data_path = p.string();
  spec.settings.batch = 16;
  auto job = MakeJob(spec);
  const float first = job->Step(spec.settings).loss;
  float last = first;
  for (int i = 0; i < 30; ++i) last = job->Step(spec.settings).loss;
  EXPECT_LT(last, first);
  const fs::path ckpt = dir_ / "tsv.safetensors";
  job->Save(ckpt.string(), spec.settings);
  auto loaded = LoadJob(ckpt.string(), nullptr);
  EXPECT_EQ(loaded->Task(), "tsv");
  EXPECT_EQ(loaded->StepCount(), 31);
}

TEST_F(BadDataFile, TsvTooSmallToHoldOutSaysItsMetricsComeFromTraining) {
  // Three pairs: by the 8:1:1 hash split at least one of validation/test is empty.
  const fs::path p = Write("tiny.tsv", "abc\tcba\nab\tba\nbca\tacb\n");
  TaskOptions o;
  o.data_path = p.string();
  const auto task = MakeTsvTask(o);
  const std::string v = task->SplitNote(Split::kValidation), t = task->SplitNote(Split::kTest);
  ASSERT_FALSE(v.empty() && t.empty()) << "three pairs cannot fill all three splits";
  const std::string& note = t.empty() ? v : t;
  EXPECT_NE(note.find("tiny.tsv"), std::string::npos) << note;
  EXPECT_NE(note.find("scored on the training pairs"), std::string::npos) << note;
  // A file large enough for every split carries no note.
  std::string text;
  Rng rng(3);
  for (int i = 0; i < 300; ++i) {
    std::string w;
    for (int k = 0; k < 4; ++k) w += static_cast<char>('a' + rng.UniformInt(5));
    text += w + "\t" + std::string(w.rbegin(), w.rend()) + "\n";
  }
  o.data_path = Write("big.tsv", text).string();
  const auto big = MakeTsvTask(o);
  EXPECT_EQ(big->SplitNote(Split::kValidation), "");
  EXPECT_EQ(big->SplitNote(Split::kTest), "");
}

TEST_F(BadDataFile, TsvNoTabNamesTheLine) {
  ExpectMentions(TsvMessage(Write("notab.tsv", "abc\tcba\n\nabd dba\n")),
                 {"notab.tsv:3:", "expected 'source<TAB>target'", "no tab", "'abd dba'"});
}

TEST_F(BadDataFile, TsvTwoTabsNamesTheLine) {
  ExpectMentions(TsvMessage(Write("tabs.tsv", "abc\tcba\tx\n")), {"tabs.tsv:1:", "2 tabs"});
}

TEST_F(BadDataFile, TsvEmptySideNamesTheLine) {
  ExpectMentions(TsvMessage(Write("side.tsv", "abc\tcba\nabc\t\n")), {"side.tsv:2:", "empty target"});
  ExpectMentions(TsvMessage(Write("side2.tsv", "\tcba\n")), {"side2.tsv:1:", "empty source"});
}

TEST_F(BadDataFile, TsvEmptyAndMissingFiles) {
  ExpectMentions(TsvMessage(Write("empty.tsv", "")), {"empty.tsv", "empty"});
  ExpectMentions(TsvMessage(Write("blank.tsv", "\n \n")), {"blank.tsv", "no pairs"});
  ExpectMentions(TsvMessage(dir_ / "missing.tsv"), {"missing.tsv", "no such file"});
  ExpectMentions(TsvMessage(Write("latin1.tsv", "caf\xe9\tx\n")), {"latin1.tsv", "byte offset 3", "UTF-8"});
}

// Through the binary: exit code 1 (not 3, an internal error), the message on one line.
TEST_F(BadDataFile, TheBinaryReportsTheLine) {
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
  EXPECT_EQ(WEXITSTATUS(::pclose(p2)), 2) << err2;  // a usage error (the registry: conll needs --data)
  ExpectMentions(err2, {"--data"});
  // A tsv file with a bad line.
  const fs::path tsv = Write("bad.tsv", "abc\tcba\nabc cba\n");
  FILE* p3 = ::popen((binary.string() + " train --task tsv --data " + tsv.string() + " --steps 1 2>&1 >/dev/null").c_str(), "r");
  ASSERT_NE(p3, nullptr);
  std::string err3;
  while (std::fgets(buf, sizeof buf, p3)) err3 += buf;
  EXPECT_EQ(WEXITSTATUS(::pclose(p3)), 1) << err3;
  ExpectMentions(err3, {"bad.tsv:2:", "no tab"});
}

}  // namespace
}  // namespace rnnscope
