// Step-through: one cell update at the cursor timestep for the selected unit, written out with
// the real numbers, so a learner can follow the recurrence one step at a time:
//   inputs xₜ, hₜ₋₁ (cₜ₋₁) → gates (each with a bar glyph) → cₜ = f·cₜ₋₁ + i·g → hₜ = o·tanh(cₜ)
// for LSTM, r/z/n → hₜ = (1−z)·n + z·hₜ₋₁ for GRU, hₜ for the plain RNNs. The numbers are the
// snapshot's own activations; the recomputed results are checked against the recorded state.
#include <imgui.h>

#include <cmath>
#include <cstdio>

#include "train/snapshot.h"
#include "ui/layer_picker.h"
#include "ui/panel_registry.h"
#include "ui/token_text.h"
#include "ui/ui_state.h"
#include "viz/colormap.h"

namespace rnnscope {
namespace {

const ImVec4 kDim = {0.55f, 0.57f, 0.62f, 1.0f};
const ImVec4 kText = {0.90f, 0.91f, 0.93f, 1.0f};
const ImVec4 kResult = {1.0f, 0.83f, 0.35f, 1.0f};
// One hue per gate, reused in the formulas so "f" in c = f·c + i·g is the same colour as its bar.
ImVec4 GateColor(const std::string& name) {
  if (name == "i" || name == "r") return {0.45f, 0.75f, 1.0f, 1.0f};
  if (name == "f" || name == "z") return {0.55f, 0.90f, 0.55f, 1.0f};
  if (name == "g" || name == "n") return {1.0f, 0.62f, 0.35f, 1.0f};
  if (name == "o") return {0.85f, 0.60f, 1.0f, 1.0f};
  return kText;
}

std::string Num(float v) {
  char b[32];
  // A real minus sign (U+2212) reads better than '-' in formulas.
  std::snprintf(b, sizeof b, v < 0 ? "\u2212%.3f" : "%.3f", static_cast<double>(std::abs(v)));
  return b;
}
// prefix + s without GCC 12's false -Wrestrict on `"literal" + std::string&&` (PR 105329).
std::string Cat(const char* prefix, std::string s) {
  s.insert(0, prefix);
  return s;
}
// Negative factors get parentheses inside products: 0.93·(−0.41).
std::string Factor(float v) {
  if (v >= 0) return Num(v);
  std::string s = "(";
  s += Num(v);
  s += ")";
  return s;
}

// A run of coloured pieces on one line.
struct Piece {
  std::string text;
  ImVec4 color = kText;
};
void Line(std::initializer_list<Piece> pieces, float indent = 0.0f) {
  if (indent > 0) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + indent);
  bool first = true;
  for (const Piece& p : pieces) {
    if (!first) ImGui::SameLine(0.0f, 0.0f);
    ImGui::TextColored(p.color, "%s", p.text.c_str());
    first = false;
  }
}

// A bar glyph: sigmoid-like values fill from the left on [0, 1] (viridis); signed values fill
// from the centre on [−range, range] (diverging), so sign and size read at a glance.
void ValueBar(float v, bool is_signed, float range = 1.0f) {
  const float w = ImGui::GetFontSize() * 5.0f, h = ImGui::GetTextLineHeight() - 3.0f;
  ImGui::Dummy({w, ImGui::GetTextLineHeight()});
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 p0 = {ImGui::GetItemRectMin().x, ImGui::GetItemRectMin().y + 2.0f};
  const ImVec2 p1 = {p0.x + w, p0.y + h};
  draw->AddRectFilled(p0, p1, IM_COL32(255, 255, 255, 18), 2.0f);
  if (is_signed) {
    const float u = std::clamp(v / std::max(range, 1e-6f), -1.0f, 1.0f);
    const float mid = (p0.x + p1.x) * 0.5f, x = mid + u * w * 0.5f;
    draw->AddRectFilled({std::min(mid, x), p0.y}, {std::max(mid, x), p1.y}, ColormapU32(Colormap::kDiverging, 0.5f + 0.5f * u), 2.0f);
    draw->AddLine({mid, p0.y - 1.0f}, {mid, p1.y + 1.0f}, IM_COL32(255, 255, 255, 90));
  } else {
    const float u = std::clamp(v, 0.0f, 1.0f);
    draw->AddRectFilled(p0, {p0.x + u * w, p1.y}, ColormapU32(Colormap::kViridis, u), 2.0f);
  }
  draw->AddRect(p0, p1, IM_COL32(255, 255, 255, 50), 2.0f);
}

const char* GateDescription(const std::string& name) {
  if (name == "i") return "\u03C3 input";
  if (name == "f") return "\u03C3 forget";
  if (name == "g") return "tanh cand.";
  if (name == "o") return "\u03C3 output";
  if (name == "r") return "\u03C3 reset";
  if (name == "z") return "\u03C3 update";
  if (name == "n") return "tanh cand.";
  return "state";
}

class StepThroughPanel final : public Panel {
 public:
  StepThroughPanel() : Panel("Step-through", "step_through") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    LayerPicker(snapshot, state);
    const LayerTrace* trace = SelectedTrace(snapshot, state);
    if (trace == nullptr || trace->hidden.size() == 0 || trace->gates.empty()) {
      ImGui::TextDisabled("no activations in this snapshot yet");
      return;
    }
    const int T = static_cast<int>(trace->hidden.cols());
    const int t = std::clamp(state.cursor_t, 0, T - 1);
    const int u = std::clamp(state.selected_unit, 0, static_cast<int>(trace->hidden.rows()) - 1);
    DrawNavigation(snapshot, *trace, state, t, u, T);
    // The previous state in processing order: t−1 forward, t+1 in the reverse direction, and
    // the carried-in initial state at the sequence's first processed step.
    const bool reverse = trace->direction == 1;
    const int prev_t = reverse ? t + 1 : t - 1;
    const bool initial = prev_t < 0 || prev_t >= T;
    const float h_prev = initial ? (trace->hidden_prev0.size() > u ? trace->hidden_prev0(u, 0) : 0.0f) : trace->hidden(u, prev_t);
    const bool lstm = trace->cell.size() > 0;
    const float c_prev = !lstm ? 0.0f : initial ? (trace->cell_prev0.size() > u ? trace->cell_prev0(u, 0) : 0.0f) : trace->cell(u, prev_t);
    const std::string prev_sub = reverse ? "\u209C\u208A\u2081" : "\u209C\u208B\u2081";  // ₜ₊₁ / ₜ₋₁

