#include "ui/matrix_view.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "ui/heatmap_view.h"
#include "ui/ui_state.h"

namespace rnnscope {
namespace {

const ImU32 kAccent = IM_COL32(255, 210, 90, 255);
const ImU32 kMarked = IM_COL32(255, 80, 80, 255);

std::string Label(const std::vector<std::string>* labels, int i) {
  if (labels != nullptr && i < static_cast<int>(labels->size())) return (*labels)[static_cast<std::size_t>(i)];
  return std::to_string(i);
}

// Every k-th index label so neighbours never touch; k from a 1-2-5 style list so ticks land on
// round numbers.
int LabelStride(float cell, float needed) {
  const int every = std::max(1, static_cast<int>(std::ceil(needed / std::max(cell, 1e-3f))));
  for (int n : {1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 256, 512, 1024}) {
    if (n >= every) return n;
  }
  return every;
}

}  // namespace

MatrixViewResult MatrixView(const MatrixViewSpec& spec, ImVec2 size, UiState& state) {
  MatrixViewResult result;
  ImGui::PushID(spec.key.c_str());
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##matrix", size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float line_h = ImGui::GetTextLineHeight();
  const ImU32 text_dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  if (!spec.title.empty()) draw->AddText(origin, ImGui::GetColorU32(ImGuiCol_Text), spec.title.c_str());
  const float top = spec.title.empty() ? 0.0f : line_h + 4.0f;
  if (spec.data == nullptr || spec.data->size() == 0) {
    draw->AddText({origin.x, origin.y + top}, text_dim, "no data");
    ImGui::PopID();
    return result;
  }
  const MatF& data = *spec.data;
  const int rows = static_cast<int>(data.rows()), cols = static_cast<int>(data.cols());
  Heatmap& heatmap = state.heatmaps.Get(spec.key);
  heatmap.SetData(data, spec.version);
  const ValueRange range = heatmap.Range(spec.style);

  // Geometry: [row labels | image | colour bar], title above, column labels below.
  float label_w = 0.0f;
  for (int r = 0; r < rows; ++r) label_w = std::max(label_w, ImGui::CalcTextSize(Label(spec.row_labels, r).c_str()).x);
  label_w += 8.0f;
  const float bar_w = ColorBarWidth(range) + 8.0f;
  const ImVec2 img_min = {origin.x + label_w, origin.y + top};
  const ImVec2 img_max = {origin.x + size.x - bar_w, origin.y + size.y - line_h - 4.0f};
  const float img_w = img_max.x - img_min.x, img_h = img_max.y - img_min.y;
  if (img_w < 8.0f || img_h < 8.0f) {
    ImGui::PopID();
    return result;
  }
  const ImVec2 scale = ImGui::GetIO().DisplayFramebufferScale;
  const GLuint texture = heatmap.Render(static_cast<int>(img_w * scale.x + 0.5f),
                                        static_cast<int>(img_h * scale.y + 0.5f), spec.style);
  // FBO images have GL's bottom-left origin: flip v so row 0 is at the top.
  draw->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture)), img_min, img_max, {0, 1}, {1, 0});
  draw->AddRect({img_min.x - 1, img_min.y - 1}, {img_max.x + 1, img_max.y + 1}, ImGui::GetColorU32(ImGuiCol_Border));
  ColorBar(draw, {img_max.x + 8.0f, img_min.y}, img_h, spec.style.map, range);

  const float cell_w = img_w / static_cast<float>(cols), cell_h = img_h / static_cast<float>(rows);
  const int row_every = spec.row_labels ? LabelStride(cell_h, line_h) : LabelStride(cell_h, line_h * 1.1f);
  for (int r = 0; r < rows; r += row_every) {
    const std::string label = Label(spec.row_labels, r);
    const float y = img_min.y + cell_h * (static_cast<float>(r) + 0.5f) - line_h * 0.5f;
    const bool marked = std::find(spec.marked_rows.begin(), spec.marked_rows.end(), r) != spec.marked_rows.end();
    draw->AddText({img_min.x - 6.0f - ImGui::CalcTextSize(label.c_str()).x, y},
                  marked ? kMarked : r == spec.highlight_row ? kAccent : text_dim, label.c_str());
  }
  // Column labels: tokens greedily (each drawn if it clears the previous one), indices on a
  // round stride.
  const int col_every = spec.col_labels ? 1 : LabelStride(cell_w, ImGui::CalcTextSize(std::to_string(cols - 1).c_str()).x + 6.0f);
  float last_right = -1e9f;
  for (int c = 0; c < cols; c += col_every) {
    const std::string label = Label(spec.col_labels, c);
    const float w = ImGui::CalcTextSize(label.c_str()).x;
    const float x = img_min.x + cell_w * (static_cast<float>(c) + 0.5f) - w * 0.5f;
    if (x < last_right + 2.0f) continue;
    draw->AddText({x, img_max.y + 3.0f}, c == spec.highlight_col ? kAccent : text_dim, label.c_str());
    last_right = x + w;
  }
  if (spec.highlight_col >= 0 && spec.highlight_col < cols) {
    const float x0 = img_min.x + cell_w * static_cast<float>(spec.highlight_col);
    draw->AddRect({x0 - 1.0f, img_min.y - 1.0f}, {x0 + std::max(cell_w, 2.0f) + 1.0f, img_max.y + 1.0f}, IM_COL32(255, 255, 255, 200), 0.0f, 0, 1.5f);
  }
  for (int r : spec.marked_rows) {
    if (r < 0 || r >= rows) continue;
    const float y0 = img_min.y + cell_h * static_cast<float>(r);
    draw->AddRect({img_min.x - 2.0f, y0 - 1.0f}, {img_max.x + 2.0f, y0 + std::max(cell_h, 2.0f) + 1.0f}, kMarked, 0.0f, 0, 2.5f);
  }
  if (spec.highlight_row >= 0 && spec.highlight_row < rows) {
    const float y0 = img_min.y + cell_h * static_cast<float>(spec.highlight_row);
    draw->AddRect({img_min.x - 1.0f, y0 - 1.0f}, {img_max.x + 1.0f, y0 + std::max(cell_h, 2.0f) + 1.0f}, kAccent, 0.0f, 0, 1.5f);
  }

  const ImVec2 mouse = ImGui::GetIO().MousePos;
  if (hovered && mouse.x >= img_min.x && mouse.x < img_max.x && mouse.y >= img_min.y && mouse.y < img_max.y) {
    result.hovered_col = std::clamp(static_cast<int>((mouse.x - img_min.x) / cell_w), 0, cols - 1);
    result.hovered_row = std::clamp(static_cast<int>((mouse.y - img_min.y) / cell_h), 0, rows - 1);
    result.clicked = ImGui::IsMouseClicked(ImGuiMouseButton_Left);
    const ImVec2 c0 = {img_min.x + cell_w * static_cast<float>(result.hovered_col),
                       img_min.y + cell_h * static_cast<float>(result.hovered_row)};
    draw->AddRect(c0, {c0.x + cell_w, c0.y + cell_h}, IM_COL32(255, 255, 255, 255));
    if (spec.tooltip) {
      ImGui::BeginTooltip();
      ImGui::TextUnformatted(spec.title.c_str());
      ImGui::Text("[%d, %d]  % .5g", result.hovered_row, result.hovered_col,
                  static_cast<double>(data(result.hovered_row, result.hovered_col)));
      ImGui::EndTooltip();
    }
  }
  ImGui::PopID();
  return result;
}

}  // namespace rnnscope
