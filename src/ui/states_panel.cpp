// States: c_t and h_t heatmaps (same cursor and selection as the gates), the probe text tinted
// by the selected unit's h_t, and a line plot of the selected and pinned units over time.
#include <imgui.h>

#include <cmath>

#include "train/snapshot.h"
#include "ui/heatmap_view.h"
#include "ui/layer_picker.h"
#include "ui/panel_registry.h"
#include "ui/token_text.h"
#include "ui/ui_state.h"
#include "viz/plot.h"

namespace rnnscope {
namespace {

// Distinct hues for pinned units (the selected unit is always the first, bright one).
constexpr ImU32 kPinColors[] = {IM_COL32(120, 200, 120, 255), IM_COL32(200, 130, 230, 255),
                                IM_COL32(90, 200, 220, 255), IM_COL32(230, 120, 120, 255),
                                IM_COL32(200, 200, 110, 255), IM_COL32(160, 160, 255, 255)};

class StatesPanel final : public Panel {
 public:
  StatesPanel() : Panel("States", "states") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    LayerPicker(snapshot, state);
    const LayerTrace* trace = SelectedTrace(snapshot, state);
    if (trace == nullptr || trace->hidden.size() == 0) {
      ImGui::TextDisabled("no states in this snapshot yet");
      return;
    }
    if (tokens_version_ != snapshot.version) {
      tokens_ = VisibleTokens(snapshot.probe_tokens);
      tokens_version_ = snapshot.version;
    }
    const bool has_cell = trace->cell.size() > 0;
    const bool relu = snapshot.config.cell == CellKind::kRnnRelu;
    const HeatmapStyle h_style = relu ? HeatmapStyle{Colormap::kViridis, RangeMode::kAuto, 0, 1}
                                      : HeatmapStyle{Colormap::kDiverging, RangeMode::kFixed, -1, 1};
    const ImGuiStyle& style = ImGui::GetStyle();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float text_h = ImGui::GetTextLineHeightWithSpacing() * 2.0f + style.ItemSpacing.y;
    const float map_h = std::floor((avail.y - text_h) * 0.55f);
    const int maps = has_cell ? 2 : 1;
    const float map_w = (avail.x - style.ItemSpacing.x * static_cast<float>(maps - 1)) / static_cast<float>(maps);
    const std::string prefix = "states/" + std::to_string(trace->layer) + "/" + std::to_string(trace->direction);
    if (has_cell) {
      // c_t is unbounded: symmetric range around 0 so the sign stays readable.
      HeatmapView({prefix + "/c", "c_t  cell state", &trace->cell, snapshot.version,
                   {Colormap::kDiverging, RangeMode::kSymmetric, -1, 1}, &tokens_},
                  {map_w, map_h}, state);
      ImGui::SameLine();
    }
    HeatmapView({prefix + "/h", "h_t  hidden state", &trace->hidden, snapshot.version, h_style, &tokens_},
                {map_w, map_h}, state);
    DrawTintedText(*trace, state, h_style);
    DrawUnitPlot(*trace, has_cell, state);
  }

  std::optional<CsvTable> ExportCsv(const Snapshot& snapshot, const UiState& state) const override {
    return StatesCsv(snapshot, state.layer, state.direction);
  }

