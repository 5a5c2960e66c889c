// A Controls edit when several runs train side by side (docs/compare.md). The user edits the
// settings of the run the panel shows; what reaches each run is only the fields that changed,
// laid over that run's own settings, so "clip 1.0 for all runs" keeps each run's own learning
// rate (the learning-rate preset compares two of them).
#pragma once

#include <vector>

#include "train/snapshot.h"
#include "train/trainer_link.h"

namespace rnnscope {

enum class SettingsScope { kAllRuns, kOneRun };

// `run` with every field where `edited` differs from `shown` taken from `edited`.
TrainSettings ApplySettingsEdit(const TrainSettings& run, const TrainSettings& shown, const TrainSettings& edited);

// Sends a SetSettingsCommand to every run (kAllRuns) or to runs[selected] only (kOneRun).
// current[i]: run i's settings as last published, or null before its first snapshot (then
// `edited` is sent as is). Returns the number of runs the edit went to.
int SendSettingsEdit(const std::vector<TrainerLink*>& runs, const std::vector<const TrainSettings*>& current,
                     const TrainSettings& shown, const TrainSettings& edited, SettingsScope scope, int selected);

}  // namespace rnnscope