    if (ImGui::BeginChild("##math", {0, 0}, false)) {
      Section("inputs");
      const std::string token = InputToken(snapshot, *trace, t);
      Row("x\u209C", Cat("token '", token + "'"), kText);
      Row("h" + prev_sub, Num(h_prev), kText, initial ? "initial" : "", h_prev, true);
      if (lstm) Row("c" + prev_sub, Num(c_prev), kText, initial ? "initial" : "", c_prev, true, CellRange(*trace, u));
      Section("gates");
      for (std::size_t g = 0; g < trace->gates.size() && g < trace->gate_names.size(); ++g) {
        const std::string& name = trace->gate_names[g];
        const float v = trace->gates[g](u, t);
        const bool is_signed = name == "g" || name == "n" || name == "h";
        Row(name, Num(v), GateColor(name), GateDescription(name), v, is_signed);
      }
      Section("update");
      const float h = trace->hidden(u, t);
      if (lstm) {
        DrawLstm(*trace, u, t, c_prev, h, prev_sub);
      } else if (trace->gate_names.size() == 3) {
        DrawGru(*trace, u, t, h_prev, h, prev_sub);
      } else {
        DrawRnn(snapshot, h);
      }
    }
    ImGui::EndChild();
    char note[96];
    std::snprintf(note, sizeof note, "step_through cursor=%d unit=%d layer=%d dir=%d", t, u, trace->layer, trace->direction);
    state.NoteDrawn(note);
  }

 private:
  // Decoder steps of a seq2seq snapshot read the previous target token (<sos> first); the
  // encoder and char-LM layers read the probe tokens.
  static std::string InputToken(const Snapshot& snapshot, const LayerTrace& trace, int t) {
    const bool decoder = !snapshot.attention.empty() && &trace == &snapshot.layers.back();
    if (decoder) {
      if (t == 0) return "<sos>";
      const auto i = static_cast<std::size_t>(t - 1);
      return i < snapshot.probe_targets.size() ? VisibleToken(snapshot.probe_targets[i]) : "?";
    }
    if (trace.layer > 0) return Cat("layer ", std::to_string(trace.layer - 1)) + " output";
    const auto i = static_cast<std::size_t>(t);
    return i < snapshot.probe_tokens.size() ? VisibleToken(snapshot.probe_tokens[i]) : "?";
  }

