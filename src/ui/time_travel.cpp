#include "ui/time_travel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "ui/ui_state.h"

namespace rnnscope {
namespace {

const ImU32 kTick = IM_COL32(150, 160, 180, 255);
const ImU32 kPicked = IM_COL32(255, 210, 90, 255);
const ImU32 kNow = IM_COL32(90, 170, 255, 255);
constexpr std::array kOptimizers = {"sgd", "momentum", "adagrad", "adam"};
constexpr std::array kClipModes = {"none", "value", "norm"};

float StripHeight() { return std::round(ImGui::GetTextLineHeight() * 0.9f); }

double MiB(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// The kept step closest to `step` (kept must not be empty).
int64_t Nearest(const std::vector<int64_t>& kept, double step) {
  int64_t best = kept.front();
  for (int64_t s : kept) {
    if (std::abs(static_cast<double>(s) - step) < std::abs(static_cast<double>(best) - step)) best = s;
  }
  return best;
}

}  // namespace

ImU32 BranchColor(std::size_t index) {
  // Distinct from the active line's blue and the validation orange.
  static const ImU32 kColors[] = {IM_COL32(170, 120, 255, 255), IM_COL32(90, 210, 140, 255),
                                  IM_COL32(240, 100, 160, 255), IM_COL32(200, 200, 90, 255),
                                  IM_COL32(90, 200, 220, 255), IM_COL32(220, 150, 110, 255)};
  return kColors[index % std::size(kColors)];
}

float TimeTravelBar::Height() {
  const ImGuiStyle& style = ImGui::GetStyle();
  return StripHeight() + style.ItemSpacing.y * 2.0f + ImGui::GetFrameHeight();
}

void TimeTravelBar::Pick(const std::vector<int64_t>& kept, double step) {
  if (!kept.empty()) picked_ = Nearest(kept, step);
}

void TimeTravelBar::Draw(const Snapshot& snapshot, UiState& state, const PlotResult& plot, bool plot_active) {
  const std::vector<int64_t>& kept = snapshot.ring_steps;
  // The ring thins out as it fills and a rewind drops later checkpoints: keep the pick on a
  // step that still exists.
  if (picked_ >= 0 && !std::binary_search(kept.begin(), kept.end(), picked_)) {
    if (kept.empty()) picked_ = -1; else Pick(kept, static_cast<double>(picked_));
  }
  if (plot_active && plot.area_max.x > plot.area_min.x) {
    const float mx = ImGui::GetIO().MousePos.x;
    const double t = std::clamp((mx - plot.area_min.x) / (plot.area_max.x - plot.area_min.x), 0.0f, 1.0f);
    Pick(kept, plot.x0 + t * (plot.x1 - plot.x0));
  }
  DrawStrip(snapshot, plot);
  DrawControls(snapshot, state);
  char note[128];
  std::snprintf(note, sizeof note, "timeline kept=%zu interval=%d bytes=%lld cap=%lld branches=%zu picked=%lld",
                kept.size(), snapshot.ring_interval, static_cast<long long>(snapshot.ring_bytes),
                static_cast<long long>(snapshot.ring_cap_bytes), snapshot.branches.size(),
                static_cast<long long>(picked_));
  state.NoteDrawn(note);
}

void TimeTravelBar::DrawStrip(const Snapshot& snapshot, const PlotResult& plot) {
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x, h = StripHeight();
  ImGui::InvisibleButton("##timeline", {std::max(width, 1.0f), h});
  const bool hovered = ImGui::IsItemHovered(), active = ImGui::IsItemActive();
  const bool aligned = plot.area_max.x > plot.area_min.x + 10.0f;
  // Without a drawn plot (tiny window) the strip spans the panel on the kept steps' own range.
  const float x_lo = aligned ? plot.area_min.x : origin.x, x_hi = aligned ? plot.area_max.x : origin.x + width;
  double s0 = plot.x0, s1 = plot.x1;
  if (!aligned && !snapshot.ring_steps.empty()) {
    s0 = static_cast<double>(snapshot.ring_steps.front());
    s1 = std::max(s0 + 1.0, static_cast<double>(snapshot.step));
  }
  auto to_x = [&](double step) { return x_lo + static_cast<float>((step - s0) / (s1 - s0)) * (x_hi - x_lo); };
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled({x_lo, origin.y}, {x_hi, origin.y + h}, ImGui::GetColorU32(ImGuiCol_FrameBg));
  const char* label = "ckpt";
  const ImVec2 ts = ImGui::CalcTextSize(label);
  if (x_lo - origin.x > ts.x + 6.0f) {
    draw->AddText({x_lo - ts.x - 6.0f, origin.y + (h - ts.y) * 0.5f}, ImGui::GetColorU32(ImGuiCol_TextDisabled), label);
  }
  // Where branches split off: small diamonds in their curve's colour.
  for (std::size_t b = 0; b < snapshot.branches.size(); ++b) {
    const float x = to_x(static_cast<double>(snapshot.branches[b].parent_step));
    if (x < x_lo - 1.0f || x > x_hi + 1.0f) continue;
    const float cy = origin.y + h * 0.5f, r = h * 0.45f;
    draw->AddQuadFilled({x, cy - r}, {x + r, cy}, {x, cy + r}, {x - r, cy}, BranchColor(b));
  }
  // A full ring holds ~150 checkpoints: closer than a few pixels, ticks go thin and faint so
  // the strip reads as a density, not a solid bar.
  const float spacing = (x_hi - x_lo) / static_cast<float>(std::max<std::size_t>(1, snapshot.ring_steps.size()));
  const bool dense = spacing < 4.0f;
  const ImU32 tick = dense ? (kTick & 0x00FFFFFFu) | (110u << 24) : kTick;
  for (int64_t s : snapshot.ring_steps) {
    const float x = to_x(static_cast<double>(s));
    if (x < x_lo - 1.0f || x > x_hi + 1.0f) continue;
    draw->AddLine({x, origin.y + 2.0f}, {x, origin.y + h - 2.0f}, tick, dense ? 1.0f : 1.5f);
  }
  const float now_x = to_x(static_cast<double>(snapshot.step));
  if (now_x >= x_lo && now_x <= x_hi) draw->AddTriangleFilled({now_x - 4, origin.y + h}, {now_x + 4, origin.y + h}, {now_x, origin.y + h - 6}, kNow);
  if (picked_ >= 0) {
    const float x = to_x(static_cast<double>(picked_));
    draw->AddRectFilled({x - 2.5f, origin.y}, {x + 2.5f, origin.y + h}, kPicked);
  }
  // The best validation step: a diamond in the validation curve's orange.
  const float best_x = best_step_ >= 0 ? to_x(static_cast<double>(best_step_)) : -1.0f;
  if (best_step_ >= 0 && best_x >= x_lo && best_x <= x_hi) {
    const float cy = origin.y + h * 0.5f, r = std::min(5.0f, h * 0.5f);
    draw->AddQuadFilled({best_x, cy - r}, {best_x + r, cy}, {best_x, cy + r}, {best_x - r, cy}, IM_COL32(255, 140, 60, 255));
  }
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const double mouse_step = s0 + (mouse.x - x_lo) / std::max(1.0f, x_hi - x_lo) * (s1 - s0);
  if (active) Pick(snapshot.ring_steps, mouse_step);
  if (hovered && !snapshot.ring_steps.empty()) {
    const bool near_best = best_step_ >= 0 && std::abs(mouse.x - best_x) <= 6.0f;
    char best[96] = "";
    if (near_best) std::snprintf(best, sizeof best, "\nbest validation at step %lld", static_cast<long long>(best_step_));
    ImGui::SetTooltip("checkpoint at step %lld (%zu kept)%s\nclick or drag: pick it, then Replay or Branch",
                      static_cast<long long>(Nearest(snapshot.ring_steps, mouse_step)), snapshot.ring_steps.size(), best);
  }
}

void TimeTravelBar::DrawControls(const Snapshot& snapshot, UiState& state) {
  if (snapshot.ring_interval == 0 && snapshot.ring_steps.empty()) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("time travel off");
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("no checkpoints kept: the ring's interval is 0, or this task or an imported model\n"
                        "has no in-memory checkpoints yet");
    }
    ImGui::SameLine();
  } else {
    const bool have = picked_ >= 0;
    char picked[32] = "pick a step";
    if (have) std::snprintf(picked, sizeof picked, "step %lld", static_cast<long long>(picked_));
    // The full labels when the row has room for them, short ones in a narrow tile (the tooltips
    // say the rest), so the row never wraps under the plot.
    const ImGuiStyle& style = ImGui::GetStyle();
    auto button_w = [&](const char* label) { return ImGui::CalcTextSize(label).x + style.FramePadding.x * 2.0f + style.ItemSpacing.x; };
    const float memory_w = ImGui::CalcTextSize("000.0/0000 MiB").x + style.FramePadding.x * 2.0f;
    const float avail = ImGui::GetContentRegionAvail().x;
    const float text_w = ImGui::CalcTextSize(picked).x + style.ItemSpacing.x;
    const bool roomy = text_w + button_w("Replay from here") + button_w("Branch from here") + memory_w <= avail;
    // In the narrowest tiles the step label goes too: the pick is the plot's cursor line and
    // the buttons' tooltips name it.
    const bool show_text = roomy || text_w + button_w("Replay") + button_w("Branch") + memory_w <= avail;
    if (show_text) {
      ImGui::AlignTextToFramePadding();
      if (have) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kPicked), "%s", picked);
      } else {
        ImGui::TextDisabled("%s", picked);
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("click or drag on the checkpoint strip or the loss plot");
      ImGui::SameLine();
    }
    ImGui::BeginDisabled(!have);
    if (ImGui::Button(roomy ? "Replay from here" : "Replay")) state.Send(RewindCommand{picked_, false, false, {}, {}});
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
      ImGui::SetTooltip("Replay from %s: rewind to the checkpoint and train again with the same settings and the\n"
                        "same batches, so the same losses bit for bit. The later steps are dropped.", have ? picked : "a picked step");
    }
    ImGui::SameLine();
    if (ImGui::Button(roomy ? "Branch from here" : "Branch")) {
      branch_settings_ = snapshot.settings;  // what the controls panel shows now
      branch_label_.clear();
      ImGui::OpenPopup("##branch");
    }
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
      ImGui::SetTooltip("Branch from %s: rewind to the checkpoint and continue with the hyperparameters you choose;\n"
                        "the abandoned future stays on the plot as its own curve.", have ? picked : "a picked step");
    }
    ImGui::EndDisabled();
    DrawBranchPopup(state);
    ImGui::SameLine();
  }
  // Memory in use, then the ring's settings behind one button: the tile is narrow.
  char memory[64];
  std::snprintf(memory, sizeof memory, "%.1f/%.0f MiB", MiB(snapshot.ring_bytes), MiB(snapshot.ring_cap_bytes));
  const float button_w = ImGui::CalcTextSize(memory).x + ImGui::GetStyle().FramePadding.x * 2.0f;
  const float right = ImGui::GetWindowContentRegionMax().x - button_w;
  if (ImGui::GetCursorPosX() <= right) ImGui::SetCursorPosX(right); else ImGui::NewLine();
  // The button's fill shows how full the ring is.
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  if (ImGui::Button(memory)) {
    ring_interval_ = snapshot.ring_interval;
    ring_cap_mib_ = static_cast<int>(std::lround(MiB(snapshot.ring_cap_bytes)));
    ImGui::OpenPopup("##ring");
  }
  const float fill = snapshot.ring_cap_bytes > 0
                         ? std::clamp(static_cast<float>(snapshot.ring_bytes) / static_cast<float>(snapshot.ring_cap_bytes), 0.0f, 1.0f)
                         : 0.0f;
  ImGui::GetWindowDrawList()->AddRectFilled({p0.x, ImGui::GetItemRectMax().y - 3.0f},
                                            {p0.x + button_w * fill, ImGui::GetItemRectMax().y}, kNow);
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("checkpoint ring: %zu kept, every %d steps\n%.2f MiB of %.0f MiB\nclick to change",
                      snapshot.ring_steps.size(), snapshot.ring_interval, MiB(snapshot.ring_bytes), MiB(snapshot.ring_cap_bytes));
  }
  DrawRingPopup(snapshot, state);
}

