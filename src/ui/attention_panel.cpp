// Attention: the decoder × encoder attention matrix of a greedy decode (rows: output tokens,
// columns: source tokens), per-row hover with that row's weights and its argmax, a picker over
// the snapshot's examples (the probe first), a box to decode typed input (a ProbeCommand: the
// seq2seq job decodes the probe text as example 0), the greedy output and the beam hypotheses.
// Rows an intervention overwrote are outlined in red, and the output the unchanged model gives
// is shown beside the changed one; clicking a row picks it for the Interventions panel.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <cstdio>

#include "train/snapshot.h"
#include "ui/matrix_view.h"
#include "ui/panel_registry.h"
#include "ui/token_text.h"
#include "ui/ui_state.h"
#include "viz/colormap.h"

namespace rnnscope {
namespace {

// A whole sequence as the task joins it (AttentionTrace::source_text / output_text: words with
// spaces, characters without), control characters made visible.
std::string Shown(const std::string& joined) { return VisibleRunningText(joined); }

class AttentionPanel final : public Panel {
 public:
  AttentionPanel() : Panel("Attention", "attention") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    if (snapshot.attention.empty()) {
      ImGui::Spacing();
      ImGui::TextUnformatted("No attention in this snapshot.");
      ImGui::TextDisabled("The char-LM has no encoder to attend to: switch the task to");
      ImGui::TextDisabled("reverse or dates in Controls and press Rebuild.");
      state.NoteDrawn("attention empty");
      return;
    }
    example_ = std::clamp(example_, 0, static_cast<int>(snapshot.attention.size()) - 1);
    DrawToolbar(snapshot, state);
    const AttentionTrace& a = snapshot.attention[static_cast<std::size_t>(example_)];
    if (version_ != snapshot.version || shown_example_ != example_) {
      source_ = VisibleTokens(a.source_tokens);
      output_ = VisibleTokens(a.output_tokens);
      version_ = snapshot.version;
      shown_example_ = example_;
    }
    const float side_w = std::clamp(ImGui::GetContentRegionAvail().x * 0.32f, 160.0f, 300.0f);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float map_w = avail.x - side_w - ImGui::GetStyle().ItemSpacing.x;
    // Square-ish cells: a long source in a wide panel should not stretch rows into bands.
    const float rows = static_cast<float>(std::max<Eigen::Index>(1, a.weights.rows()));
    const float cols = static_cast<float>(std::max<Eigen::Index>(1, a.weights.cols()));
    const float line_h = ImGui::GetTextLineHeight();
    const float map_h = std::min(avail.y, (map_w - 60.0f) / cols * rows + 2.0f * line_h + 10.0f);

    MatrixViewSpec spec;
    spec.key = "attention/" + std::to_string(example_);
    spec.title = "attention  (output \u00D7 source)";
    spec.data = &a.weights;
    spec.version = snapshot.version;
    spec.style = {Colormap::kViridis, RangeMode::kFixed, 0.0f, 1.0f};
    spec.row_labels = &output_;
    spec.col_labels = &source_;
    spec.tooltip = false;
    // The probe (example 0) is what the other panels show, so the shared cursor applies to it.
    const bool is_probe = example_ == 0;
    if (is_probe) spec.highlight_col = state.cursor_t;
    spec.highlight_row = hovered_row_;
    spec.marked_rows = a.overridden_rows;
    const MatrixViewResult r = MatrixView(spec, {map_w, std::max(map_h, 80.0f)}, state);
    hovered_row_ = r.hovered_row;
    if (r.hovered_row >= 0) RowTooltip(a, r.hovered_row);
    if (r.clicked && is_probe) state.cursor_t = r.hovered_col;
    if (r.clicked) state.attention_row = r.hovered_row;
    ImGui::SameLine();
    DrawOutputs(snapshot, a, side_w);

    char note[256];
    std::snprintf(note, sizeof note, "attention cursor=%d unit=%d example=%d size=%dx%d overwritten=%zu changed=%d output='%.120s' forced=%d",
                  state.cursor_t, state.selected_unit, example_, static_cast<int>(a.weights.rows()),
                  static_cast<int>(a.weights.cols()), a.overridden_rows.size(),
                  !a.plain_output_tokens.empty() && a.plain_output_tokens != a.output_tokens ? 1 : 0,
                  Shown(a.output_text).c_str(), a.forced_prefix_tokens);
    state.NoteDrawn(note);
  }

  std::optional<CsvTable> ExportCsv(const Snapshot& snapshot, const UiState& /*state*/) const override {
    if (snapshot.attention.empty()) return std::nullopt;
    return AttentionCsv(snapshot, std::clamp(example_, 0, static_cast<int>(snapshot.attention.size()) - 1));
  }

