#include "ui/heatmap_view.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "ui/ui_state.h"
#include "viz/plot.h"

namespace rnnscope {
namespace {

constexpr float kBarWidth = 10.0f;

std::string RangeLabel(float v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", static_cast<double>(v));
  return buffer;
}

ImTextureID AsTexture(GLuint texture) {
  return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture));
}

}  // namespace

float ColorBarWidth(ValueRange range) {
  const float labels = std::max({ImGui::CalcTextSize(RangeLabel(range.lo).c_str()).x,
                                 ImGui::CalcTextSize(RangeLabel(range.hi).c_str()).x,
                                 ImGui::CalcTextSize("0").x});
  return kBarWidth + 4.0f + labels;
}

float ColorBar(ImDrawList* draw, ImVec2 pos, float height, Colormap map, ValueRange range) {
  // Strips of the CPU table: the same 256 entries the shader samples.
  const int strips = std::clamp(static_cast<int>(height / 2.0f), 2, 128);
  for (int i = 0; i < strips; ++i) {
    const float t0 = static_cast<float>(i) / static_cast<float>(strips);
    const float t1 = static_cast<float>(i + 1) / static_cast<float>(strips);
    const float y0 = pos.y + height * (1.0f - t1);
    const float y1 = pos.y + height * (1.0f - t0);
    draw->AddRectFilled({pos.x, y0}, {pos.x + kBarWidth, y1 + 0.5f},
                        ColormapU32(map, (t0 + t1) * 0.5f));
  }
  draw->AddRect(pos, {pos.x + kBarWidth, pos.y + height}, ImGui::GetColorU32(ImGuiCol_Border));
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const float line_h = ImGui::GetTextLineHeight();
  draw->AddText({pos.x + kBarWidth + 4.0f, pos.y - 2.0f}, text, RangeLabel(range.hi).c_str());
  draw->AddText({pos.x + kBarWidth + 4.0f, pos.y + height - line_h + 2.0f}, text,
                RangeLabel(range.lo).c_str());
  if (range.lo < 0.0f && range.hi > 0.0f && height > 4.0f * line_h) {  // mark zero when inside
    const float y = pos.y + height * (range.hi / (range.hi - range.lo));
    draw->AddText({pos.x + kBarWidth + 4.0f, y - line_h * 0.5f}, text, "0");
  }
  return ColorBarWidth(range);
}

