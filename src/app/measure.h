// `rnnscope measure`: does the open window slow training down, and does the UI keep 60 Hz?
#pragma once

#include "app/app_options.h"

namespace rnnscope {

// Trains the chosen model headless for options.measure_seconds, then again (fresh, same seed)
// with the window open and frames paced at 60 Hz; prints both throughputs, their ratio and the
// frame times (median and p95 of the work per frame and of the frame interval). Returns 0.
int RunMeasure(const AppOptions& options);

}  // namespace rnnscope
