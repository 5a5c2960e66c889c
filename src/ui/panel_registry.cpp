#include "ui/panel_registry.h"

#include <algorithm>

#include "train/snapshot.h"
#include "ui/ui_state.h"

namespace rnnscope {
namespace {

enum Slot { kControls, kLoss, kGates, kStates, kHelp };

}  // namespace

PanelRegistry::PanelRegistry() {
  // Order = Slot order (the layout indexes by it) and the order of the View menu.
  panels_.push_back(MakeControlsPanel());
  panels_.push_back(MakeLossPanel());
  panels_.push_back(MakeGatesPanel());
  panels_.push_back(MakeStatesPanel());
  panels_.push_back(MakeHelpPanel());
}

void PanelRegistry::Layout(ImVec2 pos, ImVec2 size, bool force) {
  // Controls column on the left; loss and states side by side on top; gates get the widest,
  // tallest area because they hold 1–4 heatmaps.
  const float controls_w = std::clamp(size.x * 0.24f, 280.0f, 380.0f);
  const float rest_x = pos.x + controls_w, rest_w = size.x - controls_w;
  const float top_h = std::round(size.y * 0.42f);
  const float loss_w = std::round(rest_w * 0.44f);
  panels_[kControls]->PlaceAt(pos, {controls_w, size.y}, force);
  panels_[kLoss]->PlaceAt({rest_x, pos.y}, {loss_w, top_h}, force);
  panels_[kStates]->PlaceAt({rest_x + loss_w, pos.y}, {rest_w - loss_w, top_h}, force);
  panels_[kGates]->PlaceAt({rest_x, pos.y + top_h}, {rest_w, size.y - top_h}, force);
  const ImVec2 help = {std::min(560.0f, size.x - 40.0f), std::min(440.0f, size.y - 40.0f)};
  panels_[kHelp]->PlaceAt({pos.x + (size.x - help.x) * 0.5f, pos.y + (size.y - help.y) * 0.5f},
                          help, force);
}

float PanelRegistry::DrawMenuBar(UiState& state) {
  float height = 0.0f;
  if (ImGui::BeginMainMenuBar()) {
    if (ImGui::BeginMenu("View")) {
      for (auto& panel : panels_) {
        if (panel->Floating()) continue;
        ImGui::MenuItem(panel->title().c_str(), nullptr, &panel->open());
      }
      ImGui::Separator();
      if (ImGui::MenuItem("Reset layout")) reset_requested_ = true;
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Help")) {
      ImGui::MenuItem("Keyboard shortcuts", "F1", &state.show_help);
      ImGui::EndMenu();
    }
    height = ImGui::GetWindowSize().y;
    ImGui::EndMainMenuBar();
  }
  return height;
}

void PanelRegistry::DrawErrorModal(const Snapshot& snapshot) {
  // A new error opens the modal once; dismissing it keeps it closed until the text changes.
  if (!snapshot.error.empty() && snapshot.error != shown_error_) {
    shown_error_ = snapshot.error;
    ImGui::OpenPopup("Trainer error");
  }
  if (ImGui::BeginPopupModal("Trainer error", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36.0f);
    ImGui::TextUnformatted(shown_error_.c_str());
    ImGui::PopTextWrapPos();
    if (ImGui::Button("OK", {120.0f, 0.0f})) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

void PanelRegistry::DrawAll(const Snapshot& snapshot, UiState& state) {
  const float menu_h = DrawMenuBar(state);
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const bool first = last_display_.x == 0.0f;
  const bool resized = !first && (display.x != last_display_.x || display.y != last_display_.y);
  if (first || resized || reset_requested_) {
    Layout({0.0f, menu_h}, {display.x, display.y - menu_h}, resized || reset_requested_);
    last_display_ = display;
    reset_requested_ = false;
  }
  for (auto& panel : panels_) panel->Draw(snapshot, state);
  DrawErrorModal(snapshot);
}

}  // namespace rnnscope
