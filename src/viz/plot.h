// Line and bar plots drawn with ImDrawList (ImPlot is not packaged for Debian 12). Enough for
// training curves and per-timestep traces: axes with "nice" tick labels, linear or log y,
// several series with a legend, labelled vertical markers, a cursor line and a hover readout.
#pragma once

#include <imgui.h>

#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace rnnscope {

struct PlotSeries {
  std::string label;
  std::vector<float> x;  // ascending; same length as y
  std::vector<float> y;  // NaN = gap
  ImU32 color = IM_COL32(90, 170, 255, 255);
  float thickness = 1.6f;
  bool points = false;   // also draw a dot per sample (sparse series such as validation loss)
};

struct PlotMarker {
  double x = 0.0;
  std::string label;
};

struct PlotOptions {
  ImVec2 size = {0.0f, 0.0f};  // <= 0: fill the available width / height
  bool log_y = false;
  const char* x_label = nullptr;
  const char* y_format = "%.3g";  // hover readout
  double cursor_x = std::numeric_limits<double>::quiet_NaN();  // drawn as a vertical line
  bool legend = true;
  // Fixed y range (both finite) instead of fitting the data.
  double y_min = std::numeric_limits<double>::quiet_NaN();
  double y_max = std::numeric_limits<double>::quiet_NaN();
  // Widens the fitted x range to include this value (e.g. step 0, where the first checkpoint of
  // the time-travel ring sits before the first loss point). NaN: fit the data only.
  double x_include = std::numeric_limits<double>::quiet_NaN();
  // For histories that grow (x = training step): round the x range out to whole tick steps, so
  // a new step leaves the axis, and every pixel already drawn, where it was until the data
  // crosses the next round number. (The y range is always rounded so, unless fixed.)
  bool stable_x = false;
};

struct PlotResult {
  bool hovered = false;
  bool clicked = false;   // left click inside the plot area this frame
  double mouse_x = 0.0;   // data x under the mouse (valid when hovered)
  // The plot area in screen pixels and its x range, so a strip drawn below the plot (the
  // time-travel timeline) can line its marks up with the curves. Zero area when not drawn.
  ImVec2 area_min = {0.0f, 0.0f}, area_max = {0.0f, 0.0f};
  double x0 = 0.0, x1 = 1.0;
};

// Draws a line plot as one item of the current window.
PlotResult LinePlot(const char* id, std::span<const PlotSeries> series,
                    std::span<const PlotMarker> markers, const PlotOptions& options);

struct BarOptions {
  ImVec2 size = {0.0f, 0.0f};
  ImU32 color = IM_COL32(90, 170, 255, 255);
  ImU32 highlight_color = IM_COL32(255, 200, 80, 255);
  int highlight = -1;  // index drawn in highlight_color (e.g. the timestep cursor)
  bool log_y = false;
  const char* value_label = "value";
};

// Bars for labelled categories (e.g. gradient norm per timestep token). Returns the hovered
// index in `hovered_index` (-1 if none) and whether it was clicked.
PlotResult BarPlot(const char* id, std::span<const std::string> labels,
                   std::span<const float> values, const BarOptions& options,
                   int* hovered_index = nullptr);

// Tick positions: 1-2-5 steps for linear axes; decades (with 2 and 5 when few) for log axes,
// where lo/hi are log10 values. Exposed for tests and for heatmap colour bars.
std::vector<double> NiceTicks(double lo, double hi, int max_ticks, bool log_axis);
std::string FormatTick(double value);

}  // namespace rnnscope
