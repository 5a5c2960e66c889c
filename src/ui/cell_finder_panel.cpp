// Contents: probe-side signals · CellFinderPanel (controls · ranking · emergence plot · coloured
// text with span selection · LSTMVis query and its spans)
//
// Cell finder: which units track a known property of the text? The trainer ranks every unit by
// |Pearson r| with a signal over ~3k validation characters (built-in corpus: inside quotes,
// bracket depth, position in line; or a user regex, SetCellFinderCommand). This panel lists the
// ranking, plots when the best unit emerged, and shows the probe text coloured by the chosen
// unit's activation with the signal underneath, so "this unit tracks quotes" can be checked by
// eye. Dragging over the text selects a span for the LSTMVis query (CellQueryCommand): the units
// on throughout that span, and the other places in the validation text where they all are.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "train/cell_finder.h"
#include "train/snapshot.h"
#include "ui/panel_registry.h"
#include "ui/token_text.h"
#include "ui/ui_state.h"
#include "viz/colormap.h"
#include "viz/plot.h"

namespace rnnscope {
namespace {

const ImU32 kAccent = IM_COL32(255, 210, 90, 255);
const ImU32 kSignal = IM_COL32(120, 220, 140, 255);
const ImVec4 kError = {1.0f, 0.45f, 0.35f, 1.0f};

// The built-in signals of procedural_corpus.h, recomputed on the probe text so they can be drawn
// under it: each value describes the state after reading the character.
std::vector<float> ProbeSignal(const std::string& name, const std::vector<std::string>& tokens) {
  std::vector<float> signal(tokens.size(), 0.0f);
  if (name == "inside quotes") {
    bool inside = false;
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      if (tokens[t] == "\"") inside = !inside;  // an opening quote counts as inside, a closing one not
      signal[t] = inside ? 1.0f : 0.0f;
    }
  } else if (name == "bracket depth") {
    int depth = 0;
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      const std::string& c = tokens[t];
      if (c == "(" || c == "[" || c == "{") ++depth;
      if ((c == ")" || c == "]" || c == "}") && depth > 0) --depth;
      signal[t] = static_cast<float>(depth);
    }
  } else if (name == "position in line") {
    int position = 0;
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      position = tokens[t] == "\n" ? 0 : position + 1;
      signal[t] = static_cast<float>(position);
    }
  } else if (name.rfind("regex /", 0) == 0 && name.size() > 8) {
    try {
      signal = RegexSignal(tokens, name.substr(7, name.size() - 8));
    } catch (const std::exception&) {
      signal.clear();  // the trainer reports the error; nothing to draw
    }
  } else {
    signal.clear();
  }
  return signal;
}

// A span of several characters on one line: newlines made visible.
std::string OneLine(const std::string& text) {
  std::string out;
  for (char c : VisibleRunningText(text)) {
    if (c == '\n') out += "\u23CE"; else out += c;
  }
  return out;
}

std::string UnitName(const UnitRef& u) {
  char b[48];
  std::snprintf(b, sizeof b, "l%d%s %s[%d]", u.layer, u.direction == 1 ? "r" : "", u.cell ? "c" : "h", u.unit);
  return b;
}

class CellFinderPanel final : public Panel {
 public:
  CellFinderPanel() : Panel("Cell finder", "cell_finder") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    const CellFinderResult& finder = snapshot.cell_finder;
    DrawControls(snapshot, state);
    if (finder.signals.empty()) {
      if (snapshot.task != "charlm") {
        ImGui::TextDisabled("the cell finder ranks the character LM's units (task charlm)");
      } else {
        ImGui::TextDisabled(finder.step < 0 ? "no ranking yet (it reruns every few seconds while training)"
                                            : "no signals for this text: type a regex and press Rank");
      }
      state.NoteDrawn("cell_finder signals=0");
      return;
    }
    signal_index_ = std::clamp(signal_index_, 0, static_cast<int>(finder.signals.size()) - 1);
    const CellFinderSignal& signal = finder.signals[static_cast<std::size_t>(signal_index_)];
    if (!signal.top.empty()) chosen_ = std::clamp(chosen_, 0, static_cast<int>(signal.top.size()) - 1);
    Refresh(snapshot, signal);

    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float left_w = std::clamp(avail.x * 0.34f, ImGui::GetFontSize() * 13.0f, ImGui::GetFontSize() * 20.0f);
    ImGui::BeginChild("##ranking", {left_w, 0.0f}, false);
    DrawRanking(signal, state);
    DrawEmergence();
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("##text", {0.0f, 0.0f}, false);
    DrawText(signal, state);
    DrawQuery(snapshot, state);
    ImGui::EndChild();

