// Contents: tick helpers · axis frame (shared by line and bar plots) · LinePlot · BarPlot
#include "viz/plot.h"

#include <algorithm>
#include <cstdio>

#include "core/nice_interval.h"
#include "core/pixel_decimation.h"

namespace rnnscope {
namespace {

constexpr float kTickLength = 4.0f;

ImU32 Faded(ImGuiCol col, float alpha) {
  ImVec4 c = ImGui::GetStyleColorVec4(col);
  c.w *= alpha;
  return ImGui::GetColorU32(c);
}

// Maps data to screen inside `frame`; y may be log10-transformed.
struct Axes {
  ImVec2 min, max;  // plot area in screen pixels
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  bool log_y = false;

  float X(double x) const {
    return min.x + static_cast<float>((x - x0) / (x1 - x0)) * (max.x - min.x);
  }
  float Y(double y) const {
    const double v = log_y ? std::log10(y) : y;
    return max.y - static_cast<float>((v - y0) / (y1 - y0)) * (max.y - min.y);
  }
  double DataX(float sx) const { return x0 + (sx - min.x) / (max.x - min.x) * (x1 - x0); }
};

ImVec2 ResolveSize(ImVec2 size) {
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (size.x <= 0.0f) size.x = std::max(avail.x, 50.0f);
  if (size.y <= 0.0f) size.y = std::max(avail.y, 50.0f);
  return size;
}

// Draws grid, y tick labels and x tick labels for `axes`, whose plot area must already leave
// room for them (see Layout below).
void DrawAxes(ImDrawList* draw, const Axes& axes, bool draw_x_ticks) {
  const ImU32 grid = Faded(ImGuiCol_Border, 0.45f);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const float line_h = ImGui::GetTextLineHeight();
  draw->AddRectFilled(axes.min, axes.max, Faded(ImGuiCol_FrameBg, 0.55f));
  const int max_y_ticks = std::max(3, static_cast<int>((axes.max.y - axes.min.y) / (line_h * 2.2f)));
  for (double t : NiceTicks(axes.y0, axes.y1, max_y_ticks, axes.log_y)) {
    const float y = axes.Y(axes.log_y ? std::pow(10.0, t) : t);
    draw->AddLine({axes.min.x, y}, {axes.max.x, y}, grid);
    const std::string label = FormatTick(axes.log_y ? std::pow(10.0, t) : t);
    const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
    draw->AddText({axes.min.x - kTickLength - 3.0f - ts.x, y - ts.y * 0.5f}, text, label.c_str());
  }
  if (draw_x_ticks) {
    const int max_x_ticks = std::max(2, static_cast<int>((axes.max.x - axes.min.x) / (line_h * 5.0f)));
    for (double t : NiceTicks(axes.x0, axes.x1, max_x_ticks, false)) {
      const float x = axes.X(t);
      draw->AddLine({x, axes.min.y}, {x, axes.max.y}, grid);
      const std::string label = FormatTick(t);
      const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
      // Centred under its tick, but never past the plot's right edge (the window clips there).
      const float left = std::min(x - ts.x * 0.5f, axes.max.x - ts.x);
      draw->AddText({left, axes.max.y + 3.0f}, text, label.c_str());
    }
  }
  draw->AddRect(axes.min, axes.max, ImGui::GetColorU32(ImGuiCol_Border));
}

// Width of the widest y tick label, so the plot area starts right after it.
float YLabelWidth(double y0, double y1, bool log_y, float height) {
  const int max_ticks = std::max(3, static_cast<int>(height / (ImGui::GetTextLineHeight() * 2.2f)));
  float width = ImGui::CalcTextSize("0").x;
  for (double t : NiceTicks(y0, y1, max_ticks, log_y)) {
    width = std::max(width, ImGui::CalcTextSize(FormatTick(log_y ? std::pow(10.0, t) : t).c_str()).x);
  }
  return width;
}

void DrawLegend(ImDrawList* draw, const Axes& axes, std::span<const PlotSeries> series) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float swatch = ImGui::GetTextLineHeight() * 1.2f;
  float width = 0.0f;
  for (const auto& s : series) width = std::max(width, ImGui::CalcTextSize(s.label.c_str()).x);
  const float row_h = ImGui::GetTextLineHeightWithSpacing();
  const ImVec2 size = {width + swatch + style.ItemInnerSpacing.x + 2 * style.FramePadding.x,
                       row_h * static_cast<float>(series.size()) + style.FramePadding.y};
  const ImVec2 top_left = {axes.max.x - size.x - 6.0f, axes.min.y + 6.0f};
  draw->AddRectFilled(top_left, {top_left.x + size.x, top_left.y + size.y},
                      Faded(ImGuiCol_PopupBg, 0.85f), 3.0f);
  float y = top_left.y + style.FramePadding.y * 0.5f;
  for (const auto& s : series) {
    const float mid = y + row_h * 0.5f;
    const float x = top_left.x + style.FramePadding.x;
    draw->AddLine({x, mid}, {x + swatch, mid}, s.color, 2.5f);
    draw->AddText({x + swatch + style.ItemInnerSpacing.x, mid - ImGui::GetTextLineHeight() * 0.5f},
                  ImGui::GetColorU32(ImGuiCol_Text), s.label.c_str());
    y += row_h;
  }
}

// Marker labels sit along the top edge; a label that would overlap its neighbour moves down a
// row (three rows at most) so dense markers stay readable, and all of them show on hover.
void DrawMarkers(ImDrawList* draw, const Axes& axes, std::span<const PlotMarker> markers) {
  const ImU32 line = IM_COL32(255, 190, 90, 150);
  const ImU32 text = IM_COL32(255, 205, 130, 255);
  float row_end[3] = {-1e9f, -1e9f, -1e9f};
  for (const auto& m : markers) {
    if (m.x < axes.x0 || m.x > axes.x1) continue;
    const float x = axes.X(m.x);
    for (float y = axes.min.y; y < axes.max.y; y += 8.0f) {  // dashed
      draw->AddLine({x, y}, {x, std::min(y + 4.0f, axes.max.y)}, line, 1.0f);
    }
    const ImVec2 ts = ImGui::CalcTextSize(m.label.c_str());
    float lx = x + 3.0f;
    if (lx + ts.x > axes.max.x) lx = x - 3.0f - ts.x;  // flip left at the right edge
    for (int row = 0; row < 3; ++row) {
      if (lx > row_end[row] + 6.0f) {
        const float ly = axes.min.y + 2.0f + static_cast<float>(row) * ts.y;
        draw->AddText({lx, ly}, text, m.label.c_str());
        row_end[row] = lx + ts.x;
        break;
      }
    }
  }
}

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int max_ticks, bool log_axis) {
  std::vector<double> ticks;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return ticks;
  max_ticks = std::max(max_ticks, 2);
  if (log_axis) {
    // Decades first; within a narrow range add 2×, 5× (and then every integer multiple).
    const double first = std::floor(lo), last = std::ceil(hi);
    const double decades = last - first;
    static const std::vector<double> kMantissas[] = {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    for (const auto& mantissas : kMantissas) {
      std::vector<double> candidate;
      const int step = std::max(1, static_cast<int>(std::ceil(decades / max_ticks)));
      for (double d = first; d <= last; d += step) {
        for (double m : mantissas) {
          const double v = d + std::log10(m);
          if (v >= lo - 1e-9 && v <= hi + 1e-9) candidate.push_back(v);
        }
      }
      if (static_cast<int>(candidate.size()) > max_ticks && !ticks.empty()) break;
      ticks = std::move(candidate);
      if (static_cast<int>(ticks.size()) >= 3) break;
    }
    if (ticks.size() < 2) {  // less than one step of 1..9 in range: fall back to linear ticks
      ticks.clear();
      for (double v : NiceTicks(std::pow(10.0, lo), std::pow(10.0, hi), max_ticks, false)) {
        if (v > 0) ticks.push_back(std::log10(v));
      }
    }
    return ticks;
  }
  const double raw = (hi - lo) / max_ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-6; v += step) {
    ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return ticks;
}

std::string FormatTick(double value) {
  char buffer[32];
  const double a = std::abs(value);
  // Step counts read as 20k, 150k, 2M (a tick at 100000 printed as "1e+05").
  if (a >= 1e6 && std::fmod(a, 1e5) == 0.0) {
    std::snprintf(buffer, sizeof buffer, "%gM", value / 1e6);
  } else if (a >= 1000.0 && a < 1e6 && std::fmod(a, 1000.0) == 0.0) {
    std::snprintf(buffer, sizeof buffer, "%gk", value / 1000.0);
  } else if (a != 0.0 && (a >= 1e5 || a < 1e-3)) {
    std::snprintf(buffer, sizeof buffer, "%.0e", value);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.4g", value);
  }
  return buffer;
}

PlotResult LinePlot(const char* id, std::span<const PlotSeries> series,
                    std::span<const PlotMarker> markers, const PlotOptions& options) {
  PlotResult result;
  const ImVec2 size = ResolveSize(options.size);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  result.hovered = ImGui::IsItemHovered();
  result.clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  ImDrawList* draw = ImGui::GetWindowDrawList();

  // Data bounds over finite (and, for log y, positive) samples.
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series) {
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      const double y = s.y[i];
      if (!std::isfinite(y) || (options.log_y && y <= 0.0)) continue;
      x0 = std::min(x0, static_cast<double>(s.x[i]));
      x1 = std::max(x1, static_cast<double>(s.x[i]));
      y0 = std::min(y0, y);
      y1 = std::max(y1, y);
    }
  }
  const bool empty = !std::isfinite(x0);
  // Markers just before the first sample (e.g. "start" at step 0) still belong on the axis.
  for (const auto& m : markers) {
    if (!empty && m.x < x0 && m.x >= x0 - (x1 - x0) * 0.1) x0 = m.x;
  }
  if (!empty && std::isfinite(options.x_include)) {
    x0 = std::min(x0, options.x_include);
    x1 = std::max(x1, options.x_include);
  }
  if (empty) { x0 = 0; x1 = 1; y0 = options.log_y ? 0.1 : 0; y1 = 1; }
  if (std::isfinite(options.y_min) && std::isfinite(options.y_max)) {
    y0 = options.y_min;
    y1 = options.y_max;
  }
  if (x1 <= x0) x1 = x0 + 1.0;
  const bool fixed_y = std::isfinite(options.y_min) && std::isfinite(options.y_max);
  if (options.stable_x && !empty) {
    const Interval x = RoundOutToNiceSteps(x0, x1);
    x0 = x.lo;
    x1 = x.hi;
  }
  Axes axes;
  axes.log_y = options.log_y;
  axes.x0 = x0;
  axes.x1 = x1;
  if (options.log_y) {
    y0 = std::log10(std::max(y0, 1e-30));
    y1 = std::log10(std::max(y1, 1e-30));
  }
  if (y1 <= y0) { y0 -= 0.5; y1 += 0.5; }
  if (!fixed_y && !empty) {
    // Round numbers: the axis moves only when the data crosses one (core/nice_interval.h).
    const Interval y = RoundOutToNiceSteps(y0, y1);
    y0 = y.lo;
    y1 = y.hi;
  }
  const double pad = (y1 - y0) * 0.06;
  axes.y0 = y0 - pad;
  axes.y1 = y1 + pad;

  const float line_h = ImGui::GetTextLineHeight();
  const float bottom = line_h + 6.0f + (options.x_label ? line_h + 2.0f : 0.0f);
  const float left = YLabelWidth(axes.y0, axes.y1, axes.log_y, size.y - bottom) + kTickLength + 6.0f;
  axes.min = {origin.x + left, origin.y + 4.0f};
  axes.max = {origin.x + size.x - 6.0f, origin.y + size.y - bottom};
  if (axes.max.x - axes.min.x < 10.0f || axes.max.y - axes.min.y < 10.0f) return result;
  result.area_min = axes.min;
  result.area_max = axes.max;
  result.x0 = axes.x0;
  result.x1 = axes.x1;
  DrawAxes(draw, axes, true);
  if (options.x_label) {
    const ImVec2 ts = ImGui::CalcTextSize(options.x_label);
    draw->AddText({(axes.min.x + axes.max.x - ts.x) * 0.5f, axes.max.y + line_h + 5.0f},
                  ImGui::GetColorU32(ImGuiCol_TextDisabled), options.x_label);
  }
  if (empty) {
    const char* msg = "no data yet";
    const ImVec2 ts = ImGui::CalcTextSize(msg);
    draw->AddText({(axes.min.x + axes.max.x - ts.x) * 0.5f, (axes.min.y + axes.max.y - ts.y) * 0.5f},
                  ImGui::GetColorU32(ImGuiCol_TextDisabled), msg);
  }

  draw->PushClipRect(axes.min, axes.max, true);
  DrawMarkers(draw, axes, markers);
  if (std::isfinite(options.cursor_x)) {
    const float cx = axes.X(options.cursor_x);
    draw->AddLine({cx, axes.min.y}, {cx, axes.max.y}, IM_COL32(255, 255, 255, 170), 1.5f);
  }
  std::vector<ScreenPoint> samples, kept;
  std::vector<ImVec2> points;
  for (const auto& s : series) {
    samples.clear();
    const std::size_t n = std::min(s.x.size(), s.y.size());
    // Whole-pixel widths take ImGui's textured anti-aliased lines: 2 triangles per segment
    // instead of 6 for a fractional width, which llvmpipe rasterises at a third of the cost.
    const float thickness = std::max(1.0f, std::round(s.thickness));
    auto flush = [&] {
      DecimateToPixelColumns(samples, kept);
      points.assign(kept.size(), ImVec2());
      for (std::size_t i = 0; i < kept.size(); ++i) points[i] = {kept[i].x, kept[i].y};
      if (points.size() >= 2) {
        draw->AddPolyline(points.data(), static_cast<int>(points.size()), s.color, 0, thickness);
      } else if (points.size() == 1) {
        draw->AddCircleFilled(points[0], thickness + 1.0f, s.color);
      }
      samples.clear();
    };
    for (std::size_t i = 0; i < n; ++i) {
      const double y = s.y[i];
      if (!std::isfinite(y) || (options.log_y && y <= 0.0)) { flush(); continue; }
      const ImVec2 p = {axes.X(s.x[i]), axes.Y(y)};
      if (s.points) draw->AddCircleFilled(p, 2.5f, s.color);
      samples.push_back({p.x, p.y});
    }
    flush();
  }
  draw->PopClipRect();
  if (options.legend && series.size() > 1) DrawLegend(draw, axes, series);

  // Hover readout: a hairline and, per series, the sample nearest to the mouse in x.
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  if (result.hovered && !empty && mouse.x >= axes.min.x && mouse.x <= axes.max.x) {
    result.mouse_x = axes.DataX(mouse.x);
    draw->AddLine({mouse.x, axes.min.y}, {mouse.x, axes.max.y}, IM_COL32(255, 255, 255, 70));
    ImGui::BeginTooltip();
    bool header = false;
    for (const auto& s : series) {
      const std::size_t n = std::min(s.x.size(), s.y.size());
      if (n == 0) continue;
      const auto it = std::lower_bound(s.x.begin(), s.x.begin() + static_cast<std::ptrdiff_t>(n),
                                       static_cast<float>(result.mouse_x));
      std::size_t i = static_cast<std::size_t>(it - s.x.begin());
      if (i == n || (i > 0 && result.mouse_x - s.x[i - 1] < s.x[i] - result.mouse_x)) --i;
      if (!std::isfinite(s.y[i])) continue;
      if (!header) {
        ImGui::TextDisabled("%s %s", options.x_label ? options.x_label : "x",
                            FormatTick(s.x[i]).c_str());
        header = true;
      }
      ImGui::ColorButton("##swatch", ImGui::ColorConvertU32ToFloat4(s.color),
                         ImGuiColorEditFlags_NoTooltip, {line_h * 0.8f, line_h * 0.8f});
      ImGui::SameLine();
      char value[48];
      std::snprintf(value, sizeof value, options.y_format, static_cast<double>(s.y[i]));
      ImGui::Text("%s  %s", s.label.c_str(), value);
    }
    const double tolerance = 6.0 * (axes.x1 - axes.x0) / static_cast<double>(axes.max.x - axes.min.x);
    for (const auto& m : markers) {
      if (std::abs(m.x - result.mouse_x) <= tolerance) {
        ImGui::TextColored({1.0f, 0.8f, 0.5f, 1.0f}, "%s @ %s", m.label.c_str(), FormatTick(m.x).c_str());
      }
    }
    if (!header) ImGui::TextDisabled("no sample here");
    ImGui::EndTooltip();
  }
  return result;
}

