// The file browser's headless half (io/directory_listing.h): listing order, hidden entries,
// symlinks, errors naming the folder, typed-path resolution and the recent-files list.
#include "io/directory_listing.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

class DirectoryListingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rnnscope_dl_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    dir_ = fs::canonical(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_ / "locked", fs::perms::owner_all, ec);
    fs::remove_all(dir_);
  }
  void Touch(const fs::path& p, const std::string& bytes = "x") { std::ofstream(p, std::ios::binary) << bytes; }
  static std::vector<std::string> Names(const DirectoryListing& l) {
    std::vector<std::string> names;
    for (const auto& e : l.entries) names.push_back(e.name);
    return names;
  }
  fs::path dir_;
};

TEST_F(DirectoryListingTest, FoldersFirstThenFilesCaseInsensitive) {
  Touch(dir_ / "beta.txt");
  Touch(dir_ / "Alpha.txt");
  Touch(dir_ / "唐诗.txt");
  Touch(dir_ / "gamma.TSV");
  fs::create_directory(dir_ / "zoo");
  fs::create_directory(dir_ / "Apps");
  const DirectoryListing l = ListDirectory(dir_.string(), false);
  EXPECT_EQ(l.error, "");
  EXPECT_EQ(l.folder, dir_.string());
  // UTF-8 names sort after ASCII letters (bytes >= 0x80).
  EXPECT_EQ(Names(l), (std::vector<std::string>{"Apps", "zoo", "Alpha.txt", "beta.txt", "gamma.TSV", "唐诗.txt"}));
  EXPECT_TRUE(l.entries[0].is_folder);
  EXPECT_TRUE(l.entries[1].is_folder);
  EXPECT_FALSE(l.entries[2].is_folder);
  EXPECT_EQ(l.entries[2].path, (dir_ / "Alpha.txt").string());
}

TEST_F(DirectoryListingTest, SizeAndModificationTime) {
  Touch(dir_ / "five.bin", "12345");
  const fs::path p = dir_ / "five.bin";
  const auto now = fs::file_time_type::clock::now();
  fs::last_write_time(p, now - std::chrono::hours(48));
  const DirectoryListing l = ListDirectory(dir_.string(), false);
  ASSERT_EQ(l.entries.size(), 1u);
  EXPECT_EQ(l.entries[0].size, 5u);
  const std::time_t expected = std::time(nullptr) - 48 * 3600;
  EXPECT_NEAR(static_cast<double>(l.entries[0].modified), static_cast<double>(expected), 5.0);
  EXPECT_EQ(HumanSize(5), "5 B");
  EXPECT_EQ(HumanSize(3 * 1024 + 512), "3.5 KB");
  EXPECT_EQ(HumanSize(uint64_t{5} << 30), "5.0 GB");
  EXPECT_EQ(FormatModified(0), "");
  EXPECT_EQ(FormatModified(l.entries[0].modified).size(), std::string("2026-12-05 01:25").size());
}

TEST_F(DirectoryListingTest, HiddenEntriesOnlyWhenAsked) {
  Touch(dir_ / ".secret");
  fs::create_directory(dir_ / ".cache");
  Touch(dir_ / "seen");
  EXPECT_EQ(Names(ListDirectory(dir_.string(), false)), (std::vector<std::string>{"seen"}));
  EXPECT_EQ(Names(ListDirectory(dir_.string(), true)), (std::vector<std::string>{".cache", ".secret", "seen"}));
}

TEST_F(DirectoryListingTest, SymlinksFollowedDanglingAndLoopsListedAsFiles) {
  fs::create_directory(dir_ / "real");
  Touch(dir_ / "real" / "inside.txt", "abc");
  fs::create_directory_symlink(dir_ / "real", dir_ / "link_to_folder");
  fs::create_symlink(dir_ / "real" / "inside.txt", dir_ / "link_to_file");
  fs::create_symlink(dir_ / "missing", dir_ / "dangling");
  fs::create_symlink(dir_ / "loop_b", dir_ / "loop_a");
  fs::create_symlink(dir_ / "loop_a", dir_ / "loop_b");
  const DirectoryListing l = ListDirectory(dir_.string(), false);
  EXPECT_EQ(l.error, "");
  EXPECT_EQ(Names(l), (std::vector<std::string>{"link_to_folder", "real", "dangling", "link_to_file", "loop_a", "loop_b"}));
  EXPECT_TRUE(l.entries[0].is_folder);
  EXPECT_EQ(l.entries[3].size, 3u);  // the target's size
  EXPECT_EQ(l.entries[2].size, 0u);
  // Entering the linked folder lists the target's contents.
  EXPECT_EQ(Names(ListDirectory((dir_ / "link_to_folder").string(), false)), (std::vector<std::string>{"inside.txt"}));
}

