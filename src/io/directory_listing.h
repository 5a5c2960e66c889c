// What the in-window file browser (ui/file_browser.h) shows, without any UI: a folder's
// entries in display order, a typed path resolved the way a shell would, and the recent-files
// list kept in the user's config folder. Nothing here throws on a bad folder or a bad recent
// file: the browser must stay usable, so problems come back as an error string naming the path.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

namespace rnnscope {

struct DirectoryEntry {
  std::string name;        // the file name only (UTF-8 as stored on disk)
  std::string path;        // absolute path of the entry
  bool is_folder = false;  // after following a symlink; a dangling link is a file of size 0
  uint64_t size = 0;       // bytes; 0 for folders
  std::time_t modified = 0;  // seconds since the epoch; 0 when unknown
};

struct DirectoryListing {
  std::string folder;                  // absolute, normalised
  std::vector<DirectoryEntry> entries; // folders first, then files; case-insensitive by name
  std::string error;                   // non-empty: "<folder>: cannot list: <reason>"
};

// Lists `folder`. Hidden (dot) entries only when show_hidden. Entries whose status cannot be
// read are still listed (size 0, time 0); symlinks are followed, and a link loop or a dangling
// link is listed as a plain file instead of failing the whole folder.
DirectoryListing ListDirectory(const std::string& folder, bool show_hidden);

// Case-insensitive for ASCII letters (other bytes compare as they are), the order used above.
bool NameLess(const std::string& a, const std::string& b);

// "~" and "~/x" expand to $HOME; a relative path resolves against `current_folder`; "." and
// ".." are folded lexically. Returns an absolute normalised path (no trailing slash except "/").
std::string NormalizeTypedPath(const std::string& typed, const std::string& current_folder);

// What a typed path names: an existing folder (navigate there), else a file (choose it; it need
// not exist yet, as in a save dialog). Trailing "/" on a missing path still means a folder.
enum class TypedPathKind { kFolder, kFile };
TypedPathKind KindOfTypedPath(const std::string& normalized, const std::string& typed);

// "12 B", "3.4 KB", "1.2 MB", "5.0 GB": the size column.
std::string HumanSize(uint64_t bytes);
// "2026-12-07 01:25" in local time, "" for 0: the modified column.
std::string FormatModified(std::time_t modified);

// Recently opened files, most recent first, at most kMaxRecent absolute paths without
// duplicates, stored as a JSON list of strings at RecentFilesPath().
class RecentFiles {
 public:
  static constexpr std::size_t kMaxRecent = 10;

  // An empty `file` means the default location (RecentFilesPath()).
  explicit RecentFiles(std::filesystem::path file = {});

  // Reads the file; missing, unreadable or corrupt gives an empty list (never an error).
  void Load();
  // Puts `path` (made absolute) first, removes an older copy, caps the list and writes it back
  // atomically. A write failure is returned as a message ("" on success), never thrown.
  std::string Add(const std::string& path);
  // The stored paths that still exist, most recent first.
  std::vector<std::string> Existing() const;
  const std::vector<std::string>& all() const { return paths_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::vector<std::string> paths_;
};

// $XDG_CONFIG_HOME/rnnscope/recent.json, else ~/.config/rnnscope/recent.json; empty if neither
// variable is set.
std::filesystem::path RecentFilesPath();

}  // namespace rnnscope
