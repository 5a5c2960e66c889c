// Contents: filters · opening · choosing · typed paths · drawing (path bar, recent, table, footer, overwrite)
#include "ui/file_browser.h"
#include "ui/glyph_requests.h"

#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <utility>

namespace rnnscope {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPopupId = "###file_browser";
constexpr const char* kOverwriteId = "Replace file?###file_browser_overwrite";

std::string Lower(std::string s) {
  for (char& c : s) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

double Now() { return ImGui::GetCurrentContext() != nullptr ? ImGui::GetTime() : 0.0; }

std::string WorkingDirectory() {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  return ec ? std::string("/") : cwd.string();
}

void CopyTo(char* buffer, std::size_t size, const std::string& text) { std::snprintf(buffer, size, "%s", text.c_str()); }

}  // namespace

FileFilter AllFilesFilter() {
  return {"All files", [](const DirectoryEntry&) { return true; }};
}

FileFilter ExtensionFilter(std::string label, std::vector<std::string> endings) {
  for (std::string& e : endings) e = Lower(e);
  return {std::move(label), [endings = std::move(endings)](const DirectoryEntry& entry) {
            const std::string name = Lower(entry.name);
            return std::any_of(endings.begin(), endings.end(), [&](const std::string& e) {
              return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
            });
          }};
}

namespace {

// What each listed file holds, read from its first 64 KiB (io/file_kind.h) once per path, size
// and time, on the UI thread: at most kDetectionsPerFrame new files a frame, so a folder of
// thousands never stalls a frame (the rest follow over the next frames).
struct DetectedKind {
  uint64_t size = 0;
  std::time_t modified = 0;
  bool readable = false;
  FileKind kind = FileKind::kText;
  std::vector<FileKind> also;
};
constexpr int kDetectionsPerFrame = 16;

const DetectedKind* Detected(const DirectoryEntry& entry) {
  static std::map<std::string, DetectedKind> cache;
  static int frame = -1, done_this_frame = 0;
  auto it = cache.find(entry.path);
  if (it != cache.end() && it->second.size == entry.size && it->second.modified == entry.modified) return &it->second;
  if (ImGui::GetFrameCount() != frame) {
    frame = ImGui::GetFrameCount();
    done_this_frame = 0;
  }
  if (done_this_frame >= kDetectionsPerFrame) return nullptr;  // next frame
  ++done_this_frame;
  DetectedKind d;
  d.size = entry.size;
  d.modified = entry.modified;
  try {
    const FileKindGuess g = DetectFileKind(entry.path);
    d.readable = true;
    d.kind = g.kind;
    d.also = g.also;
  } catch (const std::exception&) {
  }
  return &cache.insert_or_assign(entry.path, std::move(d)).first->second;
}

}  // namespace

FileFilter KindFilter(FileKind kind) {
  return {std::string(FileKindTitle(kind)), [kind](const DirectoryEntry& entry) {
            const DetectedKind* d = Detected(entry);
            return d != nullptr && d->readable &&
                   (d->kind == kind || std::find(d->also.begin(), d->also.end(), kind) != d->also.end());
          }};
}

std::string KindLabel(const DirectoryEntry& entry) {
  if (entry.is_folder) return "";
  const DetectedKind* d = Detected(entry);
  if (d == nullptr) return "…";
  if (!d->readable) return "-";
  std::string label(FileKindName(d->kind));
  for (FileKind k : d->also) label += " / " + std::string(FileKindName(k));
  return label;
}

std::vector<FileFilter> DefaultOpenFilters() {
  std::vector<FileFilter> filters = {AllFilesFilter()};
  for (FileKind kind : {FileKind::kText, FileKind::kTsvPairs, FileKind::kConll, FileKind::kCheckpoint, FileKind::kStateDict})
    filters.push_back(KindFilter(kind));
  return filters;
}

FileBrowser::FileBrowser() : folder_(WorkingDirectory()) {}

void FileBrowser::OpenForLoad(std::string title, std::vector<FileFilter> filters, int initial_filter) {
  mode_ = Mode::kLoad;
  title_ = std::move(title);
  filters_ = filters.empty() ? DefaultOpenFilters() : std::move(filters);
  filter_ = std::clamp(initial_filter, 0, static_cast<int>(filters_.size()) - 1);
  recent_.Load();
  recent_shown_ = recent_.Existing();
  for (const auto& r : recent_shown_) RequestGlyphs(r);
  name_[0] = '\0';
  open_ = pending_open_ = true;
  Navigate(folder_);
}

void FileBrowser::OpenForSave(std::string title, std::string suggested_name, std::string start_folder) {
  mode_ = Mode::kSave;
  title_ = std::move(title);
  filters_ = {AllFilesFilter()};
  filter_ = 0;
  CopyTo(name_, sizeof name_, suggested_name);
  open_ = pending_open_ = true;
  Navigate(!start_folder.empty() ? start_folder : !last_save_folder_.empty() ? last_save_folder_ : WorkingDirectory());
}

void FileBrowser::Cancel() {
  open_ = pending_open_ = false;
  overwrite_pending_ = false;
}

void FileBrowser::ConfineTo(const std::string& folder) {
  confine_ = folder.empty() ? std::string() : NormalizeTypedPath(folder, WorkingDirectory());
  if (!confine_.empty()) folder_ = confine_;
}

bool FileBrowser::Inside(const std::string& path) const {
  if (confine_.empty() || confine_ == "/") return true;
  const std::string p = NormalizeTypedPath(path, folder_);
  return p == confine_ || p.rfind(confine_ + "/", 0) == 0;
}

void FileBrowser::Navigate(const std::string& folder) {
  typed_[0] = '\0';
  if (!Inside(folder)) {
    error_ = folder + ": outside " + confine_ + ", where this browser is confined";
    return;
  }
  DirectoryListing next = ListDirectory(folder, show_hidden_);
  if (!next.error.empty() && next.entries.empty()) {
    // Stay where we were (or show the empty folder on first open) and say why.
    error_ = next.error;
    if (listing_.folder.empty()) listing_.folder = folder_;
    return;
  }
  error_ = next.error;
  listing_ = std::move(next);
  folder_ = listing_.folder;
  RequestGlyphs(folder_);  // Chinese folder and file names draw from the next frame on
  for (const auto& entry : listing_.entries) RequestGlyphs(entry.name);
  selected_.clear();
  navigated_at_ = Now();
}

void FileBrowser::Refresh() { Navigate(folder_); }

void FileBrowser::SubmitTypedPath(const std::string& path) {
  if (path.find_first_not_of(" \t\r\n") == std::string::npos) return;
  const std::string normalized = NormalizeTypedPath(path, folder_);
  if (KindOfTypedPath(normalized, path) == TypedPathKind::kFolder) {
    std::error_code ec;
    if (fs::is_directory(normalized, ec)) {
      Navigate(normalized);
    } else {
      error_ = normalized + ": no such folder";
    }
    return;
  }
  Choose(normalized);
}

void FileBrowser::Choose(const std::string& path) {
  error_.clear();
  if (!Inside(path)) {
    error_ = path + ": outside " + confine_ + ", where this browser is confined";
    return;
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    Navigate(path);
    return;
  }
  if (mode_ == Mode::kLoad) {
    if (!fs::exists(path, ec)) {
      error_ = path + ": no such file";
      return;
    }
    Finish(path);
    return;
  }
  const fs::path parent = fs::path(path).parent_path();
  if (!fs::is_directory(parent, ec)) {
    error_ = parent.string() + ": no such folder";
    return;
  }
  if (fs::exists(path, ec)) {
    overwrite_ = path;
    overwrite_pending_ = true;  // asked inside the modal on the next Draw
    return;
  }
  Finish(path);
}

void FileBrowser::Finish(const std::string& path) {
  chosen_ = path;
  open_ = pending_open_ = false;
  overwrite_pending_ = false;
  if (mode_ == Mode::kLoad) {
    // A recent list that cannot be written (read-only home) only loses the history entry.
    recent_.Add(path);
  } else {
    last_save_folder_ = fs::path(path).parent_path().string();
  }
}

std::optional<std::string> FileBrowser::Draw() {
  if (pending_open_) {
    ImGui::OpenPopup(kPopupId);
    pending_open_ = false;
  }
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowSize({std::min(display.x * 0.85f, ImGui::GetFontSize() * 60.0f), display.y * 0.8f}, ImGuiCond_Appearing);
  ImGui::SetNextWindowPos({display.x * 0.5f, display.y * 0.5f}, ImGuiCond_Appearing, {0.5f, 0.5f});
  const std::string title = title_ + kPopupId;
  if (ImGui::BeginPopupModal(title.c_str(), nullptr, ImGuiWindowFlags_NoSavedSettings)) {
    if (open_) {
      DrawPathBar();
      if (mode_ == Mode::kLoad) DrawRecent();
      const ImGuiStyle& style = ImGui::GetStyle();
      const float footer = ImGui::GetFrameHeightWithSpacing() * 2.0f + ImGui::GetTextLineHeightWithSpacing() + style.ItemSpacing.y;
      DrawTable(std::max(ImGui::GetContentRegionAvail().y - footer, ImGui::GetFrameHeight() * 4.0f));
      DrawFooter();
      DrawOverwriteConfirmation();
    }
    if (!open_) ImGui::CloseCurrentPopup();  // chosen or cancelled (also from outside: SubmitTypedPath)
    ImGui::EndPopup();
  } else if (open_ && !pending_open_) {
    open_ = false;  // ImGui closed it (another modal replaced it): as Cancel
  }
  return std::exchange(chosen_, std::nullopt);
}

void FileBrowser::DrawPathBar() {
  const fs::path folder(folder_);
  ImGui::BeginDisabled(folder == folder.root_path());
  if (ImGui::Button("Up")) Navigate(folder.parent_path().string());
  ImGui::EndDisabled();
  // One button per folder of the path: a click goes straight there.
  fs::path so_far;
  int index = 0;
  std::string target;
  for (const fs::path& part : folder) {
    so_far /= part;
    const std::string label = part.string();
    if (label.empty()) continue;
    ImGui::SameLine(0.0f, index == 0 ? -1.0f : 2.0f);
    ImGui::PushID(index++);
    if (ImGui::Button(label.c_str())) target = so_far.string();
    ImGui::PopID();
  }
  // The "Hidden" toggle at the right end of the bar, or just after a long path.
  const float hidden_w = ImGui::CalcTextSize("Hidden").x + ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x;
  const float after_path = ImGui::GetItemRectMax().x - ImGui::GetWindowPos().x + ImGui::GetStyle().ItemSpacing.x;
  ImGui::SameLine(std::max(after_path, ImGui::GetWindowContentRegionMax().x - hidden_w));
  if (ImGui::Checkbox("Hidden", &show_hidden_)) Refresh();
  if (!target.empty()) Navigate(target);
}

void FileBrowser::DrawRecent() {
  if (recent_shown_.empty()) return;
  if (!ImGui::CollapsingHeader("Recent", ImGuiTreeNodeFlags_DefaultOpen)) return;
  std::string choose;
  for (std::size_t i = 0; i < recent_shown_.size(); ++i) {
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::Selectable("##recent", false)) choose = recent_shown_[i];
    ImGui::SameLine(0.0f, 0.0f);
    ImGui::TextUnformatted(recent_shown_[i].c_str());
    ImGui::PopID();
  }
  if (!choose.empty()) Choose(choose);
}