PlotResult BarPlot(const char* id, std::span<const std::string> labels,
                   std::span<const float> values, const BarOptions& options, int* hovered_index) {
  PlotResult result;
  if (hovered_index) *hovered_index = -1;
  const ImVec2 size = ResolveSize(options.size);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  result.hovered = ImGui::IsItemHovered();
  result.clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  ImDrawList* draw = ImGui::GetWindowDrawList();

  const std::size_t n = values.size();
  double hi = 0.0, lo_positive = INFINITY;
  for (float v : values) {
    if (!std::isfinite(v)) continue;
    hi = std::max(hi, static_cast<double>(v));
    if (v > 0) lo_positive = std::min(lo_positive, static_cast<double>(v));
  }
  Axes axes;
  axes.log_y = options.log_y;
  axes.x0 = 0.0;
  axes.x1 = std::max<double>(1.0, static_cast<double>(n));
  if (options.log_y) {
    axes.y0 = std::isfinite(lo_positive) ? std::log10(lo_positive) - 0.3 : -1.0;
    axes.y1 = hi > 0 ? std::log10(hi) + 0.1 : 0.0;
  } else {
    axes.y0 = 0.0;
    axes.y1 = hi > 0 ? hi * 1.08 : 1.0;
  }
  if (axes.y1 <= axes.y0) axes.y1 = axes.y0 + 1.0;
  const float line_h = ImGui::GetTextLineHeight();
  const float bottom = line_h + 6.0f;
  const float left = YLabelWidth(axes.y0, axes.y1, axes.log_y, size.y - bottom) + kTickLength + 6.0f;
  axes.min = {origin.x + left, origin.y + 4.0f};
  axes.max = {origin.x + size.x - 6.0f, origin.y + size.y - bottom};
  if (axes.max.x - axes.min.x < 10.0f || axes.max.y - axes.min.y < 10.0f || n == 0) return result;
  DrawAxes(draw, axes, false);

  const float slot = (axes.max.x - axes.min.x) / static_cast<float>(n);
  const float gap = slot > 4.0f ? std::max(1.0f, slot * 0.15f) : 0.0f;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const int hovered = result.hovered && mouse.x >= axes.min.x && mouse.x < axes.max.x
                          ? static_cast<int>((mouse.x - axes.min.x) / slot) : -1;
  // Category labels: every k-th so they do not collide.
  float widest = 0.0f;
  for (const auto& l : labels) widest = std::max(widest, ImGui::CalcTextSize(l.c_str()).x);
  const std::size_t every = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil((widest + 4.0f) / slot)));
  for (std::size_t i = 0; i < n; ++i) {
    const float v = values[i];
    const float x = axes.min.x + slot * static_cast<float>(i);
    if (std::isfinite(v) && (!options.log_y || v > 0)) {
      const float top = std::max(axes.min.y, axes.Y(v));
      const bool hi_light = static_cast<int>(i) == options.highlight || static_cast<int>(i) == hovered;
      draw->AddRectFilled({x + gap * 0.5f, top}, {x + slot - gap * 0.5f, axes.max.y},
                          hi_light ? options.highlight_color : options.color);
    }
    if (i < labels.size() && i % every == 0) {
      const ImVec2 ts = ImGui::CalcTextSize(labels[i].c_str());
      draw->AddText({x + (slot - ts.x) * 0.5f, axes.max.y + 3.0f},
                    ImGui::GetColorU32(ImGuiCol_TextDisabled), labels[i].c_str());
    }
  }
  if (hovered >= 0 && hovered < static_cast<int>(n)) {
    if (hovered_index) *hovered_index = hovered;
    const auto h = static_cast<std::size_t>(hovered);
    ImGui::BeginTooltip();
    ImGui::Text("%s  #%d", h < labels.size() ? labels[h].c_str() : "", hovered);
    ImGui::Text("%s = %.4g", options.value_label, static_cast<double>(values[h]));
    ImGui::EndTooltip();
  }
  return result;
}

}  // namespace rnnscope
