// A panel is one ImGui window. The base class owns Begin/End, visibility and the default
// placement; a subclass implements only DrawContent (docs/architecture.md §4, after ImHex's views).
#pragma once

#include <imgui.h>

#include <optional>
#include <string>

#include "train/snapshot_export.h"

namespace rnnscope {

struct Snapshot;
struct UiState;

class Panel {
 public:
  // `title` is shown; `id` is the stable ImGui/ini identity ("Gates###gates").
  Panel(std::string title, std::string id, bool open = true);
  virtual ~Panel() = default;
  Panel(const Panel&) = delete;
  Panel& operator=(const Panel&) = delete;

  // Begin, DrawContent, End; does nothing while closed.
  void Draw(const Snapshot& snapshot, UiState& state);
  virtual void DrawContent(const Snapshot& snapshot, UiState& state) = 0;
  virtual ImGuiWindowFlags Flags() const { return ImGuiWindowFlags_None; }
  // Pop-up style panels (help) are toggled, never tiled by the default layout.
  virtual bool Floating() const { return false; }
  // Lets a panel mirror shared state into its own visibility (help follows show_help).
  virtual void SyncOpen(UiState& /*state*/) {}
  // The numbers behind what the panel draws, for "Save CSV…" (io/snapshot_export.h builds
  // them from the same Snapshot). nullopt: the panel has no data view (controls, help).
  virtual std::optional<CsvTable> ExportCsv(const Snapshot& /*snapshot*/, const UiState& /*state*/) const {
    return std::nullopt;
  }

  // Export support (ui/export_dialog.h): the right-click menu on the title bar or tab that was
  // just submitted, and the screen rectangle the panel covered in the frame drawn last, which
  // "Save PNG…" reads back from the framebuffer.
  void ExportContextMenu(const Snapshot& snapshot, UiState& state);
  void RecordRect();  // the current ImGui window's rectangle (a tab records its child region)
  ImVec2 rect_min() const { return rect_min_; }
  ImVec2 rect_max() const { return rect_max_; }
  int drawn_frame() const { return drawn_frame_; }  // ImGui::GetFrameCount() of the last draw

  const std::string& title() const { return title_; }
  const std::string& id() const { return id_; }  // stable name, also used by --show
  bool& open() { return open_; }
  // Placement applied on the next Draw: `force` overrides what the user (or the ini) chose.
  void PlaceAt(ImVec2 pos, ImVec2 size, bool force);
  // Brings the window to the front on its next Draw (a breakpoint firing, --show).
  void RequestFocus() { focus_pending_ = true; }
  // Panels draw no background of their own (theme.cpp: the frame is cleared to the panel
  // colour); one that overlaps another panel must cover what lies beneath it.
  void SetOpaque(bool opaque) { opaque_ = opaque; }

 protected:
  std::string title_;
  std::string id_;
  std::string window_name_;  // title###id

 private:
  bool open_;
  bool place_pending_ = false;
  bool focus_pending_ = false;
  bool place_force_ = false;
  bool opaque_ = true;
  ImVec2 place_pos_{}, place_size_{};
  ImVec2 rect_min_{}, rect_max_{};
  int drawn_frame_ = -1;
};

}  // namespace rnnscope
