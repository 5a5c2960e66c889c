// Controls: run/pause/step/reset, model structure (applied with a RebuildCommand), optimizer
// hyperparameters (SetSettingsCommand, effective from the next step), probe text, status line.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "train/snapshot.h"
#include "ui/panel_registry.h"
#include "ui/ui_state.h"

namespace rnnscope {
namespace {

constexpr std::array kTasks = {"charlm", "copy", "reverse", "sort", "add", "dates", "translation"};
constexpr std::array kCells = {CellKind::kLstm, CellKind::kGru, CellKind::kRnnTanh,
                               CellKind::kRnnRelu, CellKind::kJordan};
constexpr std::array kAttention = {"none", "additive", "dot", "general"};
constexpr std::array kOptimizers = {"sgd", "momentum", "adagrad", "adam"};
constexpr std::array kClipModes = {"none", "value", "norm"};

// A string combo over a fixed list; returns true when the choice changed.
template <std::size_t N>
bool StringCombo(const char* id, std::string& value, const std::array<const char*, N>& items) {
  bool changed = false;
  if (ImGui::BeginCombo(id, value.c_str())) {
    for (const char* item : items) {
      const bool selected = value == item;
      if (ImGui::Selectable(item, selected) && !selected) {
        value = item;
        changed = true;
      }
      if (selected) ImGui::SetItemDefaultFocus();
    }
    ImGui::EndCombo();
  }
  return changed;
}

// Label in the first column, widget filling the second.
void Row(const char* label) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(label);
  ImGui::TableNextColumn();
  ImGui::SetNextItemWidth(-FLT_MIN);
}

void SectionHeader(const char* text) {
  ImGui::Spacing();
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextUnformatted(text);
  ImGui::PopStyleColor();
  ImGui::Separator();
}

bool BeginForm(const char* id) {
  if (!ImGui::BeginTable(id, 2, ImGuiTableFlags_SizingStretchProp)) return false;
  ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 6.5f);
  ImGui::TableSetupColumn("widget", ImGuiTableColumnFlags_WidthStretch);
  return true;
}

