#include "ui/panel.h"

#include "train/snapshot.h"
#include "ui/export_dialog.h"
#include "ui/ui_state.h"

namespace rnnscope {

Panel::Panel(std::string title, std::string id, bool open)
    : title_(std::move(title)), id_(std::move(id)), window_name_(title_ + "###" + id_), open_(open) {}

void Panel::PlaceAt(ImVec2 pos, ImVec2 size, bool force) {
  place_pending_ = true;
  place_force_ = force;
  place_pos_ = pos;
  place_size_ = size;
}

void Panel::Draw(const Snapshot& snapshot, UiState& state) {
  SyncOpen(state);
  if (!open_) return;
  if (place_pending_) {
    // FirstUseEver keeps a layout restored from the user's ini; Always is for window resizes
    // and "Reset layout".
    const ImGuiCond cond = place_force_ ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
    ImGui::SetNextWindowPos(place_pos_, cond);
    ImGui::SetNextWindowSize(place_size_, cond);
    place_pending_ = false;
  }
  if (focus_pending_) {
    ImGui::SetNextWindowFocus();
    focus_pending_ = false;
  }
  if (opaque_) ImGui::SetNextWindowBgAlpha(1.0f);
  const bool visible = ImGui::Begin(window_name_.c_str(), &open_, Flags());
  // Right after Begin the "last item" is the title bar: right-clicking it opens the export menu
  // (heatmaps use right-click inside the view to pin units, so the menu lives on the title).
  ExportContextMenu(snapshot, state);
  if (visible) {
    RecordRect();
    DrawContent(snapshot, state);
  }
  ImGui::End();
}

void Panel::ExportContextMenu(const Snapshot& snapshot, UiState& state) {
  if (state.exporter == nullptr) return;
  if (ImGui::BeginPopupContextItem("##export")) {
    state.exporter->MenuItems(*this, snapshot, state);
    ImGui::EndPopup();
  }
}

void Panel::RecordRect() {
  rect_min_ = ImGui::GetWindowPos();
  const ImVec2 size = ImGui::GetWindowSize();
  rect_max_ = {rect_min_.x + size.x, rect_min_.y + size.y};
  drawn_frame_ = ImGui::GetFrameCount();
}

}  // namespace rnnscope
