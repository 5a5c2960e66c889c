// Breakpoints: the rules that pause training (NaN/Inf, gradient-norm explosion, gate saturation,
// step N), sent as a SetBreakpointsCommand whenever one is edited; and, when one has fired, a
// banner saying which rule, where (layer, direction, timestep, tensor), the measured value
// against its threshold and the trainer's message, with Resume, Rewind and "show in views".
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "train/snapshot.h"
#include "ui/panel_registry.h"
#include "ui/ui_state.h"

namespace rnnscope {
namespace {

const ImVec4 kAlarm = {1.0f, 0.42f, 0.32f, 1.0f};
const ImVec4 kDim = {0.55f, 0.57f, 0.62f, 1.0f};

// Label in the first column, the widget in the second (as in the controls panel).
void Row(const char* label, const char* tooltip) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(label);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tooltip);
  ImGui::TableNextColumn();
}

class BreakpointsPanel final : public Panel {
 public:
  BreakpointsPanel() : Panel("Breakpoints", "breakpoints") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    // Follow the trainer's rules unless an edit is on its way (the echo arrives a frame later; if
    // the trainer adjusted the rules, its version wins after a few snapshots).
    if (sent_ && (snapshot.breakpoint_rules == rules_ || snapshot.version > sent_version_ + 2)) sent_ = false;
    if (!sent_ && !ImGui::IsAnyItemActive()) rules_ = snapshot.breakpoint_rules;
    if (!snapshot.breakpoint.empty()) DrawHit(snapshot, state);
    DrawRules(snapshot, state);
    char note[160];
    std::snprintf(note, sizeof note, "breakpoints nonfinite=%d grad=%g saturation=%g band=%g-%g at_step=%lld hit=%s",
                  rules_.non_finite ? 1 : 0, static_cast<double>(rules_.grad_norm_above),
                  static_cast<double>(rules_.saturation_fraction_above), static_cast<double>(rules_.saturation_low),
                  static_cast<double>(rules_.saturation_high), static_cast<long long>(rules_.at_step),
                  snapshot.breakpoint.empty() ? "none" : snapshot.breakpoint_hit.rule.c_str());
    state.NoteDrawn(note);
  }

 private:
  void DrawHit(const Snapshot& snapshot, UiState& state) {
    const BreakpointHit& hit = snapshot.breakpoint_hit;
    // A framed, tinted block so a pause caused by a rule cannot be mistaken for a user's pause.
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.35f, 0.08f, 0.06f, 0.85f));
    ImGui::PushStyleColor(ImGuiCol_Border, kAlarm);
    const bool has_tensor = !hit.tensor.empty();
    const bool has_value = std::isfinite(hit.value) || std::isfinite(hit.threshold);
    // Title, the message (wrapped: it can be long), where, the optional rows, the buttons. ImGui
    // 1.86 children cannot size to their content, so the height is added up here.
    const ImGuiStyle& style = ImGui::GetStyle();
    const float wrap_w = ImGui::GetContentRegionAvail().x - style.WindowPadding.x * 2.0f;
    const float message_h = ImGui::CalcTextSize(snapshot.breakpoint.c_str(), nullptr, false, wrap_w).y;
    const float lines = 2.0f + (has_tensor ? 1.0f : 0.0f) + (has_value ? 1.0f : 0.0f);
    const float height = ImGui::GetTextLineHeightWithSpacing() * lines + message_h + style.ItemSpacing.y +
                         ImGui::GetFrameHeight() + style.WindowPadding.y * 2.0f;
    ImGui::BeginChild("##hit", {0.0f, height}, true, ImGuiWindowFlags_NoScrollbar);
    ImGui::TextColored(kAlarm, "\u2759\u2759 BREAKPOINT  %s", hit.rule.empty() ? "?" : hit.rule.c_str());
    ImGui::SameLine();
    ImGui::TextColored(kDim, "at step %lld", static_cast<long long>(hit.step));
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(snapshot.breakpoint.c_str());
    ImGui::PopTextWrapPos();
    // Where: only the coordinates that apply to this rule (-1 elsewhere).
    std::string where;
    if (hit.layer >= 0) where += "layer " + std::to_string(hit.layer);
    if (hit.direction >= 0) where += std::string(where.empty() ? "" : "  ") + (hit.direction == 1 ? "reverse" : "forward");
    if (hit.timestep >= 0) where += std::string(where.empty() ? "" : "  ") + "timestep " + std::to_string(hit.timestep);
    ImGui::TextColored(kDim, "where ");
    ImGui::SameLine(0.0f, 0.0f);
    ImGui::TextUnformatted(where.empty() ? "the whole step" : where.c_str());
    if (has_tensor) {
      ImGui::TextColored(kDim, "tensor ");
      ImGui::SameLine(0.0f, 0.0f);
      ImGui::TextUnformatted(hit.tensor.c_str());
    }
    if (has_value) {
      ImGui::TextColored(kDim, "value ");
      ImGui::SameLine(0.0f, 0.0f);
      ImGui::Text("%.4g   threshold %.4g", hit.value, hit.threshold);
    }
    if (ImGui::Button("\u25B6 Resume")) state.Send(PauseCommand{false});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Clear the breakpoint and keep training");
    ImGui::SameLine();
    const int64_t target = RewindTarget(snapshot);
    ImGui::BeginDisabled(target < 0);
    char rewind[48];
    std::snprintf(rewind, sizeof rewind, "\u25C0\u25C0 Rewind to %lld", static_cast<long long>(std::max<int64_t>(target, 0)));
    if (ImGui::Button(target >= 0 ? rewind : "\u25C0\u25C0 Rewind")) state.Send(RewindCommand{target, false, false, {}, {}});
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
      ImGui::SetTooltip(target >= 0 ? "Back to the newest kept checkpoint before the hit (replay);\n"
                                      "branch with other settings from the timeline under the loss plot"
                                    : "no checkpoint before this step");
    }
    ImGui::EndDisabled();
    if (hit.layer >= 0 || hit.timestep >= 0) {
      ImGui::SameLine();
      if (ImGui::Button("Show in views")) {
        // Points the shared cursor at the hit so gates, states and step-through show it.
        if (hit.layer >= 0) state.layer = hit.layer;
        if (hit.direction >= 0) state.direction = hit.direction;
        if (hit.timestep >= 0) state.cursor_t = hit.timestep;
      }
    }
    ImGui::EndChild();
    ImGui::PopStyleColor(2);
    ImGui::Spacing();
  }

  // The newest kept checkpoint strictly before the hit (the hit's own step may be the bad one).
  static int64_t RewindTarget(const Snapshot& snapshot) {
    int64_t target = -1;
    for (int64_t s : snapshot.ring_steps) {
      if (s < snapshot.breakpoint_hit.step) target = s;
    }
    if (target < 0 && !snapshot.ring_steps.empty() && snapshot.ring_steps.front() <= snapshot.breakpoint_hit.step) {
      target = snapshot.ring_steps.front();
    }
    return target;
  }

  void DrawRules(const Snapshot& snapshot, UiState& state) {
    ImGui::TextDisabled("Pause training when...");
    ImGui::Separator();
    bool changed = false;
    if (ImGui::BeginTable("rules", 2, ImGuiTableFlags_SizingStretchProp)) {
      ImGui::TableSetupColumn("rule", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 9.0f);
      ImGui::TableSetupColumn("setting", ImGuiTableColumnFlags_WidthStretch);
      const float w = ImGui::GetFontSize() * 6.0f;

      Row("NaN / Inf", "a loss or gradient became non-finite (the update is never applied)");
      changed |= ImGui::Checkbox("##nonfinite", &rules_.non_finite);

      Row("grad norm above", "global L2 gradient norm before clipping; names the parameter with the largest gradient");
      bool grad_on = rules_.grad_norm_above > 0.0f;
      if (ImGui::Checkbox("##grad_on", &grad_on)) {
        rules_.grad_norm_above = grad_on ? std::max(last_grad_, 1.0f) : 0.0f;
        changed = true;
      }
      ImGui::SameLine();
      ImGui::SetNextItemWidth(w);
      ImGui::BeginDisabled(!grad_on);
      ImGui::InputFloat("##grad", &rules_.grad_norm_above, 0.0f, 0.0f, "%.3g");
      changed |= ImGui::IsItemDeactivatedAfterEdit();
      ImGui::EndDisabled();
      if (grad_on) last_grad_ = rules_.grad_norm_above;
      if (!snapshot.history.empty()) {
        ImGui::SameLine();
        ImGui::TextDisabled("now %.3g", static_cast<double>(snapshot.history.back().grad_norm));
      }

      Row("gate saturation", "fraction of one sigmoid gate's (unit, timestep) values on the probe outside the band,\n"
                             "in any layer; fires once per crossing");
      bool sat_on = rules_.saturation_fraction_above > 0.0f;
      if (ImGui::Checkbox("##sat_on", &sat_on)) {
        rules_.saturation_fraction_above = sat_on ? std::max(last_fraction_, 0.05f) : 0.0f;
        changed = true;
      }
      ImGui::SameLine();
      ImGui::SetNextItemWidth(w);
      ImGui::BeginDisabled(!sat_on);
      ImGui::SliderFloat("##sat", &rules_.saturation_fraction_above, 0.01f, 1.0f, "> %.2f");
      changed |= ImGui::IsItemDeactivatedAfterEdit();
      if (sat_on) last_fraction_ = rules_.saturation_fraction_above;
      ImGui::SameLine();
      ImGui::TextDisabled("of values");
      ImGui::EndDisabled();

      Row("  band", "a gate value counts as saturated below `low` or above `high`");
      ImGui::BeginDisabled(!sat_on);
      ImGui::SetNextItemWidth(w);
      ImGui::SliderFloat("##low", &rules_.saturation_low, 0.0f, 0.5f, "< %.2f");
      changed |= ImGui::IsItemDeactivatedAfterEdit();
      ImGui::SameLine();
      ImGui::SetNextItemWidth(w);
      ImGui::SliderFloat("##high", &rules_.saturation_high, 0.5f, 1.0f, "> %.2f");
      changed |= ImGui::IsItemDeactivatedAfterEdit();
      ImGui::EndDisabled();

      Row("at step", "pause when the step count reaches N");
      bool step_on = rules_.at_step >= 0;
      if (ImGui::Checkbox("##step_on", &step_on)) {
        rules_.at_step = step_on ? snapshot.step + 100 : -1;
        changed = true;
      }
      ImGui::SameLine();
      ImGui::SetNextItemWidth(w);
      ImGui::BeginDisabled(!step_on);
      ImGui::InputScalar("##at_step", ImGuiDataType_S64, &rules_.at_step);
      changed |= ImGui::IsItemDeactivatedAfterEdit();
      ImGui::SameLine();
      if (ImGui::Button("+100")) {
        rules_.at_step = snapshot.step + 100;
        changed = true;
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("100 steps from now (step %lld)", static_cast<long long>(snapshot.step + 100));
      ImGui::EndDisabled();
      ImGui::EndTable();
    }
    if (changed) {
      rules_.saturation_low = std::min(rules_.saturation_low, rules_.saturation_high);
      state.Send(SetBreakpointsCommand{rules_});
      sent_ = true;
      sent_version_ = snapshot.version;
    }
    ImGui::Spacing();
    if (snapshot.breakpoint.empty()) ImGui::TextDisabled("no breakpoint has fired");
  }

  BreakpointRules rules_;
  bool sent_ = false;           // an edit is on its way to the trainer
  uint64_t sent_version_ = 0;   // the snapshot version when it was sent
  float last_grad_ = 10.0f;     // thresholds remembered across off/on toggles
  float last_fraction_ = 0.5f;
};

}  // namespace

std::unique_ptr<Panel> MakeBreakpointsPanel() { return std::make_unique<BreakpointsPanel>(); }

}  // namespace rnnscope
