// Manual LSTM: the textbook's single memory unit (model/manual_lstm.h), fed 3, 4, 2, 1, 3, with
// the input, forget and output gates opened (1) or closed (0) by hand per step. A table shows
// every step's gates, cell input, cell and output next to the textbook's expected values
// (y = 0 0 0 7 0, c = 3 7 7 7 0), and the chosen step is written out as a step-through. The
// same unit switches to real sigmoid gates (σ(±bias), or the lecture's 3-feature weights) and
// to tanh on the cell input and output, to show how close a real LSTM comes. Pure UI-side math
// (no trainer): recomputed only when an input changes.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "model/manual_lstm.h"
#include "train/snapshot.h"
#include "ui/panel_registry.h"
#include "ui/ui_state.h"

namespace rnnscope {
namespace {

const ImVec4 kDim = {0.55f, 0.57f, 0.62f, 1.0f};
const ImVec4 kResult = {1.0f, 0.83f, 0.35f, 1.0f};
const ImVec4 kGood = {0.55f, 0.9f, 0.55f, 1.0f};
const ImVec4 kOff = {0.9f, 0.55f, 0.45f, 1.0f};
// Same hues as the step-through panel: i blue, f green, o violet.
const ImVec4 kGateColor[3] = {{0.45f, 0.75f, 1.0f, 1.0f}, {0.55f, 0.90f, 0.55f, 1.0f}, {0.85f, 0.60f, 1.0f, 1.0f}};

// Short numbers for the table: integers stay integers, others get 5 significant digits (enough
// to show that σ(10) = 0.99995 is not quite 1), and tiny leaks such as σ(−10) = 4.5e−05 two, so
// every cell fits its column.
std::string Short(double v) {
  char b[32];
  if (std::abs(v - std::round(v)) < 1e-9) {
    std::snprintf(b, sizeof b, "%.0f", v == 0.0 ? 0.0 : v);  // no "-0"
  } else if (std::abs(v) < 1e-3) {
    std::snprintf(b, sizeof b, "%.1e", v);
  } else {
    std::snprintf(b, sizeof b, "%.5g", v);
  }
  return b;
}

double& GateRef(ManualGates& g, int which) { return which == 0 ? g.in : which == 1 ? g.forget : g.out; }
double GateOf(const ManualLstmStep& s, int which) { return which == 0 ? s.i : which == 1 ? s.f : s.o; }

class ManualLstmPanel final : public Panel {
 public:
  ManualLstmPanel() : Panel("Manual LSTM", "manual_lstm") { LoadTextbook(); }

  void DrawContent(const Snapshot& /*snapshot*/, UiState& state) override {
    DrawOptions();
    if (dirty_) Recompute();
    DrawTable();
    ImGui::Separator();
    DrawStepThrough();
    state.NoteDrawn(note_);
  }

 private:
  void LoadTextbook() {
    example_ = TextbookLstmExample();
    values_ = example_.values;
    schedule_ = example_.schedule;
    dirty_ = true;
  }

  void Recompute() {
    try {
      steps_ = RunManualLstm(options_, values_, schedule_, example_.inputs);
      error_.clear();
    } catch (const std::exception& e) {
      steps_.clear();
      error_ = e.what();
    }
    // Textbook check: only meaningful for the textbook's own inputs and schedule.
    textbook_inputs_ = values_ == example_.values;
    for (std::size_t t = 0; t < schedule_.size() && textbook_inputs_; ++t) {
      const ManualGates& a = schedule_[t];
      const ManualGates& b = example_.schedule[t];
      textbook_inputs_ = a.in == b.in && a.forget == b.forget && a.out == b.out;
    }
    std::string ys, cs;
    for (const ManualLstmStep& s : steps_) {
      // Appended piecewise: GCC 12 warns falsely on `"literal" + std::string&&` (PR 105329).
      if (!ys.empty()) ys += ',';
      ys += Short(s.y);
      if (!cs.empty()) cs += ',';
      cs += Short(s.c);
    }
    note_ = "manual_lstm mode=" + ManualGateModeName(options_.mode) +
            " g=" + (options_.cell_input == ManualActivation::kTanh ? "tanh" : "identity") +
            " h=" + (options_.cell_output == ManualActivation::kTanh ? "tanh" : "identity") + " y=" + ys + " c=" + cs;
    dirty_ = false;
  }