TEST_F(DirectoryListingTest, UnlistableFolderGivesErrorNamingIt) {
  const DirectoryListing missing = ListDirectory((dir_ / "nope").string(), false);
  EXPECT_TRUE(missing.entries.empty());
  EXPECT_NE(missing.error.find((dir_ / "nope").string() + ": cannot list: "), std::string::npos) << missing.error;
  Touch(dir_ / "plain.txt");
  const DirectoryListing file = ListDirectory((dir_ / "plain.txt").string(), false);
  EXPECT_NE(file.error.find("plain.txt: cannot list: "), std::string::npos) << file.error;
}

TEST_F(DirectoryListingTest, UnreadableFolderGivesErrorNamingIt) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every folder";
  fs::create_directory(dir_ / "locked");
  fs::permissions(dir_ / "locked", fs::perms::none);
  const DirectoryListing l = ListDirectory((dir_ / "locked").string(), false);
  EXPECT_NE(l.error.find("locked: cannot list: "), std::string::npos) << l.error;
}

TEST(TypedPath, TildeRelativeAndDotDot) {
  const char* old_home = std::getenv("HOME");
  const std::string saved = old_home != nullptr ? old_home : "";
  ::setenv("HOME", "/home/student", 1);
  EXPECT_EQ(NormalizeTypedPath("~", "/tmp"), "/home/student");
  EXPECT_EQ(NormalizeTypedPath("~/data/唐诗.txt", "/tmp"), "/home/student/data/唐诗.txt");
  EXPECT_EQ(NormalizeTypedPath("~other/x", "/tmp"), "/tmp/~other/x");  // not our home: a plain name
  EXPECT_EQ(NormalizeTypedPath("a/b.txt", "/srv/work"), "/srv/work/a/b.txt");
  EXPECT_EQ(NormalizeTypedPath("..", "/srv/work"), "/srv");
  EXPECT_EQ(NormalizeTypedPath("../x/./y/", "/srv/work"), "/srv/x/y");
  EXPECT_EQ(NormalizeTypedPath("/../..", "/srv"), "/");
  EXPECT_EQ(NormalizeTypedPath("  /etc/hosts \n", "/srv"), "/etc/hosts");
  if (old_home != nullptr) ::setenv("HOME", saved.c_str(), 1);
  else ::unsetenv("HOME");
}

TEST_F(DirectoryListingTest, TypedFolderNavigatesTypedFileChooses) {
  fs::create_directory(dir_ / "sub");
  Touch(dir_ / "f.txt");
  EXPECT_EQ(KindOfTypedPath(NormalizeTypedPath("sub", dir_.string()), "sub"), TypedPathKind::kFolder);
  EXPECT_EQ(KindOfTypedPath(NormalizeTypedPath("f.txt", dir_.string()), "f.txt"), TypedPathKind::kFile);
  EXPECT_EQ(KindOfTypedPath(NormalizeTypedPath("new.csv", dir_.string()), "new.csv"), TypedPathKind::kFile);
  EXPECT_EQ(KindOfTypedPath(NormalizeTypedPath("later/", dir_.string()), "later/"), TypedPathKind::kFolder);
}

class RecentFilesTest : public DirectoryListingTest {};

