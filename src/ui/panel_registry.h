// The one list of panels, their default tiled layout and the main menu that toggles them.
// Adding a panel = one factory declaration here and one line in PanelRegistry's constructor.
#pragma once

#include <imgui.h>

#include <memory>
#include <vector>

#include "ui/panel.h"

namespace rnnscope {

std::unique_ptr<Panel> MakeControlsPanel();
std::unique_ptr<Panel> MakeLossPanel();
std::unique_ptr<Panel> MakeGatesPanel();
std::unique_ptr<Panel> MakeStatesPanel();
std::unique_ptr<Panel> MakeHelpPanel();

class PanelRegistry {
 public:
  PanelRegistry();

  // Menu bar, every open panel, and the trainer's error modal. Lays panels out first whenever
  // the display size changed (force) or on the first frame (ini layouts win over defaults).
  void DrawAll(const Snapshot& snapshot, UiState& state);
  // Tiles every non-floating panel into the rectangle below the menu bar.
  void Layout(ImVec2 pos, ImVec2 size, bool force);

 private:
  float DrawMenuBar(UiState& state);  // returns the bar's height
  void DrawErrorModal(const Snapshot& snapshot);

  std::vector<std::unique_ptr<Panel>> panels_;
  ImVec2 last_display_{0, 0};
  bool reset_requested_ = false;
  std::string shown_error_;
};

}  // namespace rnnscope
