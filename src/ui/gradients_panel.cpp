// Gradient flow: ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖ for LSTM) per timestep of the probe, one series per
// layer/direction on a log axis, so vanishing (norms falling off towards early timesteps) or
// exploding gradients show as slopes. Below it, either the global gradient norm over training
// with the clip threshold and clipping events, or each parameter's gradient norm over steps.
#include <imgui.h>

#include <cmath>
#include <cstdio>

#include "train/snapshot.h"
#include "ui/compare.h"
#include "ui/panel_registry.h"
#include "ui/ui_state.h"
#include "viz/plot.h"

namespace rnnscope {
namespace {

constexpr ImU32 kPalette[] = {IM_COL32(90, 170, 255, 255), IM_COL32(255, 140, 60, 255),
                              IM_COL32(120, 210, 120, 255), IM_COL32(220, 120, 230, 255),
                              IM_COL32(240, 220, 90, 255), IM_COL32(90, 210, 210, 255),
                              IM_COL32(240, 110, 110, 255), IM_COL32(170, 170, 255, 255)};

ImU32 Fade(ImU32 color, int alpha) { return (color & 0x00FFFFFFu) | (static_cast<ImU32>(alpha) << 24); }

// "L0", "L1 rev"; in seq2seq snapshots the last trace is the decoder.
std::string TraceName(const Snapshot& snapshot, std::size_t index) {
  const LayerTrace& trace = snapshot.layers[index];
  const bool seq2seq = !snapshot.attention.empty();
  if (seq2seq && index + 1 == snapshot.layers.size()) return "dec";
  std::string name = seq2seq ? "enc L" : "L";
  name += std::to_string(trace.layer);
  if (trace.direction != 0) name += " rev";
  return name;
}

PlotSeries PerStep(const std::vector<float>& norms, std::string label, ImU32 color, float thickness) {
  PlotSeries s{std::move(label), {}, {}, color, thickness};
  for (std::size_t t = 0; t < norms.size(); ++t) {
    s.x.push_back(static_cast<float>(t));
    s.y.push_back(norms[t]);
  }
  s.points = norms.size() <= 24;  // short seq2seq probes: dots make single steps readable
  return s;
}

class GradientsPanel final : public Panel {
 public:
  GradientsPanel() : Panel("Gradient flow", "gradients") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    ImGui::Checkbox("log y", &state.grad_log_y);
    ImGui::SameLine();
    ImGui::RadioButton("global", &lower_view_, 0);
    ImGui::SameLine();
    ImGui::RadioButton("per parameter", &lower_view_, 1);

    const float spacing = ImGui::GetStyle().ItemSpacing.y;
    const float avail = ImGui::GetContentRegionAvail().y;
    const float upper_h = std::floor((avail - spacing) * 0.55f);
    DrawPerTimestep(snapshot, state, upper_h);
    const float lower_h = ImGui::GetContentRegionAvail().y;
    if (lower_view_ == 0) {
      DrawGlobalNorm(snapshot, state, lower_h);
    } else {
      DrawPerParameter(snapshot, state, lower_h);
    }
  }

  std::optional<CsvTable> ExportCsv(const Snapshot& snapshot, const UiState& /*state*/) const override {
    return GradientFlowCsv(snapshot);
  }

 private:
  void DrawPerTimestep(const Snapshot& snapshot, UiState& state, float height) {
    std::vector<PlotSeries> series;
    int steps = 0;
    // Side-by-side runs: layer 0's ‖∂L/∂h_t‖ of every run in its colour, on one axis (the
    // Compare panel has them in columns).
    for (std::size_t r = 0; r < state.runs.size() && state.runs.size() >= 2; ++r) {
      if (!state.runs[r].latest) continue;
      for (const LayerTrace& trace : state.runs[r].latest->layers) {
        if (trace.layer != 0 || trace.direction != 0) continue;
        series.push_back(PerStep(trace.grad_h_norm, state.runs[r].name, RunColor(r), 2.0f));
        steps = std::max(steps, static_cast<int>(trace.grad_h_norm.size()));
      }
    }
    for (std::size_t i = 0; i < snapshot.layers.size() && state.runs.size() < 2; ++i) {
      const LayerTrace& trace = snapshot.layers[i];
      const ImU32 color = kPalette[i % std::size(kPalette)];
      const std::string name = TraceName(snapshot, i);
      series.push_back(PerStep(trace.grad_h_norm, "\u2016\u2202L/\u2202h\u2016 " + name, color, 2.0f));
      // c gradients share the layer's hue, fainter and thinner, so pairs read as one layer.
      if (!trace.grad_c_norm.empty()) {
        series.push_back(PerStep(trace.grad_c_norm, "\u2016\u2202L/\u2202c\u2016 " + name, Fade(color, 150), 1.2f));
      }
      steps = std::max(steps, static_cast<int>(trace.grad_h_norm.size()));
    }
    ImGui::TextUnformatted("per timestep of the probe");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("the loss gradient reaching each step's state; a slope\ntowards early steps means vanishing gradients");
    PlotOptions options;
    options.size = {0.0f, height - ImGui::GetTextLineHeightWithSpacing()};
    options.log_y = state.grad_log_y;
    options.x_label = "timestep";
    options.cursor_x = state.cursor_t;
    options.y_format = "%.3e";
    const PlotResult result = LinePlot("##per_t", series, {}, options);
    if (result.clicked && result.hovered && steps > 0) {
      state.cursor_t = std::clamp(static_cast<int>(std::lround(result.mouse_x)), 0, steps - 1);
    }
    // The cursor's value for the selected trace, for the smoke test and the status line.
    float at_cursor = NAN;
    for (const LayerTrace& trace : snapshot.layers) {
      if (trace.layer == state.layer && trace.direction == state.direction &&
          state.cursor_t < static_cast<int>(trace.grad_h_norm.size())) {
        at_cursor = trace.grad_h_norm[static_cast<std::size_t>(state.cursor_t)];
      }
    }
    char note[128];
    std::snprintf(note, sizeof note, "gradients cursor=%d unit=%d series=%zu grad_h=%.3g", state.cursor_t,
                  state.selected_unit, series.size(), static_cast<double>(at_cursor));
    state.NoteDrawn(note);
  }

