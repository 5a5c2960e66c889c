// Interventions: clamp a unit's h or c (ablate to 0, pin to a value) or pin one of its gates
// (forget gate = 1, input gate = 0, ...) for one unit or a whole layer, or (seq2seq with
// attention) overwrite one decoder step's attention row with a one-hot or uniform distribution,
// on the probe and optionally during training (AddInterventionCommand); the active ones are listed from the
// snapshot with a remove button each (RemoveInterventionCommand). Every other panel then shows
// the effect, since the trainer applies them in the forward pass it records.
#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "train/snapshot.h"
#include "ui/panel_registry.h"
#include "ui/token_text.h"
#include "ui/ui_state.h"

namespace rnnscope {
namespace {

void Row(const char* label) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(label);
  ImGui::TableNextColumn();
}

const char* GateLongName(const std::string& name) {
  if (name == "i") return "i  input";
  if (name == "f") return "f  forget";
  if (name == "g") return "g  candidate";
  if (name == "o") return "o  output";
  if (name == "r") return "r  reset";
  if (name == "z") return "z  update";
  if (name == "n") return "n  candidate";
  return name.c_str();
}

Intervention OneHotRow() {
  Intervention i;
  i.target = InterventionTarget::kAttentionRow;
  i.source = 0;
  return i;
}

class InterventionsPanel final : public Panel {
 public:
  InterventionsPanel() : Panel("Interventions", "interventions") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    if (!unit_initialised_) {
      // Start on the unit and layer the user is looking at, not on "everything".
      unit_ = state.selected_unit;
      draft_.unit = unit_;
      draft_.layer = state.layer;
      unit_initialised_ = true;
    }
    // The gates this model has (the first trace's names; every layer uses the same cell).
    const std::vector<std::string>* gates = snapshot.layers.empty() ? nullptr : &snapshot.layers.front().gate_names;
    const bool has_gates = gates != nullptr && gates->size() > 1;
    const bool lstm = snapshot.config.cell == CellKind::kLstm;
    if (draft_.target == InterventionTarget::kGate && !has_gates) draft_.target = InterventionTarget::kHidden;
    if (draft_.target == InterventionTarget::kCell && !lstm) draft_.target = InterventionTarget::kHidden;
    if (has_gates) draft_.gate = std::clamp(draft_.gate, 0, static_cast<int>(gates->size()) - 1);
    // Where they act is the job's word (RunningModel::interventions), not the panel's guess.
    const bool seq2seq = !snapshot.attention.empty();
    if (!snapshot.has_job) {
      ImGui::TextDisabled("no model runs: interventions wait for one");
    } else if (snapshot.running.interventions.empty()) {
      ImGui::TextColored({1.0f, 0.7f, 0.35f, 1.0f}, "task '%s' ignores interventions", snapshot.task.c_str());
    } else {
      ImGui::TextDisabled("%s", snapshot.running.interventions.c_str());
    }
    DrawForm(snapshot, state, gates, has_gates, lstm);
    if (seq2seq) {
      ImGui::Spacing();
      DrawAttentionForm(snapshot, state);
    }
    ImGui::Spacing();
    DrawList(snapshot, state);
    char note[96];
    std::snprintf(note, sizeof note, "interventions count=%zu labels=%zu", snapshot.interventions.size(),
                  snapshot.intervention_labels.size());
    state.NoteDrawn(note);
  }

 private:
  void DrawForm(const Snapshot& snapshot, UiState& state, const std::vector<std::string>* gates, bool has_gates,
                bool lstm) {
    ImGui::TextDisabled("Add a clamp or a pin");
    ImGui::Separator();
    if (!ImGui::BeginTable("form", 2, ImGuiTableFlags_SizingStretchProp)) return;
    ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 5.5f);
    ImGui::TableSetupColumn("widget", ImGuiTableColumnFlags_WidthStretch);
    const float w = ImGui::GetFontSize() * 8.0f;