void HeatmapView(const HeatmapViewSpec& spec, ImVec2 size, UiState& state) {
  ImGui::PushID(spec.key.c_str());
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##heatmap", size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImGuiStyle& style = ImGui::GetStyle();
  const float line_h = ImGui::GetTextLineHeight();
  const ImU32 text_dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);

  draw->AddText(origin, ImGui::GetColorU32(ImGuiCol_Text), spec.title.c_str());
  if (spec.data == nullptr || spec.data->size() == 0) {
    draw->AddText({origin.x, origin.y + line_h + style.ItemSpacing.y}, text_dim, "no data");
    ImGui::PopID();
    return;
  }
  const MatF& data = *spec.data;
  const int units = static_cast<int>(data.rows());
  const int steps = static_cast<int>(data.cols());
  Heatmap& heatmap = state.heatmaps.Get(spec.key);
  heatmap.SetData(data, spec.version);
  const ValueRange range = heatmap.Range(spec.style);

  // Geometry: [unit labels | image | colour bar], title above, token labels below.
  const float label_w = spec.unit_labels ? ImGui::CalcTextSize(std::to_string(units - 1).c_str()).x + 9.0f : 0.0f;
  const float bar_w = spec.colorbar ? ColorBarWidth(range) + 8.0f : 0.0f;
  const ImVec2 img_min = {origin.x + label_w, origin.y + line_h + 4.0f};
  const ImVec2 img_max = {origin.x + size.x - bar_w, origin.y + size.y - line_h - 4.0f};
  const float img_w = img_max.x - img_min.x, img_h = img_max.y - img_min.y;
  if (img_w < 8.0f || img_h < 8.0f) {
    ImGui::PopID();
    return;
  }
  const ImVec2 scale = ImGui::GetIO().DisplayFramebufferScale;
  const GLuint texture = heatmap.Render(static_cast<int>(img_w * scale.x + 0.5f),
                                        static_cast<int>(img_h * scale.y + 0.5f), spec.style);
  // The FBO image has GL's bottom-left origin: flip v so unit 0 is at the top.
  draw->AddImage(AsTexture(texture), img_min, img_max, {0, 1}, {1, 0});
  draw->AddRect({img_min.x - 1, img_min.y - 1}, {img_max.x + 1, img_max.y + 1},
                ImGui::GetColorU32(ImGuiCol_Border));
  if (spec.colorbar) ColorBar(draw, {img_max.x + 8.0f, img_min.y}, img_h, spec.style.map, range);

  const float cell_w = img_w / static_cast<float>(steps);
  const float cell_h = img_h / static_cast<float>(units);
  // Unit labels: every k-th so rows of text never touch; the selected unit always.
  if (spec.unit_labels) {
    const int every = std::max(1, static_cast<int>(std::ceil(line_h * 1.1f / cell_h)));
    const int nice[] = {1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 256, 512, 1024};
    int k = every;
    for (int n : nice) {
      if (n >= every) { k = n; break; }
    }
    for (int u = 0; u < units; u += k) {
      if (std::abs(u - state.selected_unit) < k && u != state.selected_unit) continue;
      const std::string label = std::to_string(u);
      const float y = img_min.y + cell_h * (static_cast<float>(u) + 0.5f) - line_h * 0.5f;
      draw->AddText({img_min.x - 7.0f - ImGui::CalcTextSize(label.c_str()).x, y}, text_dim, label.c_str());
    }
    const std::string sel = std::to_string(state.selected_unit);
    const float y = img_min.y + cell_h * (static_cast<float>(state.selected_unit) + 0.5f) - line_h * 0.5f;
    draw->AddText({img_min.x - 7.0f - ImGui::CalcTextSize(sel.c_str()).x, y},
                  IM_COL32(255, 210, 90, 255), sel.c_str());
  }
  // Token labels under their columns, greedily: a label is drawn when it clears the previous
  // one, so narrow glyphs all show and wide ones thin out. The cursor's label always shows.
  if (spec.tokens != nullptr && !spec.tokens->empty()) {
    const int count = std::min(steps, static_cast<int>(spec.tokens->size()));
    auto label_x = [&](int t, float w) { return img_min.x + cell_w * (static_cast<float>(t) + 0.5f) - w * 0.5f; };
    const int cursor = std::clamp(state.cursor_t, 0, count - 1);
    const float cursor_w = ImGui::CalcTextSize((*spec.tokens)[static_cast<std::size_t>(cursor)].c_str()).x;
    const float cursor_l = label_x(cursor, cursor_w) - 3.0f, cursor_r = cursor_l + cursor_w + 6.0f;
    float last_right = -1e9f;
    for (int t = 0; t < count; ++t) {
      const char* label = (*spec.tokens)[static_cast<std::size_t>(t)].c_str();
      const float w = ImGui::CalcTextSize(label).x;
      const float x = label_x(t, w);
      const bool is_cursor = t == cursor;
      if (!is_cursor && (x < last_right + 2.0f || (x < cursor_r && x + w > cursor_l))) continue;
      draw->AddText({x, img_max.y + 3.0f}, is_cursor ? IM_COL32(255, 210, 90, 255) : text_dim, label);
      last_right = x + w;
    }
  }
  // Shared cursor: a column outline at cursor_t and ticks marking the selected unit's row.
  if (state.cursor_t < steps) {
    const float x0 = img_min.x + cell_w * static_cast<float>(state.cursor_t);
    const float x1 = std::max(x0 + cell_w, x0 + 2.0f);
    draw->AddRect({x0 - 1.0f, img_min.y - 1.0f}, {x1 + 1.0f, img_max.y + 1.0f}, IM_COL32(0, 0, 0, 200), 0.0f, 0, 3.0f);
    draw->AddRect({x0 - 1.0f, img_min.y - 1.0f}, {x1 + 1.0f, img_max.y + 1.0f}, IM_COL32(255, 255, 255, 230), 0.0f, 0, 1.5f);
  }
  if (state.selected_unit < units) {
    const float y = img_min.y + cell_h * (static_cast<float>(state.selected_unit) + 0.5f);
    const ImU32 c = IM_COL32(255, 210, 90, 255);
    draw->AddTriangleFilled({img_min.x - 1.0f, y}, {img_min.x - 5.0f, y - 4.0f}, {img_min.x - 5.0f, y + 4.0f}, c);
    draw->AddTriangleFilled({img_max.x + 1.0f, y}, {img_max.x + 5.0f, y - 4.0f}, {img_max.x + 5.0f, y + 4.0f}, c);
  }

  const ImVec2 mouse = ImGui::GetIO().MousePos;
  if (hovered && mouse.x >= img_min.x && mouse.x < img_max.x && mouse.y >= img_min.y && mouse.y < img_max.y) {
    const int t = std::clamp(static_cast<int>((mouse.x - img_min.x) / cell_w), 0, steps - 1);
    const int u = std::clamp(static_cast<int>((mouse.y - img_min.y) / cell_h), 0, units - 1);
    const ImVec2 c0 = {img_min.x + cell_w * static_cast<float>(t), img_min.y + cell_h * static_cast<float>(u)};
    draw->AddRect(c0, {c0.x + cell_w, c0.y + cell_h}, IM_COL32(255, 255, 255, 255));
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(spec.title.c_str());
    const char* token = spec.tokens && t < static_cast<int>(spec.tokens->size())
                            ? (*spec.tokens)[static_cast<std::size_t>(t)].c_str() : "";
    ImGui::Text("unit %d   t = %d  '%s'", u, t, token);
    ImGui::Text("value % .5f", static_cast<double>(data(u, t)));
    ImGui::TextDisabled("click: select   right-click: pin unit");
    ImGui::EndTooltip();
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
      state.cursor_t = t;
      state.selected_unit = u;
    }
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Right)) {
      auto& pins = state.pinned_units;
      const auto it = std::find(pins.begin(), pins.end(), u);
      if (it != pins.end()) {
        pins.erase(it);
      } else if (pins.size() < 6) {
        pins.push_back(u);
      }
    }
  }
  ImGui::PopID();
}

}  // namespace rnnscope
