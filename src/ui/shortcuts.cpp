#include "ui/shortcuts.h"

#include <GLFW/glfw3.h>  // key codes: ImGui 1.86's backend indexes io.KeysDown by GLFW key
#include <imgui.h>

#include <algorithm>

#include "train/snapshot.h"
#include "ui/ui_state.h"

namespace rnnscope {

void HandleShortcuts(const Snapshot& snapshot, UiState& state) {
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  auto pressed = [](int key) { return ImGui::IsKeyPressed(key, true); };
  // Characters rather than key codes for '.' and '?' so they work on any keyboard layout.
  bool period = false, question = false, prev_layer = false, next_layer = false;
  for (int i = 0; i < io.InputQueueCharacters.Size; ++i) {
    period |= io.InputQueueCharacters[i] == '.';
    question |= io.InputQueueCharacters[i] == '?';
    prev_layer |= io.InputQueueCharacters[i] == '[';
    next_layer |= io.InputQueueCharacters[i] == ']';
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_SPACE, false)) state.Send(PauseCommand{!snapshot.paused});
  if (period) state.Send(StepCommand{1});
  if (ImGui::IsKeyPressed(GLFW_KEY_F1, false) || question) state.show_help = !state.show_help;
  const int steps = static_cast<int>(snapshot.probe_tokens.size());
  const int units = snapshot.config.hidden;
  if (pressed(GLFW_KEY_LEFT)) state.cursor_t = std::max(0, state.cursor_t - 1);
  if (pressed(GLFW_KEY_RIGHT)) state.cursor_t = std::min(std::max(0, steps - 1), state.cursor_t + 1);
  if (pressed(GLFW_KEY_HOME)) state.cursor_t = 0;
  if (pressed(GLFW_KEY_END)) state.cursor_t = std::max(0, steps - 1);
  if (pressed(GLFW_KEY_UP)) state.selected_unit = std::max(0, state.selected_unit - 1);
  if (pressed(GLFW_KEY_DOWN)) state.selected_unit = std::min(std::max(0, units - 1), state.selected_unit + 1);
  // [ / ] (or PageUp / PageDown) walk through the traces in snapshot order: layer 0 forward,
  // layer 0 reverse, layer 1, ... (and the decoder last in seq2seq snapshots).
  const int delta = (prev_layer || pressed(GLFW_KEY_PAGE_UP) ? -1 : 0) + (next_layer || pressed(GLFW_KEY_PAGE_DOWN) ? 1 : 0);
  if (delta != 0 && !snapshot.layers.empty()) {
    const int count = static_cast<int>(snapshot.layers.size());
    int index = 0;
    for (int i = 0; i < count; ++i) {
      const LayerTrace& trace = snapshot.layers[static_cast<std::size_t>(i)];
      if (trace.layer == state.layer && trace.direction == state.direction) index = i;
    }
    const LayerTrace& next = snapshot.layers[static_cast<std::size_t>(std::clamp(index + delta, 0, count - 1))];
    state.layer = next.layer;
    state.direction = next.direction;
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_P, false)) {
    auto& pins = state.pinned_units;
    const auto it = std::find(pins.begin(), pins.end(), state.selected_unit);
    if (it != pins.end()) {
      pins.erase(it);
    } else if (pins.size() < 6) {
      pins.push_back(state.selected_unit);
    }
  }
}

}  // namespace rnnscope
