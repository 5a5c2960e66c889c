// The heatmap widget every (units × timesteps) panel uses: title, unit labels, token labels on
// the time axis, a colour bar, the shared cursor, hover readout and click-to-select.
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

#include "core/tensor.h"
#include "viz/heatmap.h"

namespace rnnscope {

struct UiState;

struct HeatmapViewSpec {
  std::string key;          // HeatmapCache key; must identify what `data` is
  std::string title;        // drawn above the map, e.g. "f  forget gate"
  const MatF* data = nullptr;  // (units, timesteps)
  uint64_t version = 0;     // snapshot version: re-upload only when it changes
  HeatmapStyle style;
  const std::vector<std::string>* tokens = nullptr;  // visible tokens for the time axis
  bool colorbar = true;
  bool unit_labels = true;
};

// Draws the widget filling `size`. Clicking sets state.cursor_t and state.selected_unit;
// right-clicking pins or unpins the unit.
void HeatmapView(const HeatmapViewSpec& spec, ImVec2 size, UiState& state);

// Draws a vertical colour bar with min/max labels at `pos`; returns its width.
float ColorBar(ImDrawList* draw, ImVec2 pos, float height, Colormap map, ValueRange range);
float ColorBarWidth(ValueRange range);

}  // namespace rnnscope
