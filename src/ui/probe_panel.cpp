// Probe: type a text, run it through the current weights (ProbeCommand), and read it LSTMVis-
// style: the text drawn once per selected/pinned unit, each character's background coloured by
// that unit's hₜ (diverging map), rows aligned so a unit's on/off pattern can be compared with
// another's; below, the top-5 next-token predictions at the cursor from probe_probs.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "core/utf8.h"
#include "train/snapshot.h"
#include "ui/layer_picker.h"
#include "ui/panel_registry.h"
#include "ui/token_text.h"
#include "ui/ui_state.h"
#include "viz/colormap.h"

namespace rnnscope {
namespace {

const ImU32 kAccent = IM_COL32(255, 210, 90, 255);

class ProbePanel final : public Panel {
 public:
  ProbePanel() : Panel("Probe", "probe") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    DrawInput(state);
    LayerPicker(snapshot, state);
    const LayerTrace* trace = SelectedTrace(snapshot, state);
    if (trace == nullptr || trace->hidden.size() == 0) {
      ImGui::TextDisabled("no probe activations in this snapshot yet");
      return;
    }
    if (version_ != snapshot.version) {
      tokens_ = VisibleTokens(snapshot.probe_tokens);
      // How many tokens drew as a symbol (␣ ⏎ ␛ …) rather than as themselves: the smoke test
      // checks a text with ANSI escapes gets them.
      symbols_ = 0;
      for (std::size_t i = 0; i < tokens_.size(); ++i) symbols_ += tokens_[i] != snapshot.probe_tokens[i] ? 1 : 0;
      escapes_ = static_cast<int>(std::count(snapshot.probe_tokens.begin(), snapshot.probe_tokens.end(), "\x1b"));
      version_ = snapshot.version;
    }
    const float predictions_h = ImGui::GetTextLineHeightWithSpacing() * 7.0f;
    ImGui::BeginChild("##rows", {0, std::max(60.0f, ImGui::GetContentRegionAvail().y - predictions_h)}, false);
    DrawUnitRows(*trace, state);
    ImGui::EndChild();
    ImGui::Separator();
    DrawPredictions(snapshot, state);
  }

  std::optional<CsvTable> ExportCsv(const Snapshot& snapshot, const UiState& /*state*/) const override {
    return ProbeCsv(snapshot);
  }

 private:
  static void DrawInput(UiState& state) {
    const float button_w = ImGui::CalcTextSize("Probe").x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - button_w - ImGui::GetStyle().ItemSpacing.x);
    const bool enter = ImGui::InputTextWithHint("##probe_text", "type text and press Enter", &state.probe_text,
                                                ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if ((ImGui::Button("Probe") || enter) && !state.probe_text.empty()) state.Send(ProbeCommand{state.probe_text});
  }

  void DrawUnitRows(const LayerTrace& trace, UiState& state) {
    std::vector<int> units = {state.selected_unit};
    for (int p : state.pinned_units) {
      if (std::find(units.begin(), units.end(), p) == units.end()) units.push_back(p);
    }
    const int T = std::min(static_cast<int>(trace.hidden.cols()), static_cast<int>(tokens_.size()));
    if (T == 0) return;
    // Equal-width cells so every unit's row lines up character by character.
    float cell_w = 0.0f;
    for (int t = 0; t < T; ++t) cell_w = std::max(cell_w, ImGui::CalcTextSize(tokens_[static_cast<std::size_t>(t)].c_str()).x);
    cell_w = std::min(cell_w + 4.0f, ImGui::GetFontSize() * 3.0f);
    const float label_w = ImGui::CalcTextSize("h[0000]").x + 6.0f;
    const float row_h = ImGui::GetTextLineHeight() + 4.0f;
    const int per_line = std::max(4, static_cast<int>((ImGui::GetContentRegionAvail().x - label_w) / cell_w));
    const float range = 1.0f;  // h = o·tanh(c) and GRU/tanh-RNN states live in [−1, 1]
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    for (int start = 0; start < T; start += per_line) {
      const int end = std::min(T, start + per_line);
      for (int unit : units) {
        if (unit >= trace.hidden.rows()) continue;
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        ImGui::Dummy({label_w + cell_w * static_cast<float>(end - start), row_h});
        const std::string label = "h[" + std::to_string(unit) + "]";
        draw->AddText({origin.x, origin.y + 2.0f}, unit == state.selected_unit ? kAccent : ImGui::GetColorU32(ImGuiCol_TextDisabled),
                      label.c_str());
        for (int t = start; t < end; ++t) {
          const float v = trace.hidden(unit, t);
          const float u = std::clamp(0.5f + 0.5f * v / range, 0.0f, 1.0f);
          const ImVec2 p0 = {origin.x + label_w + cell_w * static_cast<float>(t - start), origin.y};
          const ImVec2 p1 = {p0.x + cell_w - 1.0f, p0.y + row_h - 1.0f};
          draw->AddRectFilled(p0, p1, ColormapU32(Colormap::kDiverging, u));
          const char* token = tokens_[static_cast<std::size_t>(t)].c_str();
          const float tw = ImGui::CalcTextSize(token).x;
          draw->AddText({p0.x + (cell_w - tw) * 0.5f, p0.y + 2.0f}, ContrastTextU32(SampleColormap(Colormap::kDiverging, u)), token);
          if (t == state.cursor_t) draw->AddRect({p0.x - 1, p0.y - 1}, {p1.x + 1, p1.y + 1}, kAccent, 0.0f, 0, 2.0f);
          if (ImGui::IsWindowHovered() && mouse.x >= p0.x && mouse.x < p1.x && mouse.y >= p0.y && mouse.y < p1.y) {
            ImGui::SetTooltip("t = %d  '%s'\nh[%d] = % .5f\nclick: move the cursor here", t, token, unit, static_cast<double>(v));
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
              state.cursor_t = t;
              state.selected_unit = unit;
            }
          }
        }
      }
      ImGui::Dummy({0.0f, 3.0f});
    }
    ImGui::TextDisabled("units: the selected one, then pinned ones (P or right-click a heatmap)");
    // Characters of the drawn tokens the font atlas has no glyph for (they would draw as "?").
    int missing = 0;
    for (const std::string& t : tokens_) {
      for (std::size_t pos = 0; pos < t.size();) {
        char32_t cp = 0;
        if (DecodeUtf8At(t, &pos, &cp) != Utf8Status::kOk) { ++pos; ++missing; continue; }
        missing += cp > 0xFFFF || ImGui::GetFont()->FindGlyphNoFallback(static_cast<ImWchar>(cp)) == nullptr ? 1 : 0;
      }
    }
    char note[160];
    std::snprintf(note, sizeof note, "probe cursor=%d unit=%d rows=%zu symbols=%d escapes=%d missing_glyphs=%d", state.cursor_t,
                  state.selected_unit, units.size(), symbols_, escapes_, missing);
    state.NoteDrawn(note);
  }