 private:
  void DrawToolbar(const Snapshot& snapshot, UiState& state) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("example");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 11.0f);
    auto name = [&](int i) {
      const auto& s = snapshot.attention[static_cast<std::size_t>(i)].source_text;
      return (i == 0 ? "probe: " : "val " + std::to_string(i) + ": ") + Shown(s);
    };
    if (ImGui::BeginCombo("##example", name(example_).c_str())) {
      for (int i = 0; i < static_cast<int>(snapshot.attention.size()); ++i) {
        if (ImGui::Selectable(name(i).c_str(), i == example_)) example_ = i;
      }
      ImGui::EndCombo();
    }
    ImGui::SameLine();
    const float button_w = ImGui::CalcTextSize("Decode").x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SetNextItemWidth(std::max(60.0f, ImGui::GetContentRegionAvail().x - button_w - ImGui::GetStyle().ItemSpacing.x));
    const bool enter = ImGui::InputTextWithHint("##source", "type a source, e.g. abcdef", &state.probe_text,
                                                ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if ((ImGui::Button("Decode") || enter) && !state.probe_text.empty()) {
      state.Send(ProbeCommand{state.probe_text});
      example_ = 0;  // the job decodes the probe text as example 0
    }
    // Seq2Seq-Vis's "what if": the first output tokens, forced; decoding continues from them.
    const float force_w = ImGui::CalcTextSize("Force").x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SetNextItemWidth(std::max(60.0f, ImGui::GetContentRegionAvail().x - force_w - ImGui::GetStyle().ItemSpacing.x));
    const bool force_enter = ImGui::InputTextWithHint("##prefix", "force the output to start with… (empty: free)",
                                                      &prefix_, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if (ImGui::Button("Force") || force_enter) {
      state.Send(DecoderPrefixCommand{prefix_});
      example_ = 0;  // the prefix applies to the probe
    }
  }

  // The hovered output step's whole distribution over the source, with its argmax.
  static void RowTooltip(const AttentionTrace& a, int row) {
    const auto& w = a.weights;
    Eigen::Index argmax = 0;
    w.row(row).maxCoeff(&argmax);
    auto token = [](const std::vector<std::string>& v, Eigen::Index i) {
      return i < static_cast<Eigen::Index>(v.size()) ? VisibleToken(v[static_cast<std::size_t>(i)]) : std::string("?");
    };
    ImGui::BeginTooltip();
    ImGui::Text("output %d  '%s'  attends most to source %d '%s' (%.2f)", row, token(a.output_tokens, row).c_str(),
                static_cast<int>(argmax), token(a.source_tokens, argmax).c_str(), static_cast<double>(w(row, argmax)));
    ImGui::Separator();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float bar_w = ImGui::GetFontSize() * 8.0f;
    for (Eigen::Index c = 0; c < w.cols(); ++c) {
      const float v = w(row, c);
      ImGui::TextColored(c == argmax ? ImVec4(1.0f, 0.83f, 0.35f, 1.0f) : ImVec4(0.8f, 0.8f, 0.85f, 1.0f), "%3d %-6s %.3f",
                         static_cast<int>(c), token(a.source_tokens, c).c_str(), static_cast<double>(v));
      ImGui::SameLine();
      const ImVec2 p = ImGui::GetCursorScreenPos();
      ImGui::Dummy({bar_w, ImGui::GetTextLineHeight()});
      draw->AddRectFilled({p.x, p.y + 3.0f}, {p.x + bar_w * std::clamp(v, 0.0f, 1.0f), p.y + ImGui::GetTextLineHeight() - 2.0f},
                          ColormapU32(Colormap::kViridis, v));
    }
    ImGui::EndTooltip();
  }

  static void DrawOutputs(const Snapshot& snapshot, const AttentionTrace& a, float width) {
    ImGui::BeginChild("##outputs", {width, 0}, true);
    ImGui::TextDisabled("source");
    ImGui::TextWrapped("%s", Shown(a.source_text).c_str());
    ImGui::Spacing();
    const bool intervened = !a.plain_output_tokens.empty();
    ImGui::TextDisabled(intervened ? "with interventions" : "greedy output");
    if (!a.forced_prefix.empty()) {
      ImGui::SameLine();
      ImGui::TextColored({0.55f, 0.8f, 1.0f, 1.0f}, "(first %d forced: %s)", a.forced_prefix_tokens,
                         a.forced_prefix.c_str());
    }
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.83f, 0.35f, 1.0f));
    ImGui::TextWrapped("%s", Shown(a.output_text).c_str());
    ImGui::PopStyleColor();
    if (intervened) {
      ImGui::TextDisabled("without (as trained)");
      ImGui::TextWrapped("%s", Shown(a.plain_output_text).c_str());
      for (int row : a.overridden_rows) {
        ImGui::TextColored({1.0f, 0.45f, 0.45f, 1.0f}, "row %d overwritten", row);
      }
    }
    if (!a.beam_outputs.empty()) {
      ImGui::Spacing();
      ImGui::TextDisabled("beam search (log-prob)");
      for (std::size_t i = 0; i < a.beam_outputs.size(); ++i) {
        const float score = i < a.beam_scores.size() ? a.beam_scores[i] : NAN;
        ImGui::Text("%zu.", i + 1);
        ImGui::SameLine();
        ImGui::TextColored(i == 0 ? ImVec4(0.55f, 0.9f, 0.55f, 1.0f) : ImVec4(0.85f, 0.85f, 0.9f, 1.0f), "%s",
                           Shown(a.beam_outputs[i]).c_str());
        ImGui::SameLine();
        ImGui::TextDisabled("%.3f", static_cast<double>(score));
      }
    }
    ImGui::Spacing();
    ImGui::TextDisabled("task %s   step %lld", snapshot.task.c_str(), static_cast<long long>(snapshot.step));
    ImGui::EndChild();
  }

  int example_ = 0, shown_example_ = -1, hovered_row_ = -1;
  std::string prefix_;  // the forced decoder prefix being typed
  uint64_t version_ = ~uint64_t{0};
  std::vector<std::string> source_, output_;
};

}  // namespace

std::unique_ptr<Panel> MakeAttentionPanel() { return std::make_unique<AttentionPanel>(); }

}  // namespace rnnscope
