#include "ui/layer_picker.h"

#include <imgui.h>

#include <string>

#include "train/snapshot.h"
#include "ui/ui_state.h"

namespace rnnscope {

void LayerPicker(const Snapshot& snapshot, UiState& state) {
  // Counted from the traces (see UiState::Clamp): seq2seq snapshots list encoder + decoder.
  int layers = std::max(1, snapshot.config.layers), directions = snapshot.config.Directions();
  for (const LayerTrace& trace : snapshot.layers) {
    layers = std::max(layers, trace.layer + 1);
    directions = std::max(directions, trace.direction + 1);
  }
  // In seq2seq snapshots the last trace is the decoder; name it rather than show a number.
  const bool seq2seq = !snapshot.attention.empty() && !snapshot.layers.empty();
  const int decoder_layer = seq2seq ? snapshot.layers.back().layer : -1;
  auto layer_name = [&](int l) { return l == decoder_layer ? std::string("dec") : (seq2seq ? "enc " : "") + std::to_string(l); };
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("layer");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * (seq2seq ? 4.5f : 3.5f));
  ImGui::BeginDisabled(layers <= 1);
  if (ImGui::BeginCombo("##layer", layer_name(state.layer).c_str())) {
    for (int l = 0; l < layers; ++l) {
      if (ImGui::Selectable(layer_name(l).c_str(), l == state.layer)) state.layer = l;
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