TEST_F(RecentFilesTest, MostRecentFirstNoDuplicatesCappedAndPersisted) {
  const fs::path store = dir_ / "config" / "rnnscope" / "recent.json";
  std::vector<std::string> files;
  for (int i = 0; i < 12; ++i) {
    files.push_back((dir_ / ("f" + std::to_string(i) + ".txt")).string());
    Touch(files.back());
  }
  RecentFiles recent(store);
  for (const auto& f : files) EXPECT_EQ(recent.Add(f), "");
  ASSERT_EQ(recent.all().size(), RecentFiles::kMaxRecent);
  EXPECT_EQ(recent.all().front(), files[11]);
  EXPECT_EQ(recent.all().back(), files[2]);  // f0 and f1 fell off
  EXPECT_EQ(recent.Add(files[5]), "");       // again: moves to the front, not a second copy
  EXPECT_EQ(recent.all().front(), files[5]);
  EXPECT_EQ(std::count(recent.all().begin(), recent.all().end(), files[5]), 1);
  EXPECT_EQ(recent.all().size(), RecentFiles::kMaxRecent);
  // A second instance reads the same list back.
  RecentFiles again(store);
  again.Load();
  EXPECT_EQ(again.all(), recent.all());
  // No temporary files left beside it (atomic write committed).
  EXPECT_EQ(std::distance(fs::directory_iterator(store.parent_path()), {}), 1);
}

TEST_F(RecentFilesTest, RelativePathStoredAbsoluteAndMissingFilesDropped) {
  const fs::path store = dir_ / "recent.json";
  Touch(dir_ / "keep.txt");
  Touch(dir_ / "gone.txt");
  RecentFiles recent(store);
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir_);
  recent.Add("keep.txt");
  fs::current_path(old_cwd);
  recent.Add((dir_ / "gone.txt").string());
  fs::remove(dir_ / "gone.txt");
  EXPECT_EQ(recent.all().size(), 2u);
  EXPECT_EQ(recent.Existing(), (std::vector<std::string>{(dir_ / "keep.txt").string()}));
}

TEST_F(RecentFilesTest, MissingOrCorruptFileIsAnEmptyList) {
  RecentFiles missing(dir_ / "none" / "recent.json");
  missing.Load();
  EXPECT_TRUE(missing.all().empty());
  for (const std::string bad : {"{not json", "{\"a\": 1}", "", "[1, 2, null]", "\x89PNG\r\n"}) {
    Touch(dir_ / "recent.json", bad);
    RecentFiles corrupt(dir_ / "recent.json");
    corrupt.Load();
    EXPECT_TRUE(corrupt.all().empty()) << bad;
  }
  // Non-string or relative items inside a valid list are skipped, the rest kept.
  Touch(dir_ / "recent.json", "[\"/a/b\", 3, \"rel\", \"/a/b\", \"/c\"]");
  RecentFiles mixed(dir_ / "recent.json");
  mixed.Load();
  EXPECT_EQ(mixed.all(), (std::vector<std::string>{"/a/b", "/c"}));
  // Adding to a corrupt file replaces it with a valid list.
  Touch(dir_ / "recent.json", "garbage");
  Touch(dir_ / "x.txt");
  RecentFiles repaired(dir_ / "recent.json");
  EXPECT_EQ(repaired.Add((dir_ / "x.txt").string()), "");
  RecentFiles reread(dir_ / "recent.json");
  reread.Load();
  EXPECT_EQ(reread.all(), (std::vector<std::string>{(dir_ / "x.txt").string()}));
}

TEST(RecentFilesPath, XdgConfigHomeThenHome) {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const std::string saved_xdg = xdg != nullptr ? xdg : "";
  const char* home = std::getenv("HOME");
  const std::string saved_home = home != nullptr ? home : "";
  ::setenv("XDG_CONFIG_HOME", "/cfg", 1);
  ::setenv("HOME", "/home/s", 1);
  EXPECT_EQ(RecentFilesPath(), fs::path("/cfg/rnnscope/recent.json"));
  ::setenv("XDG_CONFIG_HOME", "", 1);
  EXPECT_EQ(RecentFilesPath(), fs::path("/home/s/.config/rnnscope/recent.json"));
  if (xdg != nullptr) ::setenv("XDG_CONFIG_HOME", saved_xdg.c_str(), 1);
  else ::unsetenv("XDG_CONFIG_HOME");
  if (home != nullptr) ::setenv("HOME", saved_home.c_str(), 1);
  else ::unsetenv("HOME");
}

}  // namespace
}  // namespace rnnscope
