// Dynamics (docs/dynamics.md): the probe's and held-out sequences' states projected into a plane
// (PCA following training, PCA kept fixed, or two chosen units), with the shared cursor's state
// marked; the fixed and slow points of a chosen constant input drawn there with their unstable
// directions, and the selected point's eigenvalues against the unit circle; the Jacobian
// ∂s_t/∂s_{t−1} along the probe (its largest singular values and ‖∂s_t/∂s_0‖, the product that
// decides whether gradients vanish or explode); and G[t, t′] = ‖∂L_t/∂h_t′‖ as a lower-triangular
// heatmap on a log scale with the input saliency of the cursor's output drawn on the probe text.
//
// Everything is computed off the trainer thread by train/dynamics_worker.h and read here through
// TrainerLink::Dynamics(); the panel asks for views only while it is open.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/utf8.h"
#include "train/dynamics_view.h"
#include "train/snapshot.h"
#include "train/trainer_link.h"
#include "ui/compare.h"
#include "ui/panel_registry.h"
#include "ui/token_text.h"
#include "ui/ui_state.h"
#include "viz/colormap.h"
#include "viz/plot.h"

namespace rnnscope {
namespace {

const ImU32 kHeldOut = IM_COL32(150, 150, 160, 70);
const ImU32 kProbe = IM_COL32(90, 170, 255, 255);
const ImU32 kCursor = IM_COL32(255, 210, 90, 255);
const ImU32 kStable = IM_COL32(110, 220, 120, 255);
const ImU32 kSaddle = IM_COL32(255, 160, 60, 255);
const ImU32 kUnstable = IM_COL32(240, 80, 80, 255);
const ImVec4 kError = {1.0f, 0.45f, 0.35f, 1.0f};

ImU32 StabilityColor(Stability s) {
  return s == Stability::kStable ? kStable : s == Stability::kSaddle ? kSaddle : kUnstable;
}

std::string Fmt(const char* format, double v) {
  char b[64];
  std::snprintf(b, sizeof b, format, v);
  return b;
}

// Data → screen for a 2-D view with equal scales on both axes (distances in the plane are
// distances between states), padded by 6%.
struct PlaneMap {
  ImVec2 min, max;
  double cx = 0, cy = 0, scale = 1;
  ImVec2 To(double x, double y) const {
    return {static_cast<float>((min.x + max.x) * 0.5 + (x - cx) * scale),
            static_cast<float>((min.y + max.y) * 0.5 - (y - cy) * scale)};
  }
  double FromX(float sx) const { return cx + (sx - (min.x + max.x) * 0.5) / scale; }
  double FromY(float sy) const { return cy - (sy - (min.y + max.y) * 0.5) / scale; }
};

PlaneMap Fit(ImVec2 min, ImVec2 max, double x0, double x1, double y0, double y1) {
  PlaneMap m{min, max};
  const double w = std::max(1e-9, x1 - x0), h = std::max(1e-9, y1 - y0);
  m.cx = (x0 + x1) * 0.5;
  m.cy = (y0 + y1) * 0.5;
  m.scale = 0.94 * std::min((max.x - min.x) / w, (max.y - min.y) / h);
  return m;
}

// The probe token at step t as a short visible label.
std::string TokenAt(const DynamicsView& v, int t) {
  if (t < 0 || t >= static_cast<int>(v.probe_tokens.size())) return "";
  return VisibleToken(v.probe_tokens[static_cast<std::size_t>(t)]);
}

class DynamicsPanel final : public Panel {
 public:
  DynamicsPanel() : Panel("Dynamics", "dynamics", false) {}

