// The in-window file browser: an ImGui modal used for File ▸ Open… and for every Save/Export,
// so rnnscope needs no desktop file-dialog service (portals, GTK) — it runs the same over SSH
// with X forwarding, under Xvfb and in a container. The listing, typed-path rules and recent
// files are headless (io/directory_listing.h); this file only draws them.
//
// Layout: a path bar (Up button, then one button per folder of the path), the folder as a
// table (name, size, modified: click a folder to enter it, click a file to select it,
// double-click to choose it), a typed-path field (Enter: a folder navigates, a file is chosen),
// the filter combo, in Open mode the recent files (click = choose), in Save mode the file name
// pre-filled with the suggested name (an existing file asks before it is replaced), and Cancel.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/directory_listing.h"
#include "io/file_kind.h"

namespace rnnscope {

// Which files a listing shows (folders are always shown). The predicate sees the whole entry,
// so a caller may decide by content (opening the file at entry.path), not only by name.
struct FileFilter {
  std::string label;
  std::function<bool(const DirectoryEntry&)> accepts;
};

// "All files" (accepts everything).
FileFilter AllFilesFilter();
// A filter on file-name endings, case-insensitive: ExtensionFilter("Text (.txt)", {".txt"}).
FileFilter ExtensionFilter(std::string label, std::vector<std::string> endings);
// The files whose content is of this kind (io/file_kind.h), also as a second reading.
FileFilter KindFilter(FileKind kind);
// "text", "conll / tsv", "-" (cannot be read), "…" (not read yet): the listing's Kind column.
std::string KindLabel(const DirectoryEntry& entry);
// "All files" first, then one KindFilter per kind: the default for File ▸ Open….
std::vector<FileFilter> DefaultOpenFilters();

class FileBrowser {
 public:
  FileBrowser();

  // Opens the browser in the last folder it showed (first time: the working directory).
  // `filters` should start with "All files"; an empty list means DefaultOpenFilters().
  // initial_filter: the index selected at first (clamped).
  void OpenForLoad(std::string title, std::vector<FileFilter> filters = {}, int initial_filter = 0);
  // Opens in `start_folder`, else the folder last saved to, else the working directory, with
  // the file-name field pre-filled with `suggested_name`.
  void OpenForSave(std::string title, std::string suggested_name, std::string start_folder = {});
  // Draws the modal when open (call at the root of the ID stack, once per frame); returns the
  // chosen absolute path once (then the browser is closed).
  std::optional<std::string> Draw();
  bool IsOpen() const { return open_; }
  // As if the user typed `path` into the path field and pressed Enter: a folder (relative to
  // the current one, "~" expanded) is entered, a file is chosen. Used by the field itself, by
  // `rnnscope screenshot --open-via-browser` and by tests.
  void SubmitTypedPath(const std::string& path);
  void Cancel();
  // Keeps browsing and choosing inside `folder` (lexically; "" = anywhere): the screenshot
  // command's monkey clicks Up and Save at random, and must not write outside its own folder.
  void ConfineTo(const std::string& folder);

  const std::string& folder() const { return folder_; }
  const std::string& error() const { return error_; }
  // The recent-files store (io/directory_listing.h); tests may point it elsewhere.
  RecentFiles& recent() { return recent_; }

 private:
  enum class Mode { kLoad, kSave };
  void Navigate(const std::string& folder);
  void Refresh();
  // The single way a path gets chosen: checks it (exists for Open, folder exists and
  // overwrite confirmed for Save), then closes with it.
  void Choose(const std::string& path);
  void Finish(const std::string& path);
  void DrawPathBar();
  void DrawTable(float height);
  void DrawRecent();
  void DrawFooter();
  void DrawOverwriteConfirmation();
  bool Inside(const std::string& path) const;

  Mode mode_ = Mode::kLoad;
  bool open_ = false, pending_open_ = false;
  std::string title_;
  std::vector<FileFilter> filters_;
  int filter_ = 0;
  bool show_hidden_ = false;
  std::string folder_;
  std::string last_save_folder_;
  std::string confine_;      // non-empty: the folder nothing may leave (ConfineTo)
  DirectoryListing listing_;
  std::string selected_;     // absolute path of the highlighted file
  std::string error_;        // shown in red under the table until the next action
  std::string overwrite_;    // Save: the existing file awaiting confirmation
  bool overwrite_pending_ = false;
  double navigated_at_ = -1e9;  // a double-click begun in the previous folder is not a choice
  std::optional<std::string> chosen_;
  RecentFiles recent_;
  std::vector<std::string> recent_shown_;
  char typed_[2048] = {};
  char name_[512] = {};
};

}  // namespace rnnscope
