// Compare: every side-by-side run in a column of its own — its ‖∂L/∂h_t‖ per timestep on a y
// axis shared by all columns (so slopes compare at a glance) above its hidden-state or gate
// heatmap — or, where shapes match, each run's heatmap minus the first run's. Also the presets
// of the Compare menu and the run-list parsing used by --compare.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "core/error.h"
#include "train/snapshot.h"
#include "ui/compare.h"
#include "ui/heatmap_view.h"
#include "ui/panel_registry.h"
#include "ui/token_text.h"
#include "ui/ui_state.h"
#include "viz/plot.h"

namespace rnnscope {

const std::vector<ComparePreset>& ComparePresets() {
  // The bracket task is read out at the last step only, so every timestep's gradient has to
  // travel back through the recurrence: the classic place to watch a tanh RNN's vanish. The
  // probe is 64 steps whose answer hangs on the first bracket, "(()()…())": four times the
  // longest training string, long enough for the RNN's ‖∂L/∂h_t‖ to fall by many orders of
  // magnitude while the LSTM's levels off (brackets labels a typed probe itself, so it has a
  // loss and gradients).
  static const std::string kLongDelayProbe = [] {
    std::string probe = "(";
    for (int i = 0; i < 31; ++i) probe += "()";
    return probe + ")";
  }();
  static const std::vector<ComparePreset> presets = {
      {"vanishing", "Vanishing gradients: RNN vs LSTM", "brackets", {"rnn_tanh", "lstm"}, kLongDelayProbe, 0},
      {"cells", "RNN vs GRU vs LSTM (char LM)", "charlm", {"rnn_tanh", "gru", "lstm"}, "", 0},
      {"lr", "LSTM: learning rate 0.002 vs 0.01", "charlm", {"lstm:0.002", "lstm:0.01"}, "", 0},
  };
  return presets;
}

std::string RunSpec::Name() const {
  if (learning_rate <= 0.0f) return cell;
  char text[48];
  std::snprintf(text, sizeof text, " lr=%g", static_cast<double>(learning_rate));
  return cell + text;
}

RunSpec ParseRunSpec(const std::string& text) {
  RunSpec spec;
  const auto colon = text.find(':');
  spec.cell = text.substr(0, colon);
  if (colon != std::string::npos) {
    const std::string lr = text.substr(colon + 1);
    try {
      std::size_t used = 0;
      spec.learning_rate = std::stof(lr, &used);
      if (used != lr.size()) throw std::invalid_argument(lr);
    } catch (const std::exception&) {
      throw Error("--compare " + text + ": '" + lr + "' is not a learning rate");
    }
    if (!(spec.learning_rate > 0.0f) || !std::isfinite(spec.learning_rate)) {
      throw Error("--compare " + text + ": the learning rate must be a finite number above 0");
    }
  }
  return spec;
}

std::vector<RunSpec> ParseRunList(const std::string& text) {
  std::vector<RunSpec> runs;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    runs.push_back(ParseRunSpec(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (runs.size() < 2 || runs.size() > 3) {
    throw Error("--compare " + text + ": expected 2 or 3 runs, e.g. rnn_tanh,lstm or lstm:0.002,lstm:0.01");
  }
  return runs;
}

ImU32 RunColor(std::size_t index) {
  // Blue, orange, green: distinct for the usual colour-vision deficiencies and on the dark theme.
  constexpr ImU32 kColors[] = {IM_COL32(90, 170, 255, 255), IM_COL32(255, 140, 60, 255), IM_COL32(120, 210, 120, 255)};
  return kColors[index % std::size(kColors)];
}

void DrawCompareMenu(UiState& state) {
  if (!ImGui::BeginMenu("Compare")) return;
  for (const ComparePreset& preset : ComparePresets()) {
    if (ImGui::MenuItem(preset.title.c_str())) state.compare_request = preset.id;
  }
  ImGui::Separator();
  if (ImGui::MenuItem("Stop comparing", nullptr, false, !state.runs.empty())) state.compare_request = "stop";
  ImGui::EndMenu();
}

namespace {

const LayerTrace* FirstLayer(const Snapshot& snapshot) {
  for (const LayerTrace& trace : snapshot.layers) {
    if (trace.layer == 0 && trace.direction == 0) return &trace;
  }
  return nullptr;
}

}  // namespace

double FirstOverLastGradient(const Snapshot& snapshot) {
  const LayerTrace* trace = FirstLayer(snapshot);
  if (trace == nullptr || trace->grad_h_norm.size() < 2 || !(trace->grad_h_norm.back() > 0.0f)) return NAN;
  return static_cast<double>(trace->grad_h_norm.front()) / static_cast<double>(trace->grad_h_norm.back());
}

namespace {

class ComparePanel final : public Panel {
 public:
  ComparePanel() : Panel("Compare", "compare", false) {}

  void DrawContent(const Snapshot& /*snapshot*/, UiState& state) override {
    const std::vector<CompareRun>& runs = state.runs;
    if (runs.size() < 2) {
      ImGui::TextWrapped("No side-by-side runs. Choose a preset in the Compare menu, or start with "
                         "rnnscope gui --compare rnn_tanh,lstm --task brackets");
      state.NoteDrawn("compare runs=0");
      return;
    }
    DrawToolbar(runs);
    // One y range for every column's gradient plot: the comparison is in the heights.
    float lo = INFINITY, hi = 0.0f;
    for (const CompareRun& run : runs) {
      const LayerTrace* trace = run.latest ? FirstLayer(*run.latest) : nullptr;
      if (trace == nullptr) continue;
      for (float v : trace->grad_h_norm) {
        if (v > 0.0f && std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
      }
    }
    const ImGuiStyle& style = ImGui::GetStyle();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float n = static_cast<float>(runs.size());
    const float col_w = std::floor((avail.x - style.ItemSpacing.x * (n - 1.0f)) / n);
    diffs_.resize(runs.size());
    tokens_.resize(runs.size());
    tokens_version_.resize(runs.size(), ~uint64_t{0});
    std::string names, steps, ratios;
    int heatmaps = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (i > 0) ImGui::SameLine();
      ImGui::BeginChild(static_cast<ImGuiID>(0x6370u + i), {col_w, avail.y}, false);
      heatmaps += DrawColumn(runs, i, state, lo, hi) ? 1 : 0;
      ImGui::EndChild();
      const Snapshot* s = runs[i].latest.get();
      char ratio[48];
      std::snprintf(ratio, sizeof ratio, "%.3g", s ? FirstOverLastGradient(*s) : NAN);
      names += (i ? "," : "") + Compact(runs[i].name);
      steps += (i ? "," : "") + std::to_string(s ? s->step : -1);
      ratios += (i ? "," : "") + Compact(runs[i].name) + ":" + ratio;
    }
    state.NoteDrawn("compare runs=" + std::to_string(runs.size()) + " names=" + names + " steps=" + steps +
                    " view=" + (view_ == 0 ? "h" : "gate") + (difference_ ? "-diff" : "") +
                    " heatmaps=" + std::to_string(heatmaps) + " grad_first_over_last=" + ratios);
  }

 private:
  static std::string Compact(std::string name) {
    std::replace(name.begin(), name.end(), ' ', '_');
    return name;
  }

  void DrawToolbar(const std::vector<CompareRun>& runs) {
    ImGui::RadioButton("h_t", &view_, 0);
    ImGui::SameLine();
    ImGui::RadioButton("gate", &view_, 1);
    if (view_ == 1) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5.0f);
      ImGui::SliderInt("##gate", &gate_, 0, 3, "gate %d");
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("the gate at this index in each run's own order\n(LSTM i f g o, GRU r z n)");
    }
    ImGui::SameLine();
    ImGui::Checkbox("difference", &difference_);
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("each run's map minus %s's, where the shapes match", runs.front().name.c_str());
    }
  }

  // The map this column shows, or null (with `why`) when the run has none.
  const MatF* MapOf(const Snapshot& snapshot, std::string& title, std::string& why) const {
    const LayerTrace* trace = FirstLayer(snapshot);
    if (trace == nullptr) return why = "no trace yet", nullptr;
    if (view_ == 0) return title = "h_t  hidden state", &trace->hidden;
    const auto g = static_cast<std::size_t>(gate_);
    if (g >= trace->gates.size() || g >= trace->gate_names.size() || trace->gate_names[g] == "h") {
      return why = "this cell has no gate " + std::to_string(gate_), nullptr;
    }
    return title = trace->gate_names[g] + "  gate", &trace->gates[g];
  }

  bool DrawColumn(const std::vector<CompareRun>& runs, std::size_t i, UiState& state, float lo, float hi) {
    const CompareRun& run = runs[i];
    ImGui::PushStyleColor(ImGuiCol_Text, RunColor(i));
    ImGui::TextUnformatted(run.name.c_str());
    ImGui::PopStyleColor();
    if (!run.latest) {
      ImGui::TextDisabled("waiting for the first snapshot");
      return false;
    }
    const Snapshot& s = *run.latest;
    const double ratio = FirstOverLastGradient(s);
    ImGui::SameLine();
    ImGui::TextDisabled("step %lld  loss %.3f", static_cast<long long>(s.step),
                        s.history.empty() ? NAN : static_cast<double>(s.history.back().train_loss));
    ImGui::TextDisabled("\u2016\u2202L/\u2202h\u2080\u2016 / \u2016\u2202L/\u2202h_T\u2016 = %.2e", ratio);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("gradient at the first timestep over the last one:\nfar below 1 = it vanished on the way back");
    if (!s.error.empty()) ImGui::TextColored({1.0f, 0.4f, 0.4f, 1.0f}, "%s", s.error.c_str());

    const LayerTrace* trace = FirstLayer(s);
    const float plot_h = std::floor(ImGui::GetContentRegionAvail().y * 0.45f);
    PlotOptions options;
    options.size = {0.0f, plot_h};
    options.log_y = true;
    options.x_label = "timestep";
    options.y_format = "%.3e";
    options.legend = false;
    options.cursor_x = state.cursor_t;
    if (hi > 0.0f) options.y_min = lo, options.y_max = hi;
    std::vector<PlotSeries> series;
    if (trace != nullptr) {
      PlotSeries line{"\u2016\u2202L/\u2202h\u2016", {}, {}, RunColor(i), 2.0f};
      for (std::size_t t = 0; t < trace->grad_h_norm.size(); ++t) {
        line.x.push_back(static_cast<float>(t));
        line.y.push_back(trace->grad_h_norm[t]);
      }
      series.push_back(std::move(line));
    }
    ImGui::PushID(static_cast<int>(i));
    const PlotResult plot = LinePlot("##grad", series, {}, options);
    ImGui::PopID();
    if (plot.clicked && plot.hovered && trace != nullptr && !trace->grad_h_norm.empty()) {
      state.cursor_t = std::clamp(static_cast<int>(std::lround(plot.mouse_x)), 0, static_cast<int>(trace->grad_h_norm.size()) - 1);
    }

    std::string title, why;
    const MatF* map = MapOf(s, title, why);
    if (map == nullptr) {
      ImGui::TextDisabled("%s", why.c_str());
      return false;
    }
    HeatmapStyle style = view_ == 0 ? HeatmapStyle{Colormap::kDiverging, RangeMode::kFixed, -1, 1}
                                    : HeatmapStyle{Colormap::kViridis, RangeMode::kFixed, 0, 1};
    uint64_t version = s.version;
    if (difference_ && i > 0) {
      std::string title0, why0;
      const MatF* base = runs[0].latest ? MapOf(*runs[0].latest, title0, why0) : nullptr;
      if (base == nullptr || base->rows() != map->rows() || base->cols() != map->cols()) {
        ImGui::TextDisabled("no difference: shapes differ from %s's", runs[0].name.c_str());
        return false;
      }
      diffs_[i] = *map - *base;
      map = &diffs_[i];
      title = "\u0394 " + title + " \u2212 " + runs[0].name;
      style = {Colormap::kDiverging, RangeMode::kSymmetric, -1, 1};
      // Changes with either run's snapshot, so the texture is re-uploaded when either moves.
      version = s.version * 1000003u + runs[0].latest->version;
    }
    const std::string key = "compare/" + std::to_string(i) + "/" + std::to_string(view_) + "/" +
                            std::to_string(gate_) + (difference_ && i > 0 ? "/diff" : "");
    if (tokens_version_[i] != s.version) tokens_[i] = VisibleTokens(s.probe_tokens), tokens_version_[i] = s.version;
    // One colour bar for the shared scale; with differences the first map has its own scale.
    const bool colorbar = i + 1 == runs.size() || (difference_ && i == 0);
    HeatmapView({key, title, map, version, style, &tokens_[i], colorbar, i == 0},
                ImGui::GetContentRegionAvail(), state);
    return true;
  }

  int view_ = 0;  // 0 hidden state, 1 a gate
  int gate_ = 1;  // LSTM f, GRU z: the gates that decide what is kept
  bool difference_ = false;
  std::vector<MatF> diffs_;  // storage the heatmap cache uploads from
  std::vector<std::vector<std::string>> tokens_;  // per run, rebuilt when its snapshot changes
  std::vector<uint64_t> tokens_version_;
};

}  // namespace

std::unique_ptr<Panel> MakeComparePanel() { return std::make_unique<ComparePanel>(); }

}  // namespace rnnscope