  void DrawPredictions(const Snapshot& snapshot, const UiState& state) {
    const MatF& probs = snapshot.probe_probs;
    const int t = state.cursor_t;
    if (probs.size() == 0 || t >= probs.cols()) {
      ImGui::TextDisabled("no predictions at t = %d", t);
      return;
    }
    const auto ti = static_cast<std::size_t>(t);
    const std::string input = ti < tokens_.size() ? tokens_[ti] : "?";
    const std::string target = ti < snapshot.probe_targets.size() ? snapshot.probe_targets[ti] : "";
    ImGui::Text("after '%s' (t = %d):", input.c_str(), t);
    if (!target.empty() && ImGui::GetContentRegionAvail().x > ImGui::GetFontSize() * 8.0f) {
      ImGui::SameLine();
      ImGui::TextDisabled(" next: '%s'", VisibleToken(target).c_str());
    }
    std::vector<int> order(static_cast<std::size_t>(probs.rows()));
    std::iota(order.begin(), order.end(), 0);
    const std::size_t k = std::min<std::size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](int a, int b) { return probs(a, t) > probs(b, t); });
    const float bar_w = std::max(60.0f, ImGui::GetContentRegionAvail().x - ImGui::GetFontSize() * 9.0f);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    for (std::size_t i = 0; i < k; ++i) {
      const int id = order[i];
      const std::string token = id < static_cast<int>(snapshot.vocab.size()) ? snapshot.vocab[static_cast<std::size_t>(id)] : "?";
      const float p = probs(id, t);
      const bool correct = !target.empty() && token == target;
      ImGui::TextColored(correct ? ImVec4(0.55f, 0.9f, 0.55f, 1.0f) : ImVec4(0.9f, 0.9f, 0.92f, 1.0f), "%zu. '%s'", i + 1,
                         VisibleToken(token).c_str());
      ImGui::SameLine(ImGui::GetFontSize() * 4.5f);
      const ImVec2 pos = ImGui::GetCursorScreenPos();
      ImGui::Dummy({bar_w, ImGui::GetTextLineHeight()});
      draw->AddRectFilled({pos.x, pos.y + 2.0f}, {pos.x + bar_w, pos.y + ImGui::GetTextLineHeight() - 1.0f}, IM_COL32(255, 255, 255, 16));
      draw->AddRectFilled({pos.x, pos.y + 2.0f}, {pos.x + bar_w * p, pos.y + ImGui::GetTextLineHeight() - 1.0f},
                          correct ? IM_COL32(110, 200, 110, 255) : ColormapU32(Colormap::kViridis, 0.35f + 0.6f * p));
      ImGui::SameLine();
      ImGui::Text("%5.1f%%", static_cast<double>(p) * 100.0);
    }
  }

  std::vector<std::string> tokens_;
  int symbols_ = 0, escapes_ = 0;
  uint64_t version_ = ~uint64_t{0};
};

}  // namespace

std::unique_ptr<Panel> MakeProbePanel() { return std::make_unique<ProbePanel>(); }

}  // namespace rnnscope