    if (state.drawn != nullptr) {
      // The selected signal first (tests match it), then every signal's best |r| (the numbers
      // the issue's note asks for).
      char note[200];
      const float best = signal.top.empty() ? 0.0f : signal.top.front().correlation;
      std::snprintf(note, sizeof note, "cell_finder signals=%zu signal=\"%s\" top=%zu best=%.3f step=%lld text=%zu spans=%zu all=",
                    finder.signals.size(), signal.name.c_str(), signal.top.size(), static_cast<double>(best),
                    static_cast<long long>(finder.step), tokens_.size(), snapshot.cell_query.spans.size());
      std::string line = note;
      for (const CellFinderSignal& s : finder.signals) {
        std::snprintf(note, sizeof note, "%s%s:%.3f", line.back() == '=' ? "" : ",", s.name.c_str(),
                      s.top.empty() ? 0.0 : static_cast<double>(std::abs(s.top.front().correlation)));
        line += note;
      }
      state.NoteDrawn(line);
    }
  }

  std::optional<CsvTable> ExportCsv(const Snapshot& snapshot, const UiState& /*state*/) const override {
    return CellFinderCsv(snapshot);
  }

 private:
  void DrawControls(const Snapshot& snapshot, UiState& state) {
    const CellFinderResult& finder = snapshot.cell_finder;
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("signal");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10.0f);
    const std::string current = signal_index_ < static_cast<int>(finder.signals.size())
                                    ? finder.signals[static_cast<std::size_t>(signal_index_)].name : "-";
    if (ImGui::BeginCombo("##signal", current.c_str())) {
      for (std::size_t s = 0; s < finder.signals.size(); ++s) {
        if (ImGui::Selectable(finder.signals[s].name.c_str(), static_cast<int>(s) == signal_index_)) {
          signal_index_ = static_cast<int>(s);
          chosen_ = 0;
        }
      }
      ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::TextUnformatted("regex");
    ImGui::SameLine();
    const float apply_w = ImGui::CalcTextSize("Rank").x + ImGui::GetStyle().FramePadding.x * 2.0f;
    ImGui::SetNextItemWidth(std::max(ImGui::GetFontSize() * 5.0f,
                                     ImGui::GetContentRegionAvail().x - apply_w - ImGui::GetStyle().ItemSpacing.x));
    const bool enter = ImGui::InputTextWithHint("##regex", "e.g. [A-Z]\\w+ or \\d+", &regex_, ImGuiInputTextFlags_EnterReturnsTrue);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("RE2 regex (no backreferences or lookaround): 1 inside a match, else 0; adds a ranked signal");
    ImGui::SameLine();
    if (ImGui::Button("Rank") || enter) {
      state.Send(SetCellFinderCommand{true, regex_, 3000});
      want_regex_signal_ = !regex_.empty();
    }
    // Jump to the regex signal once the trainer has ranked it.
    if (want_regex_signal_) {
      for (std::size_t s = 0; s < finder.signals.size(); ++s) {
        if (finder.signals[s].name == "regex /" + regex_ + "/") {
          signal_index_ = static_cast<int>(s);
          chosen_ = 0;
          want_regex_signal_ = false;
        }
      }
    }
    if (!finder.error.empty()) {
      ImGui::TextColored(kError, "%s", finder.error.c_str());
    } else if (finder.step >= 0) {
      ImGui::TextDisabled("ranked at step %lld over %d validation characters, by |Pearson r|", static_cast<long long>(finder.step),
                          finder.chars);
    }
  }

  // Derived data for the text view, recomputed only when the snapshot, signal or unit changes.
  void Refresh(const Snapshot& snapshot, const CellFinderSignal& signal) {
    const UnitRef unit = signal.top.empty() ? UnitRef{} : signal.top[static_cast<std::size_t>(chosen_)].unit;
    if (version_ == snapshot.version && signal_name_ == signal.name && unit_ == unit) return;
    version_ = snapshot.version;
    signal_name_ = signal.name;
    unit_ = unit;
    tokens_ = VisibleTokens(snapshot.probe_tokens);
    emergence_.clear();
    PlotSeries series{"best |r|", {}, {}, kSignal, 1.6f, signal.timeline_step.size() < 40};
    const std::size_t n = std::min(signal.timeline_step.size(), signal.timeline_best.size());
    for (std::size_t i = 0; i < n; ++i) {
      series.x.push_back(static_cast<float>(signal.timeline_step[i]));
      series.y.push_back(signal.timeline_best[i]);
    }
    emergence_.push_back(std::move(series));
    probe_signal_ = ProbeSignal(signal.name, snapshot.probe_tokens);
    signal_max_ = 0.0f;
    for (float v : probe_signal_) signal_max_ = std::max(signal_max_, v);
    values_.clear();
    value_range_ = 1.0f;
    for (const LayerTrace& trace : snapshot.layers) {
      if (trace.layer != unit.layer || trace.direction != unit.direction) continue;
      const MatF& m = unit.cell ? trace.cell : trace.hidden;
      if (unit.unit >= m.rows()) break;
      values_.resize(static_cast<std::size_t>(m.cols()));
      float peak = 0.0f;
      for (Eigen::Index t = 0; t < m.cols(); ++t) {
        values_[static_cast<std::size_t>(t)] = m(unit.unit, t);
        peak = std::max(peak, std::abs(m(unit.unit, t)));
      }
      // h lives in [−1, 1]; c is unbounded, so it is scaled by its own peak on the probe.
      value_range_ = unit.cell ? std::max(peak, 1e-3f) : 1.0f;
    }
  }

  void DrawRanking(const CellFinderSignal& signal, UiState& state) {
    ImGui::TextDisabled("best units for \"%s\"", signal.name.c_str());
    const float table_h = std::min(ImGui::GetContentRegionAvail().y * 0.62f,
                                   ImGui::GetTextLineHeightWithSpacing() * static_cast<float>(signal.top.size() + 1) + 8.0f);
    if (!ImGui::BeginTable("##top", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp,
                           {0.0f, std::max(table_h, 40.0f)})) {
      return;
    }
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 1.4f);
    ImGui::TableSetupColumn("unit", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 5.5f);
    ImGui::TableSetupColumn("r", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    for (std::size_t k = 0; k < signal.top.size(); ++k) {
      const UnitCorrelation& uc = signal.top[k];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      char rank[24];
      std::snprintf(rank, sizeof rank, "%zu", k + 1);
      if (ImGui::Selectable(rank, static_cast<int>(k) == chosen_, ImGuiSelectableFlags_SpanAllColumns)) {
        chosen_ = static_cast<int>(k);
        // Follow it in every other panel too (they show h; the layer and unit carry over).
        state.layer = uc.unit.layer;
        state.direction = uc.unit.direction;
        state.selected_unit = uc.unit.unit;
      }
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(UnitName(uc.unit).c_str());
      ImGui::TableNextColumn();
      // A signed bar: the sign says whether the unit goes up or down with the signal.
      const ImVec2 p0 = ImGui::GetCursorScreenPos();
      const float w = ImGui::GetContentRegionAvail().x, h = ImGui::GetTextLineHeight();
      const float r = std::clamp(uc.correlation, -1.0f, 1.0f);
      const float mid = p0.x + w * 0.5f, x = mid + r * w * 0.5f;
      ImDrawList* draw = ImGui::GetWindowDrawList();
      draw->AddRectFilled({std::min(mid, x), p0.y + 2.0f}, {std::max(mid, x), p0.y + h - 1.0f},
                          ColormapU32(Colormap::kDiverging, 0.5f + 0.5f * r));
      draw->AddLine({mid, p0.y}, {mid, p0.y + h}, IM_COL32(255, 255, 255, 80));
      char value[16];
      std::snprintf(value, sizeof value, "%+.3f", static_cast<double>(uc.correlation));
      const float tx = r >= 0 ? p0.x + 2.0f : p0.x + w - ImGui::CalcTextSize(value).x - 2.0f;
      draw->AddText({tx, p0.y}, ImGui::GetColorU32(ImGuiCol_Text), value);
      ImGui::Dummy({w, h});
    }
    ImGui::EndTable();
  }

  void DrawEmergence() {
    ImGui::TextDisabled("best |r| over training");
    PlotOptions options;
    options.x_label = "step";
    options.stable_x = true;
    options.y_min = 0.0;
    options.y_max = 1.0;
    options.legend = false;
    LinePlot("##emergence", emergence_, {}, options);
  }

  void DrawText(const CellFinderSignal& signal, UiState& state) {
    if (signal.top.empty() || values_.empty()) {
      ImGui::TextDisabled("no probe activations for this unit");
      return;
    }
    const UnitCorrelation& uc = signal.top[static_cast<std::size_t>(chosen_)];
    ImGui::Text("probe text coloured by %s (r = %+.3f)", UnitName(uc.unit).c_str(), static_cast<double>(uc.correlation));
    if (!probe_signal_.empty()) {
      ImGui::SameLine();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kSignal), "  \u2583 %s", signal.name.c_str());
    }
    const int T = static_cast<int>(std::min(values_.size(), tokens_.size()));
    const float cell_w = std::max(ImGui::CalcTextSize("W").x + 3.0f, ImGui::GetFontSize() * 0.75f);
    const float row_h = ImGui::GetTextLineHeight() + 3.0f, strip_h = 4.0f, gap = 3.0f;
    const int per_line = std::max(8, static_cast<int>(ImGui::GetContentRegionAvail().x / cell_w));
    const float query_h = ImGui::GetFrameHeightWithSpacing() * 2.0f + ImGui::GetTextLineHeightWithSpacing() * 6.0f;
    ImGui::BeginChild("##chars", {0.0f, std::max(row_h * 2.0f, ImGui::GetContentRegionAvail().y - query_h)}, false);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const bool window_hovered = ImGui::IsWindowHovered();
    for (int start = 0; start < T; start += per_line) {
      const int end = std::min(T, start + per_line);
      const ImVec2 origin = ImGui::GetCursorScreenPos();
      ImGui::Dummy({cell_w * static_cast<float>(end - start), row_h + strip_h + gap});
      for (int t = start; t < end; ++t) {
        const auto ti = static_cast<std::size_t>(t);
        const float u = std::clamp(0.5f + 0.5f * values_[ti] / value_range_, 0.0f, 1.0f);
        const ImVec2 p0 = {origin.x + cell_w * static_cast<float>(t - start), origin.y};
        const ImVec2 p1 = {p0.x + cell_w - 1.0f, p0.y + row_h};
        draw->AddRectFilled(p0, p1, ColormapU32(Colormap::kDiverging, u));
        const char* token = tokens_[ti].c_str();
        draw->AddText({p0.x + (cell_w - ImGui::CalcTextSize(token).x) * 0.5f, p0.y + 1.0f},
                      ContrastTextU32(SampleColormap(Colormap::kDiverging, u)), token);
        if (ti < probe_signal_.size() && signal_max_ > 0.0f) {
          const float s = probe_signal_[ti] / signal_max_;
          draw->AddRectFilled({p0.x, p1.y + 1.0f}, {p0.x + (cell_w - 1.0f) * s, p1.y + 1.0f + strip_h}, kSignal);
        }
        if (span_t0_ >= 0 && t >= std::min(span_t0_, span_t1_) && t <= std::max(span_t0_, span_t1_)) {
          draw->AddRect({p0.x - 1.0f, p0.y - 1.0f}, {p1.x + 1.0f, p1.y + 1.0f}, kAccent, 0.0f, 0, 2.0f);
        }
        const bool inside = mouse.x >= p0.x && mouse.x < p0.x + cell_w && mouse.y >= p0.y && mouse.y < p1.y + strip_h + gap;
        if (window_hovered && inside) {
          char signal_text[48] = "";
          if (ti < probe_signal_.size()) {
            std::snprintf(signal_text, sizeof signal_text, "\nsignal = %g", static_cast<double>(probe_signal_[ti]));
          }
          ImGui::SetTooltip("t = %d  '%s'\n%s = % .4f%s\ndrag: select a span for the query", t, token,
                            UnitName(uc.unit).c_str(), static_cast<double>(values_[ti]), signal_text);
          if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
            span_chosen_ = true;
            span_t0_ = span_t1_ = t;
            dragging_ = true;
            state.cursor_t = t;
          } else if (dragging_ && ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
            span_t1_ = t;
          }
        }
      }
    }
    if (!ImGui::IsMouseDown(ImGuiMouseButton_Left)) dragging_ = false;
    ImGui::EndChild();
  }

  void DrawQuery(const Snapshot& snapshot, UiState& state) {
    ImGui::Separator();
    const int T = static_cast<int>(tokens_.size());
    const CellQueryResult& query = snapshot.cell_query;
    if (!span_chosen_ && query.t0 >= 0) {
      // A query sent from elsewhere (or before this panel opened): show its span.
      span_t0_ = query.t0;
      span_t1_ = query.t1;
      threshold_ = query.threshold;
    }
    if (span_t0_ < 0 && T > 0) {
      // Until the user drags a span: four steps from the cursor.
      span_t0_ = std::clamp(state.cursor_t, 0, T - 1);
      span_t1_ = std::min(T - 1, span_t0_ + 3);
    }
    const int t0 = std::min(span_t0_, span_t1_), t1 = std::max(span_t0_, span_t1_);
    ImGui::AlignTextToFramePadding();
    ImGui::Text("span t %d..%d", t0, t1);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6.0f);
    ImGui::SliderFloat("##threshold", &threshold_, 0.0f, 1.0f, "h > %.2f");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5.0f);
    ImGui::InputInt("##minlen", &min_length_, 1, 4);
    min_length_ = std::clamp(min_length_, 1, 1000);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("shortest run of characters to report");
    ImGui::SameLine();
    if (ImGui::Button("Find")) state.Send(CellQueryCommand{t0, t1, threshold_, min_length_});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("LSTMVis: the units on (h > threshold) throughout the span,\nand where else in the validation text they are all on");
    ImGui::SameLine();
    if (ImGui::Button("Clear")) state.Send(CellQueryCommand{-1, -1, threshold_, min_length_});

    if (query.t0 < 0) {
      ImGui::TextDisabled("drag over the text to choose a span, then Find");
      return;
    }
    if (!query.error.empty()) {
      ImGui::TextColored(kError, "%s", query.error.c_str());
      return;
    }
    std::string units;
    for (const UnitRef& u : query.units) {
      if (!units.empty()) units += ", ";
      units += UnitName(u);
    }
    ImGui::TextWrapped("on through t %d..%d (h > %.2f): %s", query.t0, query.t1, static_cast<double>(query.threshold), units.c_str());
    ImGui::TextDisabled("%zu other spans where all of them are on:", query.spans.size());
    ImGui::BeginChild("##spans", {0.0f, 0.0f}, false);
    for (const TextSpan& span : query.spans) {
      ImGui::TextDisabled("seq %d  %4d-%-4d", span.sequence, span.begin, span.end);
      ImGui::SameLine();
      ImGui::TextUnformatted(OneLine(span.text).c_str());
    }
    ImGui::EndChild();
  }

  std::string regex_;
  bool want_regex_signal_ = false;
  int signal_index_ = 0;
  int chosen_ = 0;             // row of the ranking whose unit colours the text
  int span_t0_ = -1, span_t1_ = -1;
  bool span_chosen_ = false;   // the user dragged a span (else it follows the last query)
  bool dragging_ = false;
  float threshold_ = 0.5f;
  int min_length_ = 3;

  // Recomputed in Refresh (per snapshot / signal / unit), not per frame.
  uint64_t version_ = ~uint64_t{0};
  std::string signal_name_;
  UnitRef unit_;
  std::vector<std::string> tokens_;
  std::vector<float> values_;
  float value_range_ = 1.0f;
  std::vector<float> probe_signal_;
  float signal_max_ = 0.0f;
  std::vector<PlotSeries> emergence_;
};

}  // namespace

std::unique_ptr<Panel> MakeCellFinderPanel() { return std::make_unique<CellFinderPanel>(); }

}  // namespace rnnscope
