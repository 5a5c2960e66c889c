// Global keyboard shortcuts (listed in the help panel). Ignored while a text field is active so
// typing a probe text never pauses training.
#pragma once

namespace rnnscope {

struct Snapshot;
struct UiState;

// Call once per frame between ImGui::NewFrame and the panels.
void HandleShortcuts(const Snapshot& snapshot, UiState& state);

}  // namespace rnnscope
