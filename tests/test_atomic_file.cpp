#include "io/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rnnscope_af_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::size_t EntryCount() { return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {})); }
  fs::path dir_;
};

TEST_F(AtomicFileTest, WritesAndReplaces) {
  const fs::path p = dir_ / "a.bin";
  WriteFileAtomic(p, std::string("first\0x", 7));
  EXPECT_EQ(Slurp(p), std::string("first\0x", 7));
  WriteFileAtomic(p, "second");
  EXPECT_EQ(Slurp(p), "second");
  EXPECT_EQ(EntryCount(), 1u) << "no temporary file left behind";
}

TEST_F(AtomicFileTest, TempFileSitsBesideTargetUntilCommit) {
  const fs::path p = dir_ / "ckpt.json";
  WriteFileAtomic(p, "old");
  {
    AtomicFileWriter w(p);
    EXPECT_EQ(w.temp_path().parent_path(), dir_);
    EXPECT_EQ(w.temp_path().filename().string().rfind("ckpt.json.tmp." + std::to_string(::getpid()) + ".", 0), 0u);
    w.Write("new contents");
    EXPECT_TRUE(fs::exists(w.temp_path()));
    EXPECT_EQ(Slurp(p), "old") << "target untouched before Commit";
    w.Commit();
    EXPECT_FALSE(fs::exists(w.temp_path()));
  }
  EXPECT_EQ(Slurp(p), "new contents");
}

TEST_F(AtomicFileTest, AbandonedWriteKeepsOldFileAndCleansUp) {
  const fs::path p = dir_ / "ckpt.json";
  WriteFileAtomic(p, "old");
  try {
    AtomicFileWriter w(p);
    w.Write("half a checkp");
    throw std::runtime_error("simulated crash while serializing");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(Slurp(p), "old");
  EXPECT_EQ(EntryCount(), 1u);
}

TEST_F(AtomicFileTest, KeepsPermissionsOfReplacedFile) {
  const fs::path p = dir_ / "private";
  WriteFileAtomic(p, "x");
  ::chmod(p.c_str(), 0600);
  WriteFileAtomic(p, "y");
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AtomicFileTest, ErrorsNameThePath) {
  const fs::path p = dir_ / "no_such_dir" / "x.bin";
  try {
    WriteFileAtomic(p, "x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(p.string() + ": cannot write: No such file or directory"),
              std::string::npos) << e.what();
  }
  EXPECT_THROW(WriteFileAtomic("", "x"), Error);
  AtomicFileWriter w(dir_ / "twice");
  w.Commit();
  EXPECT_THROW(w.Commit(), Error);
  EXPECT_THROW(w.Write("late"), Error);
}

TEST_F(AtomicFileTest, ReadCheckedErrors) {
  auto expect_msg = [](const fs::path& p, std::uint64_t cap, const std::string& fragment) {
    try {
      ReadFileChecked(p, cap);
      ADD_FAILURE() << "no error for " << p;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(p.string() + ": " + fragment), std::string::npos) << e.what();
    }
  };
  expect_msg(dir_ / "missing.txt", 100, "no such file");
  expect_msg(dir_, 100, "is a directory, expected a file");
  expect_msg("/dev/null", 100, "not a regular file");
  const fs::path big = dir_ / "big";
  WriteFileAtomic(big, std::string(101, 'a'));
  expect_msg(big, 100, "file is 101 bytes, larger than the 100-byte limit");
  EXPECT_EQ(ReadFileChecked(big, 101), std::string(101, 'a'));
}

TEST_F(AtomicFileTest, ReadCheckedUnreadable) {
  const fs::path locked = dir_ / "locked";
  WriteFileAtomic(locked, "x");
  fs::permissions(locked, fs::perms::none);
  if (std::ifstream(locked).good()) GTEST_SKIP() << "running as root: permissions do not apply";
  try {
    ReadFileChecked(locked, 100);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(locked.string() + ": cannot open"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rnnscope