  static float CellRange(const LayerTrace& trace, int u) {
    return std::max(1.0f, trace.cell.row(u).cwiseAbs().maxCoeff());
  }

  void DrawNavigation(const Snapshot& snapshot, const LayerTrace& trace, UiState& state, int t, int u, int T) {
    if (ImGui::ArrowButton("##prev_t", ImGuiDir_Left)) state.cursor_t = std::max(0, t - 1);
    ImGui::SameLine();
    ImGui::AlignTextToFramePadding();
    ImGui::TextColored(kResult, "t = %d", t);
    ImGui::SameLine();
    if (ImGui::ArrowButton("##next_t", ImGuiDir_Right)) state.cursor_t = std::min(T - 1, t + 1);
    ImGui::SameLine();
    ImGui::TextDisabled("of %d", T);
    ImGui::SameLine(0.0f, ImGui::GetFontSize() * 1.2f);
    ImGui::TextUnformatted("unit");
    ImGui::SameLine();
    int unit = u;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5.5f);
    if (ImGui::InputInt("##unit", &unit)) state.selected_unit = std::clamp(unit, 0, static_cast<int>(trace.hidden.rows()) - 1);
    // A strip of the surrounding tokens, the cursor's highlighted, as a reminder of where we are.
    const bool decoder = !snapshot.attention.empty() && &trace == &snapshot.layers.back();
    ImGui::TextDisabled("%s", decoder ? "decoder input:" : "context:");
    for (int k = std::max(0, t - 6); k <= std::min(T - 1, t + 6); ++k) {
      ImGui::SameLine(0.0f, 3.0f);
      const std::string tok = InputToken(snapshot, trace, k);
      if (k == t) {
        ImGui::TextColored(kResult, "[%s]", tok.c_str());
      } else {
        ImGui::TextColored(kDim, "%s", tok.c_str());
        if (ImGui::IsItemClicked()) state.cursor_t = k;
      }
    }
  }

  static void Section(const char* title) {
    ImGui::Dummy({0.0f, 1.0f});
    ImGui::TextColored(kDim, "%s", title);
    ImGui::SameLine();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float y = p.y + ImGui::GetTextLineHeight() * 0.5f;
    ImGui::GetWindowDrawList()->AddLine({p.x + 4.0f, y}, {p.x + ImGui::GetContentRegionAvail().x, y}, IM_COL32(255, 255, 255, 30));
    ImGui::NewLine();
  }

  // name · value · bar · note, aligned in columns.
  static void Row(const std::string& name, const std::string& value, ImVec4 color, const std::string& note = "",
                  float bar_value = NAN, bool is_signed = false, float range = 1.0f) {
    const float col = ImGui::GetFontSize();
    const float x = ImGui::GetCursorPosX();
    ImGui::SetCursorPosX(x + col * 0.8f);
    ImGui::TextColored(color, "%s", name.c_str());
    ImGui::SameLine(x + col * 3.2f);
    ImGui::TextColored(kText, "%s", value.c_str());
    if (std::isfinite(bar_value)) {
      ImGui::SameLine(x + col * 7.2f);
      ValueBar(bar_value, is_signed, range);
    }
    if (!note.empty()) {
      ImGui::SameLine(x + col * (std::isfinite(bar_value) ? 12.6f : 7.2f));
      ImGui::TextColored(kDim, "%s", note.c_str());
    }
  }

  static float Gate(const LayerTrace& trace, const char* name, int u, int t) {
    for (std::size_t g = 0; g < trace.gate_names.size(); ++g) {
      if (trace.gate_names[g] == name) return trace.gates[g](u, t);
    }
    return NAN;
  }

  static void Check(float computed, float recorded) {
    // Recomputed from rounded-free inputs, so any gap is a bug in the trace, not rounding.
    if (std::abs(computed - recorded) > 1e-3f * std::max(1.0f, std::abs(recorded))) {
      ImGui::TextColored({1.0f, 0.45f, 0.45f, 1.0f}, "   recorded %s differs", Num(recorded).c_str());
    }
  }

  void DrawLstm(const LayerTrace& trace, int u, int t, float c_prev, float h, const std::string& prev) {
    const float i = Gate(trace, "i", u, t), f = Gate(trace, "f", u, t), g = Gate(trace, "g", u, t),
                o = Gate(trace, "o", u, t);
    const float c = f * c_prev + i * g;
    const ImVec4 fc = GateColor("f"), ic = GateColor("i"), gc = GateColor("g"), oc = GateColor("o");
    const float pad = ImGui::GetFontSize() * 0.8f, eq = pad + ImGui::CalcTextSize("c\u209C ").x;
    Line({{"c\u209C", kResult}, {" = "}, {"f", fc}, {"\u00B7c" + prev}, {" + "}, {"i", ic}, {"\u00B7"}, {"g", gc},
          {"     keep + write", kDim}}, pad);
    Line({{"= "}, {Num(f), fc}, {Cat("\u00B7", Factor(c_prev))}, {" + "}, {Num(i), ic}, {"\u00B7"}, {Factor(g), gc}}, eq);
    Line({{"= "}, {Factor(f * c_prev)}, {" + "}, {Factor(i * g)}, {" = "}, {Num(c), kResult}}, eq);
    Check(c, trace.cell(u, t));
    Line({{"h\u209C", kResult}, {" = "}, {"o", oc}, {"\u00B7tanh(c\u209C)"}, {"     expose", kDim}}, pad);
    Line({{"= "}, {Num(o), oc}, {Cat("\u00B7tanh(", Num(c)) + ")"}}, eq);
    Line({{"= "}, {Num(o), oc}, {Cat("\u00B7", Factor(std::tanh(c)))}, {" = "}, {Num(o * std::tanh(c)), kResult}}, eq);
    Check(o * std::tanh(c), h);
  }

  void DrawGru(const LayerTrace& trace, int u, int t, float h_prev, float h, const std::string& prev) {
    const float r = Gate(trace, "r", u, t), z = Gate(trace, "z", u, t), n = Gate(trace, "n", u, t);
    const ImVec4 rc = GateColor("r"), zc = GateColor("z"), nc = GateColor("n");
    const float pad = ImGui::GetFontSize() * 0.8f, eq = pad + ImGui::CalcTextSize("h\u209C ").x;
    Line({{"n", nc}, {" = tanh(W\u00B7x\u209C + "}, {"r", rc}, {"\u00B7(U\u00B7h" + prev + " + b))"}}, pad);
    Line({{"r", rc}, {Cat(" = ", Num(r)) + "  ", kDim}, {r < 0.5f ? "mostly ignores the past" : "lets the past in", kDim}}, eq);
    ImGui::Spacing();
    Line({{"h\u209C", kResult}, {" = (1\u2212"}, {"z", zc}, {")\u00B7"}, {"n", nc}, {" + "}, {"z", zc}, {"\u00B7h" + prev}}, pad);
    Line({{"= "}, {Num(1.0f - z)}, {"\u00B7"}, {Factor(n), nc}, {" + "}, {Num(z), zc}, {Cat("\u00B7", Factor(h_prev))}}, eq);
    const float result = (1.0f - z) * n + z * h_prev;
    Line({{"= "}, {Factor((1.0f - z) * n)}, {" + "}, {Factor(z * h_prev)}, {" = "}, {Num(result), kResult}}, eq);
    Check(result, h);
  }

  void DrawRnn(const Snapshot& snapshot, float h) {
    const float pad = ImGui::GetFontSize() * 0.8f;
    const bool relu = snapshot.config.cell == CellKind::kRnnRelu;
    const bool jordan = snapshot.config.cell == CellKind::kJordan;
    Line({{"h\u209C", kResult}, {relu ? " = relu(" : " = tanh("}, {"W\u00B7x\u209C + U\u00B7"},
          {jordan ? "y\u209C\u208B\u2081" : "h\u209C\u208B\u2081"}, {" + b)"}}, pad);
    Line({{"= "}, {Num(h), kResult}}, pad + ImGui::CalcTextSize("h\u209C ").x);
  }

};

}  // namespace

std::unique_ptr<Panel> MakeStepThroughPanel() { return std::make_unique<StepThroughPanel>(); }

}  // namespace rnnscope