class ControlsPanel final : public Panel {
 public:
  ControlsPanel() : Panel("Controls", "controls") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    SyncFrom(snapshot);
    DrawRunButtons(snapshot, state);
    DrawModel(snapshot, state);
    DrawOptimizer(state);
    DrawProbe(state);
    DrawStatus(snapshot, state);
  }

 private:
  // Pending edits follow the trainer until the user changes something; structural edits are
  // held until Rebuild, setting edits are sent at once and then follow the trainer again.
  void SyncFrom(const Snapshot& snapshot) {
    if (!structure_dirty_) {
      task_ = snapshot.task;
      model_ = snapshot.config;
    }
    if (!ImGui::IsAnyItemActive()) settings_ = snapshot.settings;
  }

  void DrawRunButtons(const Snapshot& snapshot, UiState& state) {
    const float w = (ImGui::GetContentRegionAvail().x - 2 * ImGui::GetStyle().ItemSpacing.x) / 3.0f;
    if (ImGui::Button(snapshot.paused ? "\u25B6 Run" : "\u2759\u2759 Pause", {w, 0})) {
      state.Send(PauseCommand{!snapshot.paused});
    }
    ImGui::SameLine();
    if (ImGui::Button("Step", {w, 0})) state.Send(StepCommand{1});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Train one batch (.)");
    ImGui::SameLine();
    if (ImGui::Button("Reset", {w, 0})) state.Send(ResetCommand{});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Re-initialise the weights from the seed");
  }

  void DrawModel(const Snapshot& snapshot, UiState& state) {
    SectionHeader("Model  (applied on Rebuild)");
    if (BeginForm("model")) {
      Row("Task");
      structure_dirty_ |= StringCombo("##task", task_, kTasks);
      Row("Cell");
      if (ImGui::BeginCombo("##cell", std::string(CellName(model_.cell)).c_str())) {
        for (CellKind kind : kCells) {
          if (ImGui::Selectable(std::string(CellName(kind)).c_str(), kind == model_.cell) &&
              kind != model_.cell) {
            model_.cell = kind;
            structure_dirty_ = true;
          }
        }
        ImGui::EndCombo();
      }
      Row("Hidden");
      structure_dirty_ |= ImGui::SliderInt("##hidden", &model_.hidden, 4, 1024, "%d",
                                           ImGuiSliderFlags_Logarithmic);
      Row("Layers");
      structure_dirty_ |= ImGui::SliderInt("##layers", &model_.layers, 1, 4);
      Row("Bidirectional");
      structure_dirty_ |= ImGui::Checkbox("##bidir", &model_.bidirectional);
      Row("Attention");
      // Attention belongs to the seq2seq tasks; ModelConfig has no field for it yet, so the
      // choice is shown but cannot be sent (see the report on snapshot.h/model_config.h).
      ImGui::BeginDisabled(true);
      StringCombo("##attention", attention_, kAttention);
      ImGui::EndDisabled();
      if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
        ImGui::SetTooltip("seq2seq tasks only (not yet in ModelConfig)");
      }
      ImGui::EndTable();
    }
    const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
    ImGui::BeginDisabled(!structure_dirty_);
    if (structure_dirty_) {
      ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.85f, 0.50f, 0.15f, 0.75f));
    }
    if (ImGui::Button("Rebuild", {w, 0})) {
      model_.vocab = snapshot.config.vocab;  // the task decides the vocabulary on rebuild
      state.Send(RebuildCommand{task_, model_, settings_});
      structure_dirty_ = false;
    }
    if (structure_dirty_) ImGui::PopStyleColor();
    ImGui::SameLine();
    if (ImGui::Button("Revert", {w, 0})) structure_dirty_ = false;
    ImGui::EndDisabled();
  }

  void DrawOptimizer(UiState& state) {
    SectionHeader("Optimizer  (applied next step)");
    bool send = false;
    if (BeginForm("optimizer")) {
      Row("Optimizer");
      send |= StringCombo("##opt", settings_.optimizer, kOptimizers);
      Row("Learning rate");
      ImGui::SliderFloat("##lr", &settings_.learning_rate, 1e-5f, 1.0f, "%.1e",
                         ImGuiSliderFlags_Logarithmic);
      send |= ImGui::IsItemDeactivatedAfterEdit();
      if (settings_.optimizer == "momentum" || settings_.optimizer == "adam") {
        Row(settings_.optimizer == "adam" ? "Beta1" : "Momentum");
        ImGui::SliderFloat("##momentum", &settings_.momentum, 0.0f, 0.999f, "%.3f");
        send |= ImGui::IsItemDeactivatedAfterEdit();
      }
      Row("Clip");
      send |= StringCombo("##clip", settings_.clip_mode, kClipModes);
      if (settings_.clip_mode != "none") {
        Row(settings_.clip_mode == "norm" ? "Max norm" : "Max |g|");
        ImGui::SliderFloat("##clipv", &settings_.clip, 0.01f, 100.0f, "%.3g",
                           ImGuiSliderFlags_Logarithmic);
        send |= ImGui::IsItemDeactivatedAfterEdit();
      }
      Row("Batch");
      ImGui::SliderInt("##batch", &settings_.batch, 1, 512, "%d", ImGuiSliderFlags_Logarithmic);
      send |= ImGui::IsItemDeactivatedAfterEdit();
      Row("Seq length");
      ImGui::SliderInt("##seq", &settings_.seq_len, 4, 512, "%d", ImGuiSliderFlags_Logarithmic);
      send |= ImGui::IsItemDeactivatedAfterEdit();
      Row("Seed");
      ImGui::InputScalar("##seed", ImGuiDataType_U64, &settings_.seed);
      send |= ImGui::IsItemDeactivatedAfterEdit();
      ImGui::EndTable();
    }
    if (send) state.Send(SetSettingsCommand{settings_});
  }

  void DrawProbe(UiState& state) {
    SectionHeader("Probe text");
    const float button_w = ImGui::CalcTextSize("Probe").x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - button_w - ImGui::GetStyle().ItemSpacing.x);
    const bool enter = ImGui::InputTextWithHint("##probe", "text to run through the model",
                                                &state.probe_text,
                                                ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if ((ImGui::Button("Probe") || enter) && !state.probe_text.empty()) {
      state.Send(ProbeCommand{state.probe_text});
    }
  }

  void DrawStatus(const Snapshot& snapshot, UiState& state) {
    // Pin the status block to the bottom of the panel when there is room.
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const float block = line * 4.0f + ImGui::GetStyle().ItemSpacing.y * 2;
    const float avail = ImGui::GetContentRegionAvail().y;
    if (avail > block) ImGui::Dummy({0.0f, avail - block});
    ImGui::Separator();
    ImGui::TextColored(snapshot.paused ? ImVec4(1.0f, 0.75f, 0.3f, 1.0f) : ImVec4(0.45f, 0.85f, 0.45f, 1.0f),
                       "%s", snapshot.paused ? "\u2759\u2759 paused" : "\u25B6 training");
    ImGui::SameLine();
    ImGui::Text("step %lld", static_cast<long long>(snapshot.step));
    ImGui::Text("%.0f tok/s   step %.1f ms", snapshot.tokens_per_second, snapshot.step_ms);
    ImGui::Text("frame %.1f ms (median)  p95 %.1f", state.frame.median_ms, state.frame.p95_ms);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextUnformatted(snapshot.status.empty() ? "ready" : snapshot.status.c_str());
    ImGui::PopStyleColor();
  }

  std::string task_ = "charlm";
  ModelConfig model_;
  TrainSettings settings_;
  std::string attention_ = "none";
  bool structure_dirty_ = false;
};

}  // namespace

std::unique_ptr<Panel> MakeControlsPanel() { return std::make_unique<ControlsPanel>(); }

}  // namespace rnnscope