 private:
  // The probe text with each token's background coloured by the selected unit's h_t
  // (Karpathy's "visualizing RNN cells" view); the cursor token is outlined.
  void DrawTintedText(const LayerTrace& trace, UiState& state, const HeatmapStyle& style) {
    ImGui::TextDisabled("unit %d:", state.selected_unit);
    ImGui::SameLine();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float right = ImGui::GetWindowContentRegionMax().x + ImGui::GetWindowPos().x;
    const float pad = 1.0f;
    ImVec2 pos = ImGui::GetCursorScreenPos();
    const float start_x = pos.x;
    const float line_h = ImGui::GetTextLineHeight();
    const auto steps = std::min<Eigen::Index>(trace.hidden.cols(), static_cast<Eigen::Index>(tokens_.size()));
    const float lo = style.mode == RangeMode::kFixed ? style.lo : trace.hidden.minCoeff();
    const float hi = style.mode == RangeMode::kFixed ? style.hi : trace.hidden.maxCoeff();
    int lines = 1;
    for (Eigen::Index t = 0; t < steps; ++t) {
      const std::string& token = tokens_[static_cast<std::size_t>(t)];
      const float w = ImGui::CalcTextSize(token.c_str()).x + 2 * pad + 2.0f;
      if (pos.x + w > right && pos.x > start_x) {
        if (lines == 2) break;  // two lines at most; the heatmaps show the rest
        pos = {start_x, pos.y + line_h + 3.0f};
        ++lines;
      }
      const float v = trace.hidden(state.selected_unit, t);
      const float u = hi > lo ? (v - lo) / (hi - lo) : 0.5f;
      const Rgb bg = SampleColormap(style.map, u);
      // Square corners: a rounded fill is ~40 triangles with its anti-aliased fringe, a square
      // one 2, and there are up to two lines of these every frame.
      draw->AddRectFilled(pos, {pos.x + w, pos.y + line_h + 2.0f}, ColormapU32(style.map, u));
      draw->AddText({pos.x + pad + 1.0f, pos.y + 1.0f}, ContrastTextU32(bg), token.c_str());
      if (t == state.cursor_t) {
        draw->AddRect({pos.x - 1, pos.y - 1}, {pos.x + w + 1, pos.y + line_h + 3.0f}, IM_COL32(255, 210, 90, 255), 0.0f, 0, 2.0f);
      }
      if (ImGui::IsMouseHoveringRect(pos, {pos.x + w, pos.y + line_h + 2.0f}) && ImGui::IsWindowHovered()) {
        ImGui::SetTooltip("t = %d  '%s'\nh[%d] = % .5f", static_cast<int>(t), token.c_str(),
                          state.selected_unit, static_cast<double>(v));
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) state.cursor_t = static_cast<int>(t);
      }
      pos.x += w;
    }
    ImGui::Dummy({0.0f, (line_h + 3.0f) * static_cast<float>(lines) - ImGui::GetTextLineHeight() + 1.0f});
  }

  void DrawUnitPlot(const LayerTrace& trace, bool has_cell, UiState& state) {
    std::vector<PlotSeries> series;
    const auto steps = trace.hidden.cols();
    auto add = [&](const MatF& m, int unit, const std::string& label, ImU32 color, float thickness) {
      PlotSeries s{label, {}, {}, color, thickness};
      for (Eigen::Index t = 0; t < steps; ++t) {
        s.x.push_back(static_cast<float>(t));
        s.y.push_back(m(unit, t));
      }
      series.push_back(std::move(s));
    };
    const int u = state.selected_unit;
    add(trace.hidden, u, "h[" + std::to_string(u) + "]", IM_COL32(255, 210, 90, 255), 2.2f);
    if (has_cell) add(trace.cell, u, "c[" + std::to_string(u) + "]", IM_COL32(255, 150, 60, 200), 1.4f);
    for (std::size_t i = 0; i < state.pinned_units.size(); ++i) {
      const int p = state.pinned_units[i];
      if (p == u) continue;
      add(trace.hidden, p, "h[" + std::to_string(p) + "]", kPinColors[i % std::size(kPinColors)], 1.4f);
    }
    PlotOptions options;
    options.x_label = "timestep";
    options.cursor_x = state.cursor_t;
    if (!has_cell) {
      options.y_min = -1.05;
      options.y_max = 1.05;
    }
    const PlotResult result = LinePlot("##unit", series, {}, options);
    if (result.clicked && result.hovered) {
      state.cursor_t = std::clamp(static_cast<int>(std::lround(result.mouse_x)), 0,
                                  static_cast<int>(steps) - 1);
    }
  }

  std::vector<std::string> tokens_;
  uint64_t tokens_version_ = ~uint64_t{0};
};

}  // namespace

std::unique_ptr<Panel> MakeStatesPanel() { return std::make_unique<StatesPanel>(); }

}  // namespace rnnscope
