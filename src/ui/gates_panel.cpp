// Gates: one heatmap per gate (units × timesteps) of the selected layer and direction, post-
// activation, on the probe sequence. Sigmoid gates use viridis on the fixed range [0, 1]; tanh
// candidates use the diverging map on [-1, 1], so colours mean the same thing at every step.
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

struct GateInfo {
  const char* description;
  HeatmapStyle style;
};

GateInfo DescribeGate(CellKind cell, const std::string& name) {
  const HeatmapStyle sigmoid{Colormap::kViridis, RangeMode::kFixed, 0.0f, 1.0f};
  const HeatmapStyle tanh_range{Colormap::kDiverging, RangeMode::kFixed, -1.0f, 1.0f};
  if (name == "i") return {"input gate", sigmoid};
  if (name == "f") return {"forget gate", sigmoid};
  if (name == "g") return {"cell candidate", tanh_range};
  if (name == "o") return {"output gate", sigmoid};
  if (name == "r") return {"reset gate", sigmoid};
  if (name == "z") return {"update gate", sigmoid};
  if (name == "n") return {"new-state candidate", tanh_range};
  if (cell == CellKind::kRnnRelu) {
    return {"hidden state (relu)", {Colormap::kViridis, RangeMode::kAuto, 0.0f, 1.0f}};
  }
  return {"hidden state", tanh_range};
}

class GatesPanel final : public Panel {
 public:
  GatesPanel() : Panel("Gates", "gates") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    LayerPicker(snapshot, state);
    ImGui::SameLine();
    ImGui::TextDisabled("   click a cell: select timestep + unit   right-click: pin unit");
    const LayerTrace* trace = SelectedTrace(snapshot, state);
    if (trace == nullptr || trace->gates.empty()) {
      ImGui::TextDisabled("no gate activations in this snapshot yet");
      return;
    }
    if (tokens_version_ != snapshot.version) {
      tokens_ = VisibleTokens(snapshot.probe_tokens);
      tokens_version_ = snapshot.version;
    }
    // Two columns once there is more than one gate: 40-step probes need ~10 px per column
    // for readable token labels, which three or four side by side would not leave.
    // An odd gate count (GRU 3, RNN 1) leaves a grid slot free: it shows ‖∂L/∂h_t‖ per step.
    const int count = static_cast<int>(trace->gates.size());
    const bool grad_slot = count % 2 == 1 && !trace->grad_h_norm.empty();
    const int slots = count + (grad_slot ? 1 : 0);
    const int columns = slots == 1 ? 1 : 2;
    const int rows = (slots + columns - 1) / columns;
    const ImGuiStyle& style = ImGui::GetStyle();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 cell = {(avail.x - style.ItemSpacing.x * static_cast<float>(columns - 1)) / static_cast<float>(columns),
                         (avail.y - style.ItemSpacing.y * static_cast<float>(rows - 1)) / static_cast<float>(rows)};
    for (int g = 0; g < count; ++g) {
      const auto gi = static_cast<std::size_t>(g);
      const std::string& name = g < static_cast<int>(trace->gate_names.size()) ? trace->gate_names[gi] : "?";
      const GateInfo info = DescribeGate(snapshot.config.cell, name);
      HeatmapViewSpec spec;
      spec.key = "gates/" + std::to_string(trace->layer) + "/" + std::to_string(trace->direction) + "/" + name;
      spec.title = name + "  " + info.description;
      spec.data = &trace->gates[gi];
      spec.version = snapshot.version;
      spec.style = info.style;
      spec.tokens = &tokens_;
      if (g % columns != 0) ImGui::SameLine();
      HeatmapView(spec, cell, state);
    }
    if (grad_slot) {
      if (count % columns != 0) ImGui::SameLine();
      DrawGradBars(*trace, cell, state);
    }
  }

  std::optional<CsvTable> ExportCsv(const Snapshot& snapshot, const UiState& state) const override {
    return GatesCsv(snapshot, state.layer, state.direction);
  }

 private:
  void DrawGradBars(const LayerTrace& trace, ImVec2 size, UiState& state) {
    ImGui::BeginGroup();
    ImGui::TextUnformatted("\u2016\u2202L/\u2202h_t\u2016  gradient norm per timestep");
    BarOptions options;
    options.size = {size.x, size.y - ImGui::GetTextLineHeightWithSpacing()};
    options.highlight = state.cursor_t;
    options.log_y = state.grad_log_y;
    options.value_label = "\u2016\u2202L/\u2202h\u2016";
    options.color = IM_COL32(110, 150, 210, 255);
    int hovered = -1;
    const PlotResult result = BarPlot("##gradh", tokens_, trace.grad_h_norm, options, &hovered);
    if (result.clicked && hovered >= 0) state.cursor_t = hovered;
    ImGui::EndGroup();
  }

  std::vector<std::string> tokens_;
  uint64_t tokens_version_ = ~uint64_t{0};
};

}  // namespace

std::unique_ptr<Panel> MakeGatesPanel() { return std::make_unique<GatesPanel>(); }

}  // namespace rnnscope