void FileBrowser::DrawTable(float height) {
  const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                ImGuiTableFlags_BordersV | ImGuiTableFlags_Resizable;
  // Opening: a Kind column, what each file holds as read from its content.
  const bool kinds = mode_ == Mode::kLoad;
  if (!ImGui::BeginTable("##listing", kinds ? 4 : 3, flags, {0.0f, height})) return;
  const float em = ImGui::GetFontSize();
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("Name", ImGuiTableColumnFlags_WidthStretch);
  if (kinds) ImGui::TableSetupColumn("Kind", ImGuiTableColumnFlags_WidthFixed, em * 8.0f);
  ImGui::TableSetupColumn("Size", ImGuiTableColumnFlags_WidthFixed, em * 6.0f);
  ImGui::TableSetupColumn("Modified", ImGuiTableColumnFlags_WidthFixed, em * 9.0f);
  ImGui::TableHeadersRow();
  const FileFilter& filter = filters_[static_cast<std::size_t>(filter_)];
  std::string enter, choose;
  const bool double_click_ok = ImGui::GetTime() - navigated_at_ > ImGui::GetIO().MouseDoubleClickTime;
  int shown = 0;
  for (std::size_t i = 0; i < listing_.entries.size(); ++i) {
    const DirectoryEntry& entry = listing_.entries[i];
    if (!entry.is_folder && filter.accepts && !filter.accepts(entry)) continue;
    ++shown;
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::PushID(static_cast<int>(i));
    const bool selected = !entry.is_folder && entry.path == selected_;
    if (ImGui::Selectable("##row", selected, ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowDoubleClick)) {
      if (entry.is_folder) {
        enter = entry.path;
      } else {
        selected_ = entry.path;
        CopyTo(typed_, sizeof typed_, entry.name);
        if (mode_ == Mode::kSave) CopyTo(name_, sizeof name_, entry.name);
        if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left) && double_click_ok) choose = entry.path;
      }
    }
    ImGui::SameLine(0.0f, 0.0f);
    // Names may be any UTF-8 (唐诗.txt): drawn as text, never parsed as a format string or label.
    if (entry.is_folder) {
      ImGui::TextUnformatted((entry.name + "/").c_str());
    } else {
      ImGui::TextUnformatted(entry.name.c_str());
    }
    int column = 1;
    if (kinds) {
      ImGui::TableSetColumnIndex(column++);
      ImGui::TextDisabled("%s", KindLabel(entry).c_str());
    }
    ImGui::TableSetColumnIndex(column++);
    if (!entry.is_folder) ImGui::TextUnformatted(HumanSize(entry.size).c_str());
    ImGui::TableSetColumnIndex(column);
    ImGui::TextUnformatted(FormatModified(entry.modified).c_str());
    ImGui::PopID();
  }
  if (shown == 0) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextDisabled(listing_.entries.empty() ? "(empty folder)" : "(no file matches the filter)");
  }
  ImGui::EndTable();
  if (!enter.empty()) Navigate(enter);
  if (!choose.empty()) Choose(choose);
}

