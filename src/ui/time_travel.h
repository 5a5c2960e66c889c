// Time travel under the loss plot: the checkpoint ring's kept steps as ticks on the plot's own
// step axis, one picked step (click or drag on the strip or the plot), "Replay from here" and
// "Branch from here" (RewindCommand), and the ring's interval, cap and memory in use.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <string>
#include <vector>

#include "train/snapshot.h"
#include "viz/plot.h"

namespace rnnscope {

struct UiState;

// Colour of the i-th branch curve; the active line keeps the loss panel's blue.
ImU32 BranchColor(std::size_t index);

class TimeTravelBar {
 public:
  // Height the strip and its control row need below the plot.
  static float Height();

  // Call right after the loss plot: `plot` gives its area and x range; `plot_active` is true
  // while the mouse button is held on the plot (dragging picks the nearest kept step).
  void Draw(const Snapshot& snapshot, UiState& state, const PlotResult& plot, bool plot_active);

  // The picked checkpoint step, -1 when none (drawn as the loss plot's cursor line).
  int64_t picked() const { return picked_; }
  // The step of the best validation so far (-1: none), marked on the strip; its nearest kept
  // checkpoint is one click away.
  void SetBestStep(int64_t step) { best_step_ = step; }

 private:
  void Pick(const std::vector<int64_t>& kept, double step);
  void DrawStrip(const Snapshot& snapshot, const PlotResult& plot);
  void DrawControls(const Snapshot& snapshot, UiState& state);
  void DrawBranchPopup(UiState& state);
  void DrawRingPopup(const Snapshot& snapshot, UiState& state);

  int64_t picked_ = -1;
  int64_t best_step_ = -1;
  TrainSettings branch_settings_;  // the new line's hyperparameters, edited in the popup
  std::string branch_label_;
  int ring_interval_ = 50;         // edited in the ring popup, sent on Apply
  int ring_cap_mib_ = 64;
};

}  // namespace rnnscope