  // Views cost the worker real time (SVDs, one backward per position): asked for only while open.
  // With side-by-side runs every run's trainer computes its own views (one G per run).
  void SyncOpen(UiState& state) override {
    std::vector<TrainerLink*> links;
    if (state.runs.size() >= 2) {
      for (const CompareRun& r : state.runs)
        if (r.link) links.push_back(r.link);
    } else if (state.trainer) {
      links.push_back(state.trainer);
    }
    DynamicsSettings s = settings_;
    s.enabled = open();
    for (TrainerLink* link : links) {
      const bool known = std::find(enabled_.begin(), enabled_.end(), link) != enabled_.end();
      // Re-sent about once a second while open: a new run's trainer may sit at a freed one's address.
      const bool refresh = open() && ImGui::GetFrameCount() % 60 == 0;
      if (known == open() && !settings_changed_ && !refresh) continue;
      link->Send(SetDynamicsCommand{s});
    }
    // Only the links alive this frame are kept (a stopped run's trainer is gone).
    enabled_ = open() ? links : std::vector<TrainerLink*>{};
    settings_changed_ = false;
  }

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    const std::shared_ptr<const DynamicsView> view = state.trainer ? state.trainer->Dynamics() : nullptr;
    const FixedPointSearchState search = state.trainer ? state.trainer->DynamicsSearch() : FixedPointSearchState{};
    DrawControls(snapshot, view.get(), search, state);
    if (!view) {
      ImGui::TextDisabled("computing the first view…");
      state.NoteDrawn("dynamics waiting");
      return;
    }
    if (!view->error.empty()) {
      ImGui::PushTextWrapPos(0.0f);
      ImGui::TextColored(kError, "%s", view->error.c_str());
      ImGui::PopTextWrapPos();
      state.NoteDrawn("dynamics error=" + view->error);
      return;
    }
    ImGui::TextDisabled("step %lld (model at %lld) · n = %d state values · %s · %.0f ms", static_cast<long long>(view->step),
                        static_cast<long long>(snapshot.step), view->state_size, view->held_out_what.c_str(),
                        view->compute_ms);
    const float avail_w = ImGui::GetContentRegionAvail().x, avail_h = ImGui::GetContentRegionAvail().y;
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    const float plane_w = std::max(160.0f, std::round(avail_w * 0.38f));
    const float mid_w = std::max(160.0f, std::round(avail_w * 0.27f));
    const float right_w = std::max(120.0f, avail_w - plane_w - mid_w - 2 * spacing);
    const float h = std::max(120.0f, avail_h);

    ImGui::BeginChild("##plane", {plane_w, h}, false);
    DrawStateSpace(*view, state);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("##mid", {mid_w, h}, false);
    DrawEigenvalues(*view, ImGui::GetContentRegionAvail().y * 0.48f);
    DrawJacobian(*view, state);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("##grad", {right_w, h}, false);
    DrawContributions(*view, state);
    ImGui::EndChild();

    int stable = 0, saddle = 0, unstable = 0, slow = 0;
    for (const DrawnFixedPoint& p : view->points) {
      if (!p.fixed) ++slow;
      else if (p.stability == Stability::kStable) ++stable;
      else if (p.stability == Stability::kSaddle) ++saddle;
      else ++unstable;
    }
    char note[256];
    std::snprintf(note, sizeof note,
                  "dynamics step=%lld probe=%zu held_out=%zu axes=%s|%s stable=%d saddle=%d unstable=%d slow=%d "
                  "jacobian=%lld g=%lld cursor=%d",
                  static_cast<long long>(view->step), view->probe.size(), view->held_out.size(), view->axis_x.c_str(),
                  view->axis_y.c_str(), stable, saddle, unstable, slow, static_cast<long long>(view->jacobian_sv.rows()),
                  static_cast<long long>(view->g.rows()), state.cursor_t);
    state.NoteDrawn(note);
  }