void FileBrowser::DrawFooter() {
  const float em = ImGui::GetFontSize();
  const float buttons_w = em * 12.0f + ImGui::GetStyle().ItemSpacing.x;
  const bool load = mode_ == Mode::kLoad;
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(load ? "Path     " : "Go to    ");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-FLT_MIN);
  if (ImGui::IsWindowAppearing() && load) ImGui::SetKeyboardFocusHere();
  if (ImGui::InputTextWithHint("##typed", "a file or folder: ~/data/text.txt, ../runs, /tmp", typed_, sizeof typed_,
                               ImGuiInputTextFlags_EnterReturnsTrue)) {
    SubmitTypedPath(typed_);
  }
  ImGui::AlignTextToFramePadding();
  bool accept = false;
  if (load) {
    ImGui::TextUnformatted("Show     ");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(std::max(em * 8.0f, ImGui::GetContentRegionAvail().x - buttons_w - ImGui::GetStyle().ItemSpacing.x));
    if (ImGui::BeginCombo("##filter", filters_[static_cast<std::size_t>(filter_)].label.c_str())) {
      for (std::size_t i = 0; i < filters_.size(); ++i) {
        if (ImGui::Selectable(filters_[i].label.c_str(), static_cast<int>(i) == filter_)) filter_ = static_cast<int>(i);
      }
      ImGui::EndCombo();
    }
  } else {
    ImGui::TextUnformatted("File name");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(std::max(em * 8.0f, ImGui::GetContentRegionAvail().x - buttons_w - ImGui::GetStyle().ItemSpacing.x));
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    accept = ImGui::InputText("##name", name_, sizeof name_, ImGuiInputTextFlags_EnterReturnsTrue);
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(load ? selected_.empty() : name_[0] == '\0');
  accept = ImGui::Button(load ? "Open" : "Save", {em * 6.0f, 0.0f}) || accept;
  ImGui::EndDisabled();
  ImGui::SameLine();
  const bool escape = !overwrite_pending_ && !ImGui::IsPopupOpen(kOverwriteId) &&
                      ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape));
  if (ImGui::Button("Cancel", {em * 6.0f, 0.0f}) || escape) Cancel();
  if (accept) {
    if (load) {
      Choose(selected_);
    } else {
      SubmitTypedPath(name_);  // a name, or a path with folders ("runs/x.png", "~/x.png")
    }
  }
  if (!error_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4{1.0f, 0.45f, 0.4f, 1.0f});
    ImGui::TextUnformatted(error_.c_str());
    ImGui::PopStyleColor();
  } else {
    ImGui::TextDisabled("%zu entries in this folder", listing_.entries.size());
  }
}

void FileBrowser::DrawOverwriteConfirmation() {
  if (overwrite_pending_) {
    ImGui::OpenPopup(kOverwriteId);
    overwrite_pending_ = false;
  }
  if (!ImGui::BeginPopupModal(kOverwriteId, nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  ImGui::TextUnformatted(fs::path(overwrite_).filename().string().c_str());
  ImGui::TextUnformatted("already exists. Replace it?");
  ImGui::TextDisabled("%s", overwrite_.c_str());
  const float em = ImGui::GetFontSize();
  if (ImGui::Button("Replace", {em * 6.0f, 0.0f})) {
    ImGui::CloseCurrentPopup();
    Finish(overwrite_);
  }
  ImGui::SameLine();
  if (ImGui::Button("Keep it", {em * 6.0f, 0.0f}) || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

}  // namespace rnnscope