  void DrawGlobalNorm(const Snapshot& snapshot, UiState& state, float height) {
    PlotSeries norm{"global \u2016g\u2016", {}, {}, IM_COL32(90, 170, 255, 255), 1.6f};
    // Clipping events as isolated red dots: each point is followed by a NaN so LinePlot never
    // joins them into a line.
    PlotSeries clipped{"clipped", {}, {}, IM_COL32(255, 90, 90, 255), 1.5f, true};
    int clip_count = 0;
    for (const LossPoint& p : snapshot.history) {
      const auto x = static_cast<float>(p.step);
      norm.x.push_back(x);
      norm.y.push_back(p.grad_norm);
      if (p.clipped) {
        ++clip_count;
        clipped.x.insert(clipped.x.end(), {x, x});
        clipped.y.insert(clipped.y.end(), {p.grad_norm, NAN});
      }
    }
    std::vector<PlotSeries> series;
    series.push_back(std::move(norm));
    const bool norm_clip = snapshot.settings.clip_mode == "norm" && snapshot.settings.clip > 0;
    if (norm_clip && !snapshot.history.empty()) {
      const float c = snapshot.settings.clip;
      std::string label = FormatTick(c);
      label.insert(0, "clip ");
      series.push_back({label, {static_cast<float>(snapshot.history.front().step),
                        static_cast<float>(snapshot.history.back().step)}, {c, c}, IM_COL32(255, 120, 120, 170), 1.0f});
    }
    if (clip_count > 0) series.push_back(std::move(clipped));
    std::vector<PlotMarker> markers;
    for (const SettingMarker& m : snapshot.markers) markers.push_back({static_cast<double>(m.step), m.what});
    ImGui::TextUnformatted("global gradient norm");
    ImGui::SameLine();
    ImGui::TextDisabled(" %d clipped", clip_count);
    PlotOptions options;
    options.size = {0.0f, height - ImGui::GetTextLineHeightWithSpacing()};
    options.log_y = state.grad_log_y;
    options.x_label = "step";
    options.stable_x = true;
    LinePlot("##global", series, markers, options);
  }

  void DrawPerParameter(const Snapshot& snapshot, UiState& state, float height) {
    std::vector<PlotSeries> series;
    for (std::size_t i = 0; i < snapshot.params.size(); ++i) {
      const ParamStat& p = snapshot.params[i];
      const auto n = static_cast<int64_t>(p.grad_norm_history.size());
      // One value per recent step, the newest at the snapshot's step.
      PlotSeries s{p.name, {}, {}, kPalette[i % std::size(kPalette)], 1.4f};
      for (int64_t k = 0; k < n; ++k) {
        s.x.push_back(static_cast<float>(snapshot.step - n + 1 + k));
        s.y.push_back(p.grad_norm_history[static_cast<std::size_t>(k)]);
      }
      series.push_back(std::move(s));
    }
    ImGui::TextUnformatted("gradient norm per parameter");
    if (series.empty()) {
      ImGui::TextDisabled("this snapshot has no parameter statistics");
      return;
    }
    PlotOptions options;
    options.size = {0.0f, height - ImGui::GetTextLineHeightWithSpacing()};
    options.log_y = state.grad_log_y;
    options.x_label = "step";
    options.stable_x = true;
    options.y_format = "%.3e";
    LinePlot("##params", series, {}, options);
  }

  int lower_view_ = 0;
};

}  // namespace

std::unique_ptr<Panel> MakeGradientsPanel() { return std::make_unique<GradientsPanel>(); }

}  // namespace rnnscope
