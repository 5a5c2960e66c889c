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
  bool period = false, question = false;
  for (int i = 0; i < io.InputQueueCharacters.Size; ++i) {
    period |= io.InputQueueCharacters[i] == '.';
    question |= io.InputQueueCharacters[i] == '?';
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
