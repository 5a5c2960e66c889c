// Contents: listing · name order · typed paths · sizes and times · recent files
#include "io/directory_listing.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include <nlohmann/json.hpp>

#include "io/atomic_file.h"

namespace rnnscope {
namespace fs = std::filesystem;
namespace {

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::time_t ToTimeT(fs::file_time_type t) {
  const auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::system_clock::duration>(sys));
}

// "/a/b/" -> "/a/b" (lexically_normal keeps a trailing separator); "/" stays.
std::string WithoutTrailingSlash(fs::path p) {
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string Home() {
  const char* home = std::getenv("HOME");
  return home != nullptr ? std::string(home) : std::string();
}

}  // namespace

bool NameLess(const std::string& a, const std::string& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char x = LowerAscii(a[i]), y = LowerAscii(b[i]);
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
  }
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;  // "A" and "a": a stable, total order
}

DirectoryListing ListDirectory(const std::string& folder, bool show_hidden) {
  DirectoryListing listing;
  std::error_code ec;
  fs::path abs = fs::absolute(folder.empty() ? fs::path(".") : fs::path(folder), ec);
  listing.folder = WithoutTrailingSlash(ec ? fs::path(folder) : abs);
  fs::directory_iterator it(listing.folder, ec);
  if (ec) {
    listing.error = listing.folder + ": cannot list: " + ec.message();
    return listing;
  }
  for (const fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    DirectoryEntry entry;
    entry.name = p.filename().string();
    if (!show_hidden && !entry.name.empty() && entry.name[0] == '.') continue;
    entry.path = p.string();
    // status() follows symlinks; a dangling link or a loop fails here and is shown as a file.
    std::error_code status_ec;
    const fs::file_status status = fs::status(p, status_ec);
    entry.is_folder = !status_ec && fs::is_directory(status);
    if (!status_ec && fs::is_regular_file(status)) {
      std::error_code size_ec;
      const auto size = fs::file_size(p, size_ec);
      entry.size = size_ec ? 0 : size;
    }
    std::error_code time_ec;
    const auto time = fs::last_write_time(p, time_ec);
    entry.modified = time_ec ? 0 : ToTimeT(time);
    listing.entries.push_back(std::move(entry));
  }
  if (ec) listing.error = listing.folder + ": listing stopped early: " + ec.message();
  std::sort(listing.entries.begin(), listing.entries.end(), [](const DirectoryEntry& a, const DirectoryEntry& b) {
    if (a.is_folder != b.is_folder) return a.is_folder;
    return NameLess(a.name, b.name);
  });
  return listing;
}

std::string NormalizeTypedPath(const std::string& typed, const std::string& current_folder) {
  std::string text = typed;
  // Trim surrounding blanks: a pasted path often brings a newline or a space.
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  text = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  if (!text.empty() && text[0] == '~' && (text.size() == 1 || text[1] == '/')) {
    const std::string home = Home();
    if (!home.empty()) text = home + text.substr(1);
  }
  fs::path p(text);
  if (!p.is_absolute()) p = fs::path(current_folder.empty() ? "/" : current_folder) / p;
  return WithoutTrailingSlash(p);
}

TypedPathKind KindOfTypedPath(const std::string& normalized, const std::string& typed) {
  std::error_code ec;
  if (fs::is_directory(normalized, ec)) return TypedPathKind::kFolder;
  const auto last = typed.find_last_not_of(" \t\r\n");
  if (last != std::string::npos && typed[last] == '/') return TypedPathKind::kFolder;
  return TypedPathKind::kFile;
}

std::string HumanSize(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (value >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

std::string FormatModified(std::time_t modified) {
  if (modified == 0) return {};
  std::tm local{};
  if (localtime_r(&modified, &local) == nullptr) return {};
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &local);
  return text;
}

fs::path RecentFilesPath() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    return fs::path(xdg) / "rnnscope" / "recent.json";
  }
  const std::string home = Home();
  if (home.empty()) return {};
  return fs::path(home) / ".config" / "rnnscope" / "recent.json";
}

RecentFiles::RecentFiles(fs::path file) : file_(file.empty() ? RecentFilesPath() : std::move(file)) {}

void RecentFiles::Load() {
  paths_.clear();
  if (file_.empty()) return;
  std::error_code ec;
  if (!fs::exists(file_, ec)) return;
  try {
    const nlohmann::json list = nlohmann::json::parse(ReadFileChecked(file_, 1 << 20), nullptr, /*allow_exceptions=*/false);
    if (!list.is_array()) return;  // corrupt (parse failure is "discarded", not an array)
    for (const nlohmann::json& item : list) {
      if (!item.is_string()) continue;
      const std::string path = item.get<std::string>();
      if (path.empty() || path[0] != '/' || std::find(paths_.begin(), paths_.end(), path) != paths_.end()) continue;
      paths_.push_back(path);
      if (paths_.size() == kMaxRecent) break;
    }
  } catch (const std::exception&) {
    paths_.clear();  // unreadable: as if there were no recent files
  }
}

std::string RecentFiles::Add(const std::string& path) {
  Load();  // another window may have added files since
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec);
  const std::string normal = WithoutTrailingSlash(ec ? fs::path(path) : abs);
  std::erase(paths_, normal);
  paths_.insert(paths_.begin(), normal);
  if (paths_.size() > kMaxRecent) paths_.resize(kMaxRecent);
  if (file_.empty()) return "recent files: neither XDG_CONFIG_HOME nor HOME is set";
  try {
    fs::create_directories(file_.parent_path(), ec);
    if (ec) return file_.parent_path().string() + ": cannot create: " + ec.message();
    WriteFileAtomic(file_, nlohmann::json(paths_).dump(1) + "\n");
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

std::vector<std::string> RecentFiles::Existing() const {
  std::vector<std::string> existing;
  for (const std::string& p : paths_) {
    std::error_code ec;
    if (fs::exists(p, ec)) existing.push_back(p);
  }
  return existing;
}

}  // namespace rnnscope