  void DrawOptions() {
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("gates");
    ImGui::SameLine();
    static const char* kModes[] = {"by hand (0 or 1)", "sigmoid \u03C3(\u00B1bias)", "lecture weights"};
    int mode = static_cast<int>(options_.mode);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10.0f);
    if (ImGui::Combo("##mode", &mode, kModes, 3)) {
      options_.mode = static_cast<ManualGateMode>(mode);
      dirty_ = true;
    }
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("by hand: the gate is the toggle's 0 or 1\n"
                        "sigmoid: \u03C3(+bias) for an open gate, \u03C3(\u2212bias) for a closed one\n"
                        "lecture weights: gates from x = (value, write/reset, read) through \u00B110-bias weights");
    }
    if (options_.mode == ManualGateMode::kSigmoid) {
      ImGui::SameLine();
      float bias = static_cast<float>(options_.open_bias);
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5.0f);
      if (ImGui::SliderFloat("bias", &bias, 0.5f, 20.0f, "%.1f")) {
        options_.open_bias = bias;
        dirty_ = true;
      }
    }
    ImGui::SameLine();
    bool tanh_g = options_.cell_input == ManualActivation::kTanh;
    bool tanh_h = options_.cell_output == ManualActivation::kTanh;
    if (ImGui::Checkbox("tanh g", &tanh_g)) {
      options_.cell_input = tanh_g ? ManualActivation::kTanh : ManualActivation::kIdentity;
      dirty_ = true;
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("cell input g(z): identity as in the textbook, or tanh as in a real LSTM");
    ImGui::SameLine();
    if (ImGui::Checkbox("tanh h", &tanh_h)) {
      options_.cell_output = tanh_h ? ManualActivation::kTanh : ManualActivation::kIdentity;
      dirty_ = true;
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("cell output h(c): identity as in the textbook, or tanh as in a real LSTM");
    ImGui::SameLine();
    if (ImGui::Button("Textbook")) {
      options_ = ManualLstmOptions{};
      LoadTextbook();
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("inputs 3 4 2 1 3, the textbook's gate schedule, identity activations");
    ImGui::TextDisabled("c\u209C = f\u00B7c\u209C\u208B\u2081 + i\u00B7g(z\u209C)    y\u209C = o\u00B7h(c\u209C)    "
                        "click a gate to open / close it; f = 1 keeps the cell");
  }

  void DrawTable() {
    if (!error_.empty()) {
      ImGui::TextColored(kOff, "%s", error_.c_str());
      return;
    }
    const int T = static_cast<int>(steps_.size());
    const bool hand_gates = options_.mode != ManualGateMode::kWeights;
    const ImGuiTableFlags flags = ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("##steps", T + 1, flags)) return;
    const float col_w = ImGui::GetFontSize() * 4.2f;
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 8.5f);
    for (int t = 0; t < T; ++t) ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, col_w);

    // Header: step numbers, clickable to choose the step written out below.
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    ImGui::TableNextColumn();
    ImGui::TextDisabled("step t");
    for (int t = 0; t < T; ++t) {
      ImGui::TableNextColumn();
      char label[16];
      std::snprintf(label, sizeof label, "t = %d", t + 1);
      if (ImGui::Selectable(label, selected_ == t)) selected_ = t;
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("write step %d out below", t + 1);
    }