void TimeTravelBar::DrawBranchPopup(UiState& state) {
  if (!ImGui::BeginPopup("##branch")) return;
  ImGui::Text("Branch from step %lld with:", static_cast<long long>(picked_));
  ImGui::Separator();
  const float w = ImGui::GetFontSize() * 12.0f;
  ImGui::SetNextItemWidth(w);
  if (ImGui::BeginCombo("optimizer", branch_settings_.optimizer.c_str())) {
    for (const char* o : kOptimizers) {
      if (ImGui::Selectable(o, branch_settings_.optimizer == o)) branch_settings_.optimizer = o;
    }
    ImGui::EndCombo();
  }
  ImGui::SetNextItemWidth(w);
  ImGui::SliderFloat("learning rate", &branch_settings_.learning_rate, 1e-5f, 1.0f, "%.1e", ImGuiSliderFlags_Logarithmic);
  ImGui::SetNextItemWidth(w);
  if (ImGui::BeginCombo("clip", branch_settings_.clip_mode.c_str())) {
    for (const char* c : kClipModes) {
      if (ImGui::Selectable(c, branch_settings_.clip_mode == c)) branch_settings_.clip_mode = c;
    }
    ImGui::EndCombo();
  }
  if (branch_settings_.clip_mode != "none") {
    ImGui::SetNextItemWidth(w);
    ImGui::SliderFloat("clip at", &branch_settings_.clip, 0.01f, 100.0f, "%.3g", ImGuiSliderFlags_Logarithmic);
  }
  ImGui::SetNextItemWidth(w);
  ImGui::SliderInt("batch", &branch_settings_.batch, 1, 512, "%d", ImGuiSliderFlags_Logarithmic);
  ImGui::SetNextItemWidth(w);
  ImGui::InputTextWithHint("label", "empty: describe the change", &branch_label_);
  if (ImGui::Button("Branch")) {
    state.Send(RewindCommand{picked_, true, true, branch_settings_, branch_label_});
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

void TimeTravelBar::DrawRingPopup(const Snapshot& snapshot, UiState& state) {
  if (!ImGui::BeginPopup("##ring")) return;
  ImGui::TextUnformatted("Checkpoint ring (time travel)");
  ImGui::Separator();
  const float w = ImGui::GetFontSize() * 7.0f;
  ImGui::SetNextItemWidth(w);
  ImGui::InputInt("every N steps (0 = off)", &ring_interval_);
  ring_interval_ = std::max(0, ring_interval_);
  ImGui::SetNextItemWidth(w);
  ImGui::InputInt("memory cap, MiB", &ring_cap_mib_);
  ring_cap_mib_ = std::clamp(ring_cap_mib_, 1, 16384);
  const float fill = snapshot.ring_cap_bytes > 0 ? static_cast<float>(snapshot.ring_bytes) / static_cast<float>(snapshot.ring_cap_bytes) : 0.0f;
  char used[96];
  std::snprintf(used, sizeof used, "%.2f of %.0f MiB, %zu checkpoints", MiB(snapshot.ring_bytes), MiB(snapshot.ring_cap_bytes),
                snapshot.ring_steps.size());
  ImGui::ProgressBar(std::clamp(fill, 0.0f, 1.0f), {ImGui::GetFontSize() * 16.0f, 0.0f}, used);
  ImGui::TextDisabled("over the cap, kept steps thin out evenly; step 0 stays");
  if (ImGui::Button("Apply")) {
    state.Send(SetCheckpointRingCommand{ring_interval_, static_cast<int64_t>(ring_cap_mib_) << 20});
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace rnnscope
