// Learning-rate schedules: the rate a training step uses, from the base rate in TrainSettings,
// the step about to run and (reduce-on-plateau) what the validation losses have done so far.
// Pure functions of their arguments, so a resumed or rewound run replays the same rates as long
// as its PlateauState was saved with it (TrainingJob's training state).
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "train/snapshot.h"

namespace rnnscope {

// Reduce-on-plateau's memory: PyTorch's ReduceLROnPlateau in mode "min" with threshold 0 —
// a validation loss that does not beat the best so far is a bad evaluation, and more than
// lr_patience bad ones in a row divide the rate by lr_factor (and start the count again).
struct PlateauState {
  float best = std::numeric_limits<float>::infinity();  // best validation loss seen
  int bad_evaluations = 0;                              // in a row since the best or a reduction
  int reductions = 0;                                   // lr = base / factor^reductions (≥ lr_min)

  // Records one validation loss; true when it divided the rate. NaN counts as no improvement.
  bool Observe(float val_loss, const TrainSettings& s);
  bool operator==(const PlateauState&) const = default;
};

// The rate for the step numbered `step` (0 = the first step of the run), base s.learning_rate:
//   constant  base
//   step      base · lr_gamma^⌊step / lr_step⌋                         (PyTorch StepLR)
//   plateau   max(lr_min, base / lr_factor^reductions)
//   cosine    base · (step+1) / lr_warmup while step < lr_warmup, then
//             lr_min + (base − lr_min) · (1 + cos(π · min(1, (step − W) / (lr_total − W)))) / 2
float LearningRateAt(const TrainSettings& s, int64_t step, const PlateauState& plateau);

// Whether the schedule does anything (not "constant").
bool ScheduleActive(const TrainSettings& s);

// Marker text when the schedule changed the rate by a decision at `step` (step boundary,
// plateau reduction, cosine warm-up end), e.g. "lr 0.002 → 0.0005 (plateau)"; empty otherwise.
// Cosine's smooth decay is not marked step by step.
std::string ScheduleMarker(const TrainSettings& s, int64_t step, float before, float after,
                           bool plateau_reduced);

// The schedule in a few words, for markers, Controls and `train`: "constant",
// "step ×0.5 every 1000", "plateau ÷4 patience 0 min 1e-05", "cosine warm-up 100 to 10000 min 1e-05".
std::string ScheduleLabel(const TrainSettings& s);

// Throws ConfigError naming the field when the schedule's numbers do not make sense.
void ValidateSchedule(const TrainSettings& s);

}  // namespace rnnscope
