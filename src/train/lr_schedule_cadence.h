// When reduce-on-plateau decides (train/lr_schedule.h): after every lr_step-th step, in
// `train`, in the window and after any resume or rewind alike, so the decisions — and the rates
// they leave — replay exactly. Validations at other times (time-budgeted ones for the curve)
// would make them depend on the machine's speed.
#pragma once

#include <cstdint>

#include "train/snapshot.h"

namespace rnnscope {

// True when `settings` is a plateau schedule and the validation after step `step` (the count
// of applied steps) is one it decides on.
bool PlateauDecidesAfter(const TrainSettings& settings, int64_t step);

}  // namespace rnnscope
