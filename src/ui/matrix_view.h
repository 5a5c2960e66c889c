// A labelled matrix heatmap for views whose axes are not (units × timesteps): attention
// (output tokens × source tokens) and weight matrices (rows × columns). Unlike HeatmapView it
// never touches the shared cursor/unit by itself; it reports the hovered and clicked cell and
// the caller decides what that means.
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

#include "core/tensor.h"
#include "viz/heatmap.h"

namespace rnnscope {

struct UiState;

struct MatrixViewSpec {
  std::string key;                 // HeatmapCache key
  std::string title;               // drawn above the map
  const MatF* data = nullptr;
  uint64_t version = 0;            // re-upload only when it changes
  HeatmapStyle style;
  const std::vector<std::string>* row_labels = nullptr;  // null: row indices
  const std::vector<std::string>* col_labels = nullptr;  // null: column indices
  int highlight_col = -1;          // outlined column (e.g. the shared cursor)
  int highlight_row = -1;          // outlined row
  std::vector<int> marked_rows = {};  // outlined in red, label too (e.g. overwritten attention rows)
  bool tooltip = true;             // default "row, col: value" tooltip on hover
};

struct MatrixViewResult {
  int hovered_row = -1, hovered_col = -1;
  bool clicked = false;
};

MatrixViewResult MatrixView(const MatrixViewSpec& spec, ImVec2 size, UiState& state);

}  // namespace rnnscope
