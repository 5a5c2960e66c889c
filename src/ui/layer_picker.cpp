#include "ui/layer_picker.h"

#include <imgui.h>

#include <string>

#include "train/snapshot.h"
#include "ui/ui_state.h"

namespace rnnscope {

void LayerPicker(const Snapshot& snapshot, UiState& state) {
  const int layers = std::max(1, snapshot.config.layers);
  const int directions = snapshot.config.Directions();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("layer");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 3.5f);
  ImGui::BeginDisabled(layers <= 1);
  if (ImGui::BeginCombo("##layer", std::to_string(state.layer).c_str())) {
    for (int l = 0; l < layers; ++l) {
      if (ImGui::Selectable(std::to_string(l).c_str(), l == state.layer)) state.layer = l;
    }
    ImGui::EndCombo();
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::TextUnformatted("direction");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6.0f);
  static const char* kNames[] = {"forward", "reverse"};
  ImGui::BeginDisabled(directions <= 1);
  if (ImGui::BeginCombo("##direction", kNames[state.direction & 1])) {
    for (int d = 0; d < directions; ++d) {
      if (ImGui::Selectable(kNames[d], d == state.direction)) state.direction = d;
    }
    ImGui::EndCombo();
  }
  ImGui::EndDisabled();
}

const LayerTrace* SelectedTrace(const Snapshot& snapshot, const UiState& state) {
  for (const LayerTrace& trace : snapshot.layers) {
    if (trace.layer == state.layer && trace.direction == state.direction) return &trace;
  }
  return nullptr;
}

}  // namespace rnnscope
