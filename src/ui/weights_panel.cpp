// Weights: one weight matrix (Snapshot::weights, at most 256×256) and its gradient from the last
// step, as diverging heatmaps on symmetric ranges (so white is exactly 0 and the sign reads as
// colour), plus histograms of values and gradients: a healthy init is a narrow symmetric bump,
// saturation shows as mass at the edges, dead gradients as a spike at 0.
#include <imgui.h>

#include <cmath>
#include <cstdio>

#include "train/snapshot.h"
#include "ui/matrix_view.h"
#include "ui/panel_registry.h"
#include "ui/ui_state.h"
#include "viz/plot.h"

namespace rnnscope {
namespace {

constexpr int kBins = 31;  // odd: one bin centred on 0

struct Histogram {
  std::vector<std::string> labels;
  std::vector<float> counts;
  float limit = 0.0f;
};

// Bins over [−m, m], m = max |x|, so the histogram is centred like the heatmap's colour range.
Histogram MakeHistogram(const MatF& m) {
  Histogram h;
  h.counts.assign(kBins, 0.0f);
  h.limit = m.size() > 0 ? m.cwiseAbs().maxCoeff() : 0.0f;
  const float width = h.limit > 0 ? 2.0f * h.limit / kBins : 1.0f;
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    const float v = m.data()[i];
    if (!std::isfinite(v)) continue;
    const int b = std::clamp(static_cast<int>((v + h.limit) / width), 0, kBins - 1);
    h.counts[static_cast<std::size_t>(b)] += 1.0f;
  }
  for (int b = 0; b < kBins; ++b) {
    h.labels.push_back(FormatTick(-h.limit + width * (static_cast<float>(b) + 0.5f)));
  }
  return h;
}

class WeightsPanel final : public Panel {
 public:
  WeightsPanel() : Panel("Weights", "weights") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    if (snapshot.weights.empty()) {
      ImGui::TextDisabled("this snapshot has no weight matrices");
      state.NoteDrawn("weights empty");
      return;
    }
    selected_ = std::clamp(selected_, 0, static_cast<int>(snapshot.weights.size()) - 1);
    DrawPicker(snapshot);
    const WeightView& w = snapshot.weights[static_cast<std::size_t>(selected_)];
    if (version_ != snapshot.version || shown_ != selected_) {
      value_hist_ = MakeHistogram(w.value);
      grad_hist_ = MakeHistogram(w.grad);
      version_ = snapshot.version;
      shown_ = selected_;
    }
    const ImGuiStyle& style = ImGui::GetStyle();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float half_w = std::floor((avail.x - style.ItemSpacing.x) * 0.5f);
    const float map_h = std::floor((avail.y - style.ItemSpacing.y) * 0.62f);
    const std::string key = "weights/" + w.name;
    const HeatmapStyle signed_style{Colormap::kDiverging, RangeMode::kSymmetric, -1.0f, 1.0f};
    // Short titles: the name and shape are on the picker line, and half a narrow tile is small.
    char title[64];
    std::snprintf(title, sizeof title, "value %d\u00D7%d", static_cast<int>(w.value.rows()), static_cast<int>(w.value.cols()));
    MatrixView({key + "/value", title, &w.value, snapshot.version, signed_style}, {half_w, map_h}, state);
    ImGui::SameLine();
    MatrixView({key + "/grad", "gradient", &w.grad, snapshot.version, signed_style}, {half_w, map_h}, state);
    const float hist_h = ImGui::GetContentRegionAvail().y - ImGui::GetTextLineHeightWithSpacing();
    DrawHistogram("##hv", "values", value_hist_, IM_COL32(90, 170, 255, 255), {half_w, hist_h});
    ImGui::SameLine();
    DrawHistogram("##hg", "gradients", grad_hist_, IM_COL32(255, 140, 60, 255), {half_w, hist_h});

    char note[160];
    std::snprintf(note, sizeof note, "weights cursor=%d unit=%d matrix=%s %dx%d", state.cursor_t, state.selected_unit,
                  w.name.c_str(), static_cast<int>(w.value.rows()), static_cast<int>(w.value.cols()));
    state.NoteDrawn(note);
  }

  std::optional<CsvTable> ExportCsv(const Snapshot& snapshot, const UiState& /*state*/) const override {
    if (snapshot.weights.empty()) return std::nullopt;
    const int i = std::clamp(selected_, 0, static_cast<int>(snapshot.weights.size()) - 1);
    return WeightCsv(snapshot, snapshot.weights[static_cast<std::size_t>(i)].name);
  }

 private:
  void DrawPicker(const Snapshot& snapshot) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("matrix");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14.0f);
    if (ImGui::BeginCombo("##matrix", snapshot.weights[static_cast<std::size_t>(selected_)].name.c_str())) {
      for (int i = 0; i < static_cast<int>(snapshot.weights.size()); ++i) {
        if (ImGui::Selectable(snapshot.weights[static_cast<std::size_t>(i)].name.c_str(), i == selected_)) selected_ = i;
      }
      ImGui::EndCombo();
    }
    // The matching ParamStat gives the full-size norms (the view may be a 256×256 corner).
    for (const ParamStat& p : snapshot.params) {
      if (p.name != snapshot.weights[static_cast<std::size_t>(selected_)].name) continue;
      ImGui::SameLine();
      ImGui::TextDisabled("\u2016W\u2016 %.3g   \u2016\u2207W\u2016 %.3g", static_cast<double>(p.norm), static_cast<double>(p.grad_norm));
    }
  }

  static void DrawHistogram(const char* id, const char* what, const Histogram& h, ImU32 color, ImVec2 size) {
    ImGui::BeginGroup();
    ImGui::Text("%s", what);
    ImGui::SameLine();
    ImGui::TextDisabled(" range \u00B1%.3g", static_cast<double>(h.limit));
    BarOptions options;
    options.size = size;
    options.color = color;
    options.value_label = "count";
    BarPlot(id, h.labels, h.counts, options);
    ImGui::EndGroup();
  }

  int selected_ = 0, shown_ = -1;
  uint64_t version_ = ~uint64_t{0};
  Histogram value_hist_, grad_hist_;
};

}  // namespace

std::unique_ptr<Panel> MakeWeightsPanel() { return std::make_unique<WeightsPanel>(); }

}  // namespace rnnscope
