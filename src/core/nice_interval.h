// Axis ranges that stay put. A plot fitted exactly to its data changes scale whenever one new
// sample lands outside the old range, which moves every pixel of the plot: the curve jitters,
// the tick labels jump, and the renderer has to redraw all of it (viz/imgui_renderer.h). Rounded
// out to whole steps of a round number, the range changes only when the data crosses a step.
#pragma once

namespace rnnscope {

struct Interval {
  double lo = 0.0;
  double hi = 1.0;
};

// The smallest interval containing [lo, hi] whose ends are whole multiples of a step of 1, 2,
// 2.5 or 5 × 10^k, that step being the first of those at least a quarter of hi - lo (so about
// four to eight steps span the result). hi <= lo or non-finite ends come back unchanged. For a
// log axis pass log10 values: the step is then a fraction of a decade.
Interval RoundOutToNiceSteps(double lo, double hi);

}  // namespace rnnscope