    Label("input x", kDim);
    for (int t = 0; t < T; ++t) {
      ImGui::TableNextColumn();
      const ManualLstmStep& s = steps_[static_cast<std::size_t>(t)];
      if (hand_gates) {
        ImGui::TextUnformatted(Short(s.x[0]).c_str());
      } else {
        ImGui::Text("%s,%s,%s", Short(s.x[0]).c_str(), Short(s.x[1]).c_str(), Short(s.x[2]).c_str());
      }
    }
    static const char* kGateRows[3] = {"input gate i", "forget gate f", "output gate o"};
    for (int g = 0; g < 3; ++g) {
      Label(kGateRows[g], kGateColor[g]);
      for (int t = 0; t < T; ++t) {
        ImGui::TableNextColumn();
        const auto ti = static_cast<std::size_t>(t);
        if (hand_gates) {
          // A toggle per gate and step; its label is the gate's actual value (σ(±bias) in
          // sigmoid mode, exactly 0/1 by hand).
          double& setting = GateRef(schedule_[ti], g);
          const bool open = setting >= 0.5;
          ImGui::PushID(g * 100 + t);
          ImGui::PushStyleColor(ImGuiCol_Button, open ? ImVec4(0.25f, 0.55f, 0.30f, 0.85f) : ImVec4(0.30f, 0.30f, 0.34f, 0.85f));
          const std::string value = Short(GateOf(steps_[ti], g));
          if (ImGui::Button(value.c_str(), {col_w - 6.0f, 0.0f})) {
            setting = open ? 0.0 : 1.0;
            dirty_ = true;
          }
          ImGui::PopStyleColor();
          if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s at t = %d: %s (click to %s)", kGateRows[g], t + 1, open ? "open" : "closed", open ? "close" : "open");
          ImGui::PopID();
        } else {
          ImGui::TextColored(kGateColor[g], "%s", Short(GateOf(steps_[ti], g)).c_str());
        }
      }
    }
    ValueRow(options_.cell_input == ManualActivation::kTanh ? "cell input tanh(z)" : "cell input g = z",
             [](const ManualLstmStep& s) { return s.g; }, ImVec4(1.0f, 0.62f, 0.35f, 1.0f));
    ValueRow("cell before c\u209C\u208B\u2081", [](const ManualLstmStep& s) { return s.c_prev; }, kDim);
    ValueRow("cell c\u209C", [](const ManualLstmStep& s) { return s.c; }, kResult);
    ValueRow("output y\u209C", [](const ManualLstmStep& s) { return s.y; }, kResult);
    // The textbook's numbers, ticked where this run reproduces them (to 4 decimals).
    if (textbook_inputs_ && static_cast<int>(example_.expected_c.size()) == T) {
      ExpectedRow("textbook c", example_.expected_c, [](const ManualLstmStep& s) { return s.c; });
      ExpectedRow("textbook y", example_.expected_y, [](const ManualLstmStep& s) { return s.y; });
    }
    ImGui::EndTable();
    if (!textbook_inputs_) ImGui::TextDisabled("gates differ from the textbook's schedule: press Textbook to compare again");
  }

  static void Label(const char* text, ImVec4 color) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::AlignTextToFramePadding();
    ImGui::TextColored(color, "%s", text);
  }

  template <typename Get>
  void ValueRow(const char* label, Get get, ImVec4 color) {
    Label(label, kDim);
    for (const ManualLstmStep& s : steps_) {
      ImGui::TableNextColumn();
      ImGui::TextColored(color, "%s", Short(get(s)).c_str());
    }
  }

  template <typename Get>
  void ExpectedRow(const char* label, const std::vector<double>& expected, Get get) {
    Label(label, kDim);
    for (std::size_t t = 0; t < steps_.size(); ++t) {
      ImGui::TableNextColumn();
      const bool match = std::abs(get(steps_[t]) - expected[t]) < 5e-5;
      ImGui::TextColored(match ? kGood : kOff, "%s %s", Short(expected[t]).c_str(), match ? "\u2713" : "\u2717");
    }
  }

  // The chosen step as arithmetic, the way the textbook walks through it.
  void DrawStepThrough() {
    if (steps_.empty()) return;
    selected_ = std::clamp(selected_, 0, static_cast<int>(steps_.size()) - 1);
    const ManualLstmStep& s = steps_[static_cast<std::size_t>(selected_)];
    const bool tanh_g = options_.cell_input == ManualActivation::kTanh;
    const bool tanh_h = options_.cell_output == ManualActivation::kTanh;
    // The chosen step (a column header) as arithmetic: the gates' sigmoids when they are real,
    // then g, c and y.
    if (options_.mode != ManualGateMode::kHand) {
      ImGui::TextColored(kDim, "t = %d  i = \u03C3(%s) = %s   f = \u03C3(%s) = %s   o = \u03C3(%s) = %s", s.t, Short(s.i_pre).c_str(),
                         Short(s.i).c_str(), Short(s.f_pre).c_str(), Short(s.f).c_str(), Short(s.o_pre).c_str(), Short(s.o).c_str());
    }
    if (options_.mode == ManualGateMode::kHand) {
      ImGui::Text("t = %d  g = %s(%s) = %s", s.t, tanh_g ? "tanh" : "id", Short(s.z).c_str(), Short(s.g).c_str());
    } else {
      ImGui::Text("g = %s(%s) = %s", tanh_g ? "tanh" : "id", Short(s.z).c_str(), Short(s.g).c_str());
    }
    ImGui::Text("c = f\u00B7c\u209C\u208B\u2081 + i\u00B7g = %s\u00B7%s + %s\u00B7%s = ", Short(s.f).c_str(), Short(s.c_prev).c_str(),
                Short(s.i).c_str(), Short(s.g).c_str());
    ImGui::SameLine(0.0f, 0.0f);
    ImGui::TextColored(kResult, "%s", Short(s.c).c_str());
    ImGui::SameLine();
    ImGui::TextColored(kDim, "%s", s.f >= 0.5 ? (s.i >= 0.5 ? "(keep and add)" : "(keep)")
                                              : (s.i >= 0.5 ? "(reset, then write)" : "(reset)"));
    ImGui::Text("y = o\u00B7%s(c) = %s\u00B7%s = ", tanh_h ? "tanh" : "id", Short(s.o).c_str(),
                Short(tanh_h ? std::tanh(s.c) : s.c).c_str());
    ImGui::SameLine(0.0f, 0.0f);
    ImGui::TextColored(kResult, "%s", Short(s.y).c_str());
    ImGui::SameLine();
    ImGui::TextColored(kDim, "%s", s.o >= 0.5 ? "(read out)" : "(output closed)");
  }

  ManualLstmExample example_;
  ManualLstmOptions options_;
  std::vector<double> values_;
  std::vector<ManualGates> schedule_;
  std::vector<ManualLstmStep> steps_;
  std::string error_;
  std::string note_;
  bool textbook_inputs_ = true;
  bool dirty_ = true;
  int selected_ = 3;  // t = 4, where the textbook reads the 7 out
};

}  // namespace

std::unique_ptr<Panel> MakeManualLstmPanel() { return std::make_unique<ManualLstmPanel>(); }

}  // namespace rnnscope