    Row("clamp");
    ImGui::SetNextItemWidth(w);
    static const char* kTargets[] = {"hidden h", "cell c", "gate"};
    if (ImGui::BeginCombo("##target", kTargets[static_cast<int>(draft_.target)])) {
      if (ImGui::Selectable(kTargets[0], draft_.target == InterventionTarget::kHidden)) draft_.target = InterventionTarget::kHidden;
      if (lstm && ImGui::Selectable(kTargets[1], draft_.target == InterventionTarget::kCell)) draft_.target = InterventionTarget::kCell;
      if (has_gates && ImGui::Selectable(kTargets[2], draft_.target == InterventionTarget::kGate)) {
        draft_.target = InterventionTarget::kGate;
        draft_.value = 1.0f;  // the usual question: what if this gate were fully open?
      }
      ImGui::EndCombo();
    }
    if (draft_.target == InterventionTarget::kGate && has_gates) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(w);
      if (ImGui::BeginCombo("##gate", GateLongName((*gates)[static_cast<std::size_t>(draft_.gate)]))) {
        for (std::size_t g = 0; g < gates->size(); ++g) {
          if (ImGui::Selectable(GateLongName((*gates)[g]), static_cast<int>(g) == draft_.gate)) draft_.gate = static_cast<int>(g);
        }
        ImGui::EndCombo();
      }
    }

    Row("layer");
    const int layers = std::max(1, snapshot.config.layers);
    ImGui::SetNextItemWidth(w * 0.6f);
    const std::string layer_name = draft_.layer < 0 ? "all" : std::to_string(draft_.layer);
    if (ImGui::BeginCombo("##layer", layer_name.c_str())) {
      if (ImGui::Selectable("all", draft_.layer < 0)) draft_.layer = -1;
      for (int l = 0; l < layers; ++l) {
        if (ImGui::Selectable(std::to_string(l).c_str(), draft_.layer == l)) draft_.layer = l;
      }
      ImGui::EndCombo();
    }
    if (snapshot.config.Directions() > 1) {
      ImGui::SameLine();
      static const char* kDirections[] = {"both", "forward", "reverse"};
      ImGui::SetNextItemWidth(w * 0.8f);
      int choice = draft_.direction + 1;
      if (ImGui::Combo("##direction", &choice, kDirections, 3)) draft_.direction = choice - 1;
    } else {
      draft_.direction = -1;
    }

    Row("unit");
    bool all_units = draft_.unit < 0;
    if (ImGui::Checkbox("all", &all_units)) draft_.unit = all_units ? -1 : std::max(0, unit_);
    if (!all_units) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(w * 0.7f);
      if (ImGui::InputInt("##unit", &unit_, 1, 8)) {
        unit_ = std::clamp(unit_, 0, std::max(0, snapshot.config.hidden - 1));
      }
      draft_.unit = unit_;
      ImGui::SameLine();
      char selected[32];
      std::snprintf(selected, sizeof selected, "= selected (%d)", state.selected_unit);
      if (ImGui::SmallButton(selected)) unit_ = draft_.unit = state.selected_unit;
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("the unit picked in the heatmaps (click a cell, or \u2191 \u2193)");
    }

    Row("value");
    if (draft_.target == InterventionTarget::kGate) {
      if (ImGui::RadioButton("0 closed", draft_.value == 0.0f)) draft_.value = 0.0f;
      ImGui::SameLine();
      if (ImGui::RadioButton("1 open", draft_.value == 1.0f)) draft_.value = 1.0f;
      ImGui::SameLine();
    } else {
      if (ImGui::RadioButton("ablate 0", draft_.value == 0.0f)) draft_.value = 0.0f;
      ImGui::SameLine();
    }
    ImGui::SetNextItemWidth(w * 0.6f);
    ImGui::InputFloat("##value", &draft_.value, 0.0f, 0.0f, "%.3g");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("pin to any value");

    Row("");
    ImGui::Checkbox("also while training", &draft_.during_training);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("off: only the probe (and so every view) sees it\non: training steps use it too, and the loss shows the effect");
    ImGui::EndTable();

    if (ImGui::Button("Add intervention")) state.Send(AddInterventionCommand{draft_});
    ImGui::SameLine();
    ImGui::TextDisabled("probe loss %.4f", static_cast<double>(snapshot.probe_loss));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("the probe's loss with the interventions below applied");
  }

  // Overwrite one attention row: decoder step t := one-hot on a source position, or uniform.
  void DrawAttentionForm(const Snapshot& snapshot, UiState& state) {
    ImGui::TextDisabled("Overwrite an attention row");
    ImGui::Separator();
    const AttentionTrace& probe = snapshot.attention.front();
    if (probe.weights.size() == 0) {
      ImGui::TextDisabled("this model has no attention (attention none)");
      return;
    }
    // A click on a row of the attention map picks that step.
    if (state.attention_row >= 0 && state.attention_row != picked_row_) {
      picked_row_ = state.attention_row;
      attn_.step = picked_row_;
    }
    const int rows = static_cast<int>(probe.weights.rows()), cols = static_cast<int>(probe.weights.cols());
    if (!ImGui::BeginTable("attn_form", 2, ImGuiTableFlags_SizingStretchProp)) return;
    ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 5.5f);
    ImGui::TableSetupColumn("widget", ImGuiTableColumnFlags_WidthStretch);
    const float w = ImGui::GetFontSize() * 5.0f;
    auto token = [](const std::vector<std::string>& v, int i) {
      return i >= 0 && i < static_cast<int>(v.size()) ? VisibleToken(v[static_cast<std::size_t>(i)]) : std::string("?");
    };

    Row("output step");
    ImGui::SetNextItemWidth(w);
    if (ImGui::InputInt("##step", &attn_.step, 1, 4)) attn_.step = std::clamp(attn_.step, 0, 255);
    ImGui::SameLine();
    if (attn_.step < rows) ImGui::TextDisabled("'%s' on the probe", token(probe.output_tokens, attn_.step).c_str());
    else ImGui::TextDisabled("(past the probe's %d outputs)", rows);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("click a row of the attention map to pick it");

    Row("weights");
    bool one_hot = attn_.source >= 0;
    if (ImGui::RadioButton("one-hot on source", one_hot)) attn_.source = std::max(0, source_);
    ImGui::SameLine();
    if (ImGui::RadioButton("uniform", !one_hot)) attn_.source = -1;
    if (attn_.source >= 0) {
      Row("source pos");
      ImGui::SetNextItemWidth(w);
      if (ImGui::InputInt("##source", &source_, 1, 4)) source_ = std::clamp(source_, 0, std::max(0, cols - 1));
      attn_.source = source_;
      ImGui::SameLine();
      ImGui::TextDisabled("'%s'", token(probe.source_tokens, source_).c_str());
    }
    Row("");
    ImGui::Checkbox("also while training##attn", &attn_.during_training);
    ImGui::EndTable();
    attn_.target = InterventionTarget::kAttentionRow;
    if (ImGui::Button("Overwrite row")) state.Send(AddInterventionCommand{attn_});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("the context, the output and (while training) the loss follow\nfrom the new weights; no gradient reaches that row's scores");
  }

  static void DrawList(const Snapshot& snapshot, UiState& state) {
    ImGui::TextDisabled("Active (%zu)", snapshot.interventions.size());
    ImGui::Separator();
    if (snapshot.interventions.empty()) {
      ImGui::TextDisabled("none: the model runs as trained");
      return;
    }
    if (ImGui::BeginTable("active", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
      ImGui::TableSetupColumn("what", ImGuiTableColumnFlags_WidthStretch);
      ImGui::TableSetupColumn("where", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 6.0f);
      ImGui::TableSetupColumn("x", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFrameHeight() * 1.6f);
      for (std::size_t k = 0; k < snapshot.interventions.size(); ++k) {
        const Intervention& iv = snapshot.interventions[k];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted(k < snapshot.intervention_labels.size() ? snapshot.intervention_labels[k].c_str() : "?");
        ImGui::TableNextColumn();
        ImGui::TextDisabled(iv.during_training ? "probe + training" : "probe");
        ImGui::TableNextColumn();
        ImGui::PushID(iv.id);
        if (ImGui::SmallButton("\u00D7")) state.Send(RemoveInterventionCommand{iv.id});
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("remove");
        ImGui::PopID();
      }
      ImGui::EndTable();
    }
    if (ImGui::Button("Remove all")) state.Send(RemoveInterventionCommand{-1});
  }

  Intervention draft_;
  Intervention attn_ = OneHotRow();
  int source_ = 0, picked_row_ = -1;
  int unit_ = 0;
  bool unit_initialised_ = false;
};

}  // namespace

std::unique_ptr<Panel> MakeInterventionsPanel() { return std::make_unique<InterventionsPanel>(); }

}  // namespace rnnscope