 private:
  void DrawControls(const Snapshot& snapshot, const DynamicsView* view, const FixedPointSearchState& search,
                    UiState& state) {
    static const char* kModes[] = {"PCA, re-fitted as it trains", "PCA, kept fixed", "two state units"};
    int mode = static_cast<int>(settings_.mode);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 13);
    if (ImGui::Combo("Projection", &mode, kModes, 3)) {
      settings_.mode = static_cast<ProjectionMode>(mode);
      settings_changed_ = true;
    }
    if (settings_.mode == ProjectionMode::kFixed) {
      ImGui::SameLine();
      if (ImGui::Button("Re-fit now")) {
        ++settings_.refit;
        settings_changed_ = true;
      }
      if (view && view->fitted_step >= 0) {
        ImGui::SameLine();
        ImGui::TextDisabled("fitted at step %lld", static_cast<long long>(view->fitted_step));
      }
    } else if (settings_.mode == ProjectionMode::kUnits && view && view->state_size > 0) {
      ImGui::SameLine();
      const int n = view->state_size;
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5);
      if (ImGui::SliderInt("x unit", &settings_.unit_x, 0, n - 1)) settings_changed_ = true;
      ImGui::SameLine();
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5);
      if (ImGui::SliderInt("y unit", &settings_.unit_y, 0, n - 1)) settings_changed_ = true;
    }

    // The fixed-point search.
    ImGui::SameLine(0, ImGui::GetFontSize() * 1.5f);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::InputTextWithHint("Constant input", "default", &input_);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("The token held fixed while searching for F(s, x) = s. Empty: the task's default\n"
                        "(a space for text). \"space\", \"\\n\" and \"\\t\" name those characters.");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::SliderInt("starts", &starts_, 16, 2048, "%d", ImGuiSliderFlags_Logarithmic);
    ImGui::SameLine();
    if (search.running) {
      if (ImGui::Button("Cancel")) state.Send(FindFixedPointsCommand{"", 0, true});
      ImGui::SameLine();
      const float frac = search.total > 0 ? static_cast<float>(search.done) / static_cast<float>(search.total) : 0.0f;
      const std::string label = std::to_string(search.done) + " / " + std::to_string(search.total) + " starts";
      ImGui::ProgressBar(frac, {ImGui::GetFontSize() * 10, 0}, label.c_str());
    } else {
      ImGui::BeginDisabled(!snapshot.has_job || (view && !view->error.empty()));
      if (ImGui::Button("Find fixed points")) state.Send(FindFixedPointsCommand{input_, starts_, false});
      ImGui::EndDisabled();
      ImGui::SameLine();
      if (!search.error.empty() && search.error != "cancelled") {
        ImGui::TextColored(kError, "%s", search.error.c_str());
      } else if (search.step >= 0) {
        ImGui::TextDisabled("input %s · step %lld · %d starts, %d above the slow-point bound%s",
                            search.input.c_str(), static_cast<long long>(search.step), search.done,
                            search.result.dropped, search.result.cancelled ? " · cancelled" : "");
      } else {
        ImGui::TextDisabled("no search yet");
      }
    }
  }

  // States in the plane: held-out trajectories faint, the probe bright with the cursor's state
  // marked, fixed points on top. Hover names the probe step; click moves the shared cursor or
  // selects a fixed point.
  void DrawStateSpace(const DynamicsView& v, UiState& state) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 size = ImGui::GetContentRegionAvail();
    const float line_h = ImGui::GetTextLineHeightWithSpacing();
    ImGui::InvisibleButton("##space", {std::max(size.x, 50.0f), std::max(size.y, 50.0f)});
    const bool hovered = ImGui::IsItemHovered(), clicked = ImGui::IsItemClicked();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 min = {origin.x, origin.y + line_h}, max = {origin.x + size.x, origin.y + size.y - line_h};
    draw->AddRect(min, max, ImGui::GetColorU32(ImGuiCol_Border));
    draw->AddText(origin, ImGui::GetColorU32(ImGuiCol_Text), "State space");
    const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    draw->AddText({min.x + 4, max.y + 2}, dim, ("x: " + v.axis_x + "   y: " + v.axis_y).c_str());

    double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
    auto grow = [&](const ProjectedPoint& p) {
      x0 = std::min<double>(x0, p.x);
      x1 = std::max<double>(x1, p.x);
      y0 = std::min<double>(y0, p.y);
      y1 = std::max<double>(y1, p.y);
    };
    for (const auto& line : v.held_out)
      for (const ProjectedPoint& p : line) grow(p);
    for (const ProjectedPoint& p : v.probe) grow(p);
    for (const DrawnFixedPoint& p : v.points) grow(p.at);
    if (!(x0 <= x1)) {
      draw->AddText({min.x + 6, min.y + 6}, dim, "no states");
      return;
    }
    const PlaneMap m = Fit(min, max, x0, x1, y0, y1);
    draw->PushClipRect(min, max, true);
    for (const auto& line : v.held_out)
      for (std::size_t t = 1; t < line.size(); ++t)
        draw->AddLine(m.To(line[t - 1].x, line[t - 1].y), m.To(line[t].x, line[t].y), kHeldOut, 1.0f);
    for (std::size_t t = 1; t < v.probe.size(); ++t)
      draw->AddLine(m.To(v.probe[t - 1].x, v.probe[t - 1].y), m.To(v.probe[t].x, v.probe[t].y), kProbe, 1.6f);
    for (const ProjectedPoint& p : v.probe) draw->AddCircleFilled(m.To(p.x, p.y), 2.0f, kProbe);

    // Fixed points: filled = fixed, hollow = slow; unstable directions as short segments both ways.
    const float dir_px = std::min(max.x - min.x, max.y - min.y) * 0.08f;
    for (std::size_t i = 0; i < v.points.size(); ++i) {
      const DrawnFixedPoint& p = v.points[i];
      const ImVec2 at = m.To(p.at.x, p.at.y);
      const ImU32 color = StabilityColor(p.stability);
      for (const ProjectedPoint& d : p.unstable) {
        const double len = std::hypot(d.x, d.y);
        if (len < 1e-9) continue;  // perpendicular to the view's plane
        // The segment's length in the plane shows how much of the direction the plane holds.
        const float dx = static_cast<float>(d.x / len * dir_px * std::min(1.0, len));
        const float dy = static_cast<float>(-d.y / len * dir_px * std::min(1.0, len));
        draw->AddLine({at.x - dx, at.y - dy}, {at.x + dx, at.y + dy}, color, 1.5f);
      }
      const float r = static_cast<int>(i) == selected_point_ ? 6.5f : 5.0f;
      if (p.fixed) draw->AddCircleFilled(at, r, color);
      else draw->AddCircle(at, r, color, 0, 1.8f);
      if (static_cast<int>(i) == selected_point_) draw->AddCircle(at, r + 3, IM_COL32(255, 255, 255, 200), 0, 1.2f);
    }
    // The shared cursor's state.
    const int cursor = std::clamp(state.cursor_t, 0, std::max(0, static_cast<int>(v.probe.size()) - 1));
    if (!v.probe.empty()) {
      const ImVec2 c = m.To(v.probe[cursor].x, v.probe[cursor].y);
      draw->AddCircle(c, 7.0f, kCursor, 0, 2.2f);
      draw->AddText({c.x + 8, c.y - 8}, kCursor, ("t=" + std::to_string(cursor) + " " + TokenAt(v, cursor)).c_str());
    }
    draw->PopClipRect();

    if (!hovered) return;
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    int near_t = -1, near_p = -1;
    float best = 12.0f * 12.0f;
    for (std::size_t i = 0; i < v.points.size(); ++i) {
      const ImVec2 at = m.To(v.points[i].at.x, v.points[i].at.y);
      const float d = (at.x - mouse.x) * (at.x - mouse.x) + (at.y - mouse.y) * (at.y - mouse.y);
      if (d < best) best = d, near_p = static_cast<int>(i);
    }
    if (near_p < 0)
      for (std::size_t t = 0; t < v.probe.size(); ++t) {
        const ImVec2 at = m.To(v.probe[t].x, v.probe[t].y);
        const float d = (at.x - mouse.x) * (at.x - mouse.x) + (at.y - mouse.y) * (at.y - mouse.y);
        if (d < best) best = d, near_t = static_cast<int>(t);
      }
    if (near_p >= 0) {
      const DrawnFixedPoint& p = v.points[static_cast<std::size_t>(near_p)];
      ImGui::SetTooltip("%s %s point · q = %.2e · %zu unstable direction(s) · |λ|max = %.4f\n"
                        "reached from %d start(s) · nearest probe state: t=%d '%s' (distance %.3g)",
                        p.fixed ? "fixed" : "slow", StabilityName(p.stability), p.q, p.unstable.size(),
                        p.eigenvalues.empty() ? 0.0 : std::abs(p.eigenvalues.front()), p.starts,
                        p.nearest_probe_step, TokenAt(v, p.nearest_probe_step).c_str(), p.nearest_probe_distance);
      if (clicked) selected_point_ = near_p;
    } else if (near_t >= 0) {
      ImGui::SetTooltip("probe t=%d '%s'\n(%.3f, %.3f)", near_t, TokenAt(v, near_t).c_str(),
                        v.probe[static_cast<std::size_t>(near_t)].x, v.probe[static_cast<std::size_t>(near_t)].y);
      if (clicked) state.cursor_t = near_t;
    }
  }

  // The selected fixed point's eigenvalues (all points' when none is selected) in the complex
  // plane, with the unit circle: inside = a direction that decays, outside = one that grows.
  void DrawEigenvalues(const DynamicsView& v, float height) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float w = ImGui::GetContentRegionAvail().x, line_h = ImGui::GetTextLineHeightWithSpacing();
    ImGui::Dummy({w, height});
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const bool one = selected_point_ >= 0 && selected_point_ < static_cast<int>(v.points.size());
    std::string title = "Eigenvalues of ∂F/∂s";
    if (one) {
      const DrawnFixedPoint& p = v.points[static_cast<std::size_t>(selected_point_)];
      title += ", point " + std::to_string(selected_point_ + 1) + " (" + StabilityName(p.stability) + ")";
    } else {
      title += v.points.empty() ? "" : ", all points";
    }
    draw->AddText(origin, ImGui::GetColorU32(ImGuiCol_Text), title.c_str());
    const ImVec2 min = {origin.x, origin.y + line_h}, max = {origin.x + w, origin.y + height};
    double r = 1.1;
    for (const DrawnFixedPoint& p : v.points)
      for (const std::complex<float>& l : p.eigenvalues) r = std::max(r, 1.05 * std::abs(l));
    const PlaneMap m = Fit(min, max, -r, r, -r, r);
    const ImU32 axis = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    draw->PushClipRect(min, max, true);
    draw->AddLine(m.To(-r, 0), m.To(r, 0), axis);
    draw->AddLine(m.To(0, -r), m.To(0, r), axis);
    draw->AddCircle(m.To(0, 0), static_cast<float>(m.scale), IM_COL32(220, 220, 220, 160), 96, 1.2f);
    for (std::size_t i = 0; i < v.points.size(); ++i) {
      if (one && static_cast<int>(i) != selected_point_) continue;
      const ImU32 color = StabilityColor(v.points[i].stability);
      for (const std::complex<float>& l : v.points[i].eigenvalues)
        draw->AddCircleFilled(m.To(l.real(), l.imag()), 2.5f, color);
    }
    draw->PopClipRect();
    draw->AddText({max.x - ImGui::CalcTextSize("|λ| = 1").x - 4, min.y + 2}, axis, "|λ| = 1");
    if (v.points.empty()) draw->AddText({min.x + 4, min.y + 2}, axis, "find fixed points first");
    else if (!one) draw->AddText({min.x + 4, min.y + 2}, axis, "click a point to pick it");
  }

  // ∂s_t/∂s_{t−1} along the probe: its three largest singular values and ‖∂s_t/∂s_0‖ on a log axis.
  void DrawJacobian(const DynamicsView& v, UiState& state) {
    ImGui::TextUnformatted("Jacobian along the probe");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("σ1..σ3 of ∂s_t/∂s_{t-1} per step, and ‖∂s_t/∂s_0‖ (the product over the span):\n"
                        "products above 1 let gradients explode, below 1 they vanish. Compare with Gradients.");
    const int T = static_cast<int>(v.jacobian_sv.rows());
    if (T == 0) {
      ImGui::TextDisabled("no steps");
      return;
    }
    static const ImU32 colors[] = {IM_COL32(90, 170, 255, 255), IM_COL32(90, 170, 255, 150), IM_COL32(90, 170, 255, 90)};
    std::vector<PlotSeries> series;
    for (int j = 0; j < v.jacobian_sv.cols(); ++j) {
      PlotSeries s;
      s.label = "σ" + std::to_string(j + 1);
      s.color = colors[std::min(j, 2)];
      for (int t = 0; t < T; ++t) {
        s.x.push_back(static_cast<float>(t));
        s.y.push_back(v.jacobian_sv(t, j) > 0 ? v.jacobian_sv(t, j) : std::numeric_limits<float>::quiet_NaN());
      }
      series.push_back(std::move(s));
    }
    PlotSeries product;
    product.label = "‖∂s_t/∂s_0‖";
    product.color = kSaddle;
    for (int t = 0; t < T; ++t) {
      product.x.push_back(static_cast<float>(t));
      const float l = v.jacobian_product_log10[static_cast<std::size_t>(t)];
      product.y.push_back(std::isfinite(l) ? std::pow(10.0f, std::clamp(l, -30.0f, 30.0f))
                                           : std::numeric_limits<float>::quiet_NaN());
    }
    series.push_back(std::move(product));
    PlotOptions o;
    o.log_y = true;
    o.x_label = "probe step";
    o.cursor_x = state.cursor_t;
    const PlotResult r = LinePlot("##jacobian", series, {}, o);
    if (r.clicked) state.cursor_t = std::clamp(static_cast<int>(std::lround(r.mouse_x)), 0, T - 1);
    if (static_cast<int>(v.probe.size()) > T)
      ImGui::TextDisabled("first %d of %zu probe steps", T, v.probe.size());
  }

  // G[t, t′] as a lower-triangular heatmap of log10 values; row = output position, column = the
  // state it reads back to. The cursor's row is outlined and its input saliency tints the probe.
  // With side-by-side runs, one G per run instead (the vanishing-gradient comparison).
  void DrawContributions(const DynamicsView& v, UiState& state) {
    ImGui::TextUnformatted("Where each gradient comes from");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("G[t, t'] = ||dL_t / dh_t'||: row t is the loss at output t alone, column t' the top layer's\n"
                        "state it reaches back to. Exact, one backward per position. Log colour scale.");
    const bool has_c = v.g_c.size() > 0;
    if (has_c) {
      ImGui::SameLine();
      ImGui::Checkbox("via c", &show_c_);
    }
    if (state.runs.size() >= 2) return DrawRunsContributions(state);
    if (!v.gradients_note.empty()) {
      ImGui::TextDisabled("%s", v.gradients_note.c_str());
      return;
    }
    const MatF& g = has_c && show_c_ ? v.g_c : v.g;
    const int T = static_cast<int>(g.rows());
    if (T == 0) return;
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float line_h = ImGui::GetTextLineHeightWithSpacing();
    DrawG("##g", g, &v, std::max(40.0f, std::min(avail.x - 8.0f, avail.y - 4.5f * line_h)), state);
    ImGui::TextDisabled("%s", DecayLine(g).c_str());

    // Input saliency of the cursor's output position, on the probe text.
    const int cursor = std::clamp(state.cursor_t, 0, T - 1);
    ImGui::Text("Saliency of output t=%d:", cursor);
    if (v.saliency.rows() != T) return;
    float smax = 0;
    for (int u = 0; u <= cursor; ++u) smax = std::max(smax, v.saliency(cursor, u));
    ImGui::SameLine();
    // Characters run together as text; word or symbol tokens ("000", "the") get a gap between them.
    bool words = false;
    for (int u = 0; u < T && !words; ++u) {
      std::vector<char32_t> cps;
      words = TryDecodeUtf8(TokenAt(v, u), &cps).ok() && cps.size() > 1;
    }
    const float gap = words ? ImGui::GetFontSize() * 0.35f : 0.0f;
    for (int u = 0; u < T; ++u) {
      const float s = smax > 0 && u <= cursor ? v.saliency(cursor, u) / smax : 0.0f;
      const std::string token = TokenAt(v, u);
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const ImVec2 ts = ImGui::CalcTextSize(token.c_str());
      if (p.x + ts.x > ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x) ImGui::NewLine();
      const ImVec2 q = ImGui::GetCursorScreenPos();
      ImGui::GetWindowDrawList()->AddRectFilled(q, {q.x + ts.x, q.y + ts.y}, IM_COL32(255, 150, 40, static_cast<int>(220 * s)));
      ImGui::TextUnformatted(token.c_str());
      if (ImGui::IsItemHovered() && u <= cursor)
        ImGui::SetTooltip("||dL_%d / dx_%d|| = %.3e", cursor, u, static_cast<double>(v.saliency(cursor, u)));
      ImGui::SameLine(0, gap);
    }
    ImGui::NewLine();
  }

  // One G per side-by-side run, each from its own trainer's worker. A run whose task reads its
  // label once at the end (N→1, the vanishing-gradient preset's brackets) has a G of one row,
  // ‖∂L/∂h_t′‖ of the top layer: the probe's gradient flow, drawn as a strip.
  void DrawRunsContributions(UiState& state) {
    const float line_h = ImGui::GetTextLineHeightWithSpacing();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float per_run = (avail.y - 0.5f * line_h) / static_cast<float>(state.runs.size());
    for (std::size_t i = 0; i < state.runs.size(); ++i) {
      const CompareRun& run = state.runs[i];
      ImGui::PushID(static_cast<int>(i));
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(RunColor(i)), "%s", run.name.c_str());
      const std::shared_ptr<const DynamicsView> v = run.link ? run.link->Dynamics() : nullptr;
      const bool c = show_c_ && v && v->g_c.size() > 0;
      const MatF* g = v ? (c ? &v->g_c : &v->g) : nullptr;
      if (g && g->rows() > 0) {
        ImGui::SameLine();
        ImGui::TextDisabled("%s", DecayLine(*g).c_str());
        DrawG("##g", *g, v.get(), std::max(30.0f, std::min(avail.x - 8.0f, per_run - 1.5f * line_h)), state);
      } else if (v && v->error.empty() && !v->gradients_note.empty() && run.latest && !run.latest->layers.empty() &&
                 !run.latest->layers.back().grad_h_norm.empty()) {
        const std::vector<float>& row = run.latest->layers.back().grad_h_norm;
        MatF one(1, static_cast<Eigen::Index>(row.size()));
        for (std::size_t t = 0; t < row.size(); ++t) one(0, static_cast<Eigen::Index>(t)) = row[t];
        ImGui::SameLine();
        ImGui::TextDisabled("one output at the end: G[T, t'] = ||dL/dh_t'||, first/last %.2g",
                            row.back() > 0 ? static_cast<double>(row.front() / row.back()) : 0.0);
        DrawStrip(one, std::max(30.0f, avail.x - 8.0f), std::max(10.0f, std::min(28.0f, per_run - 1.5f * line_h)));
      } else {
        ImGui::TextDisabled(v && !v->error.empty() ? v->error.c_str() : "waiting for the run's first view");
      }
      ImGui::PopID();
    }
  }

  // log10 colour range of the positive entries, at most eight decades (a colour scale tells no more).
  static void LogRange(const MatF& g, float& lo, float& hi) {
    lo = std::numeric_limits<float>::infinity();
    hi = -lo;
    for (Eigen::Index t = 0; t < g.rows(); ++t)
      for (Eigen::Index u = 0; u < g.cols(); ++u)
        if (g(t, u) > 0) {
          lo = std::min(lo, std::log10(g(t, u)));
          hi = std::max(hi, std::log10(g(t, u)));
        }
    if (!(lo <= hi)) lo = hi = 0;
    lo = std::max(lo, hi - 8.0f);
  }

  void DrawG(const char* id, const MatF& g, const DynamicsView* v, float side, UiState& state) {
    const int T = static_cast<int>(g.rows());
    float lo = 0, hi = 0;
    LogRange(g, lo, hi);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float cell = side / static_cast<float>(T);
    ImGui::InvisibleButton(id, {side, side});
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(origin, {origin.x + side, origin.y + side}, IM_COL32(20, 20, 24, 255));
    for (int t = 0; t < T; ++t)
      for (int u = 0; u <= t; ++u) {
        if (!(g(t, u) > 0)) continue;
        const float f = hi > lo ? (std::log10(g(t, u)) - lo) / (hi - lo) : 1.0f;
        const ImVec2 a = {origin.x + u * cell, origin.y + t * cell};
        draw->AddRectFilled(a, {a.x + cell + 0.5f, a.y + cell + 0.5f}, ColormapU32(Colormap::kViridis, f));
      }
    const int cursor = std::clamp(state.cursor_t, 0, T - 1);
    draw->AddRect({origin.x, origin.y + cursor * cell}, {origin.x + side, origin.y + (cursor + 1) * cell}, kCursor);
    const std::string range = "log10 " + Fmt("%.1f", lo) + " .. " + Fmt("%.1f", hi);
    draw->AddText({origin.x + side * 0.45f, origin.y + 2}, IM_COL32(200, 200, 200, 255), range.c_str());
    if (!hovered) return;
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const int t = std::clamp(static_cast<int>((mouse.y - origin.y) / cell), 0, T - 1);
    const int u = std::clamp(static_cast<int>((mouse.x - origin.x) / cell), 0, T - 1);
    const std::string tt = v ? TokenAt(*v, t) : "", tu = v ? TokenAt(*v, u) : "";
    ImGui::SetTooltip("output t=%d '%s' <- state t'=%d '%s'\nG = %.3e (distance %d)", t, tt.c_str(), u, tu.c_str(),
                      static_cast<double>(g(t, u)), t - u);
    if (ImGui::IsItemClicked()) state.cursor_t = t;
  }

  static void DrawStrip(const MatF& row, float width, float height) {
    float lo = 0, hi = 0;
    LogRange(row, lo, hi);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::Dummy({width, height});
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float cell = width / static_cast<float>(std::max<Eigen::Index>(1, row.cols()));
    for (Eigen::Index u = 0; u < row.cols(); ++u) {
      if (!(row(0, u) > 0)) continue;
      const float f = hi > lo ? (std::log10(row(0, u)) - lo) / (hi - lo) : 1.0f;
      draw->AddRectFilled({origin.x + u * cell, origin.y}, {origin.x + (u + 1) * cell + 0.5f, origin.y + height},
                          ColormapU32(Colormap::kViridis, f));
    }
  }

  // G's decay with distance: the mean of log10 G over each diagonal t − t′ = d.
  static std::string DecayLine(const MatF& g) {
    const int T = static_cast<int>(g.rows());
    std::string decay = "mean log10 G at distance";
    for (int d : {0, 1, 5, 10, 20, 40}) {
      if (d >= T) break;
      double sum = 0;
      int count = 0;
      for (int t = d; t < T; ++t)
        if (g(t, t - d) > 0) sum += std::log10(g(t, t - d)), ++count;
      if (count > 0) decay += " " + std::to_string(d) + ": " + Fmt("%.1f", sum / count);
    }
    return decay;
  }

  DynamicsSettings settings_;
  std::vector<TrainerLink*> enabled_;  // trainers told to compute views (compared, never dereferenced)
  bool settings_changed_ = false;
  std::string input_;
  int starts_ = 256;
  int selected_point_ = -1;
  bool show_c_ = false;
};

}  // namespace

std::unique_ptr<Panel> MakeDynamicsPanel() { return std::make_unique<DynamicsPanel>(); }

}  // namespace rnnscope
