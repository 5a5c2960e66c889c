// The one list of panels, their default tiled layout and the main menu that toggles them.
// Adding a panel = one factory declaration here and one line in PanelRegistry's constructor.
#pragma once

#include <imgui.h>

#include <memory>
#include <vector>

#include "ui/export_dialog.h"
#include "ui/panel.h"

namespace rnnscope {

std::unique_ptr<Panel> MakeControlsPanel();
std::unique_ptr<Panel> MakeLossPanel();
std::unique_ptr<Panel> MakeGatesPanel();
std::unique_ptr<Panel> MakeStatesPanel();
std::unique_ptr<Panel> MakeHelpPanel();
std::unique_ptr<Panel> MakeGradientsPanel();
std::unique_ptr<Panel> MakeStepThroughPanel();
std::unique_ptr<Panel> MakeAttentionPanel();
std::unique_ptr<Panel> MakeProbePanel();
std::unique_ptr<Panel> MakeSamplesPanel();
std::unique_ptr<Panel> MakeWeightsPanel();
// The debugger (docs/debugger.md), tabs of the "Debug" window.
std::unique_ptr<Panel> MakeBreakpointsPanel();
std::unique_ptr<Panel> MakeInterventionsPanel();
std::unique_ptr<Panel> MakeCellFinderPanel();
std::unique_ptr<Panel> MakeManualLstmPanel();
// State space, fixed points, the Jacobian along the probe, G (train/dynamics_worker.h); closed until asked for.
std::unique_ptr<Panel> MakeDynamicsPanel();
// Side-by-side runs in columns (ui/compare.h); opened when runs start.
std::unique_ptr<Panel> MakeComparePanel();

// A window whose tabs are other panels' contents: views that need room but not all the time
// (attention, probe, samples, weights; the debugger's panels) share one tile and are each one
// click away.
class TabHostPanel final : public Panel {
 public:
  TabHostPanel(std::string title, std::string id, std::vector<Panel*> tabs, bool open = true);
  void DrawContent(const Snapshot& snapshot, UiState& state) override;
  bool Has(const Panel* panel) const;
  void Select(const Panel* panel) { select_ = panel; }
  const Panel* current() const { return current_; }

 private:
  std::vector<Panel*> tabs_;  // owned by the registry
  const Panel* select_ = nullptr;   // tab to bring forward on the next frame
  const Panel* current_ = nullptr;  // tab drawn last frame
  std::string last_task_;
};

class PanelRegistry {
 public:
  PanelRegistry();

  // Menu bar, every open panel, and the trainer's error modal. Lays panels out first whenever
  // the display size changed (force) or on the first frame (ini layouts win over defaults).
  void DrawAll(const Snapshot& snapshot, UiState& state);
  // Tiles every non-floating panel into the rectangle below the menu bar.
  void Layout(ImVec2 pos, ImVec2 size, bool force);
  // Opens the panel with this id (a tab is brought to the front); false if no such panel.
  bool Show(const std::string& id);
  // Panel ids, for --show's help and errors.
  std::vector<std::string> Ids() const;
  Panel* Find(const std::string& id);  // nullptr if no such panel
  Exporter& exporter() { return exporter_; }

 private:
  float DrawMenuBar(const Snapshot& snapshot, UiState& state);  // returns the bar's height
  void DrawFileMenu(const Snapshot& snapshot, UiState& state);
  void DrawErrorModal(const Snapshot& snapshot);
  // The tab host showing `panel`, or nullptr for a panel that is a window of its own.
  TabHostPanel* HostOf(const Panel* panel) const;
  bool NeedsBackground(const Panel& panel) const;

  std::vector<std::unique_ptr<Panel>> panels_;
  TabHostPanel* tabs_ = nullptr;   // "Inspect", one of panels_
  TabHostPanel* debug_ = nullptr;  // "Debug" (breakpoints, interventions, ...), one of panels_
  std::string shown_breakpoint_;   // the hit that last brought the breakpoints tab forward
  ImVec2 last_display_{0, 0};
  bool reset_requested_ = false;
  bool seq2seq_layout_ = false;
  std::string shown_error_;
  Exporter exporter_;
};

}  // namespace rnnscope
