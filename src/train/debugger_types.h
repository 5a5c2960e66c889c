// The "debugger" parts of a Snapshot and of the commands that drive them, as plain values:
// breakpoints (rules that pause training), time travel (the checkpoint ring and branches),
// the cell finder's rankings and the active interventions. Kept apart from snapshot.h so the
// logic files (breakpoints.h, checkpoint_ring.h, cell_finder.h) need not include each other.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "model/intervention.h"

namespace rnnscope {

// ---------------------------------------------------------------- breakpoints

// Rules that pause training. A threshold of 0 (or step -1) turns a rule off.
struct BreakpointRules {
  bool non_finite = true;            // a NaN/Inf loss or gradient (jobs always refuse the step)
  float grad_norm_above = 0.0f;      // global L2 gradient norm before clipping
  // Gate saturation on the probe trace: fraction of (unit, timestep) values of any one sigmoid
  // gate (LSTM i/f/o, GRU r/z) in one layer that lie below `saturation_low` or above
  // `saturation_high`. Fires when it rises above `saturation_fraction_above` (edge-triggered:
  // once per crossing, so resuming a saturated model does not stop again at once).
  float saturation_fraction_above = 0.0f;
  float saturation_low = 0.05f;
  float saturation_high = 0.95f;
  int64_t at_step = -1;              // pause when the step count reaches this
  bool operator==(const BreakpointRules&) const = default;
};

// Which rule fired and where. layer/direction/timestep are -1 where they do not apply.
struct BreakpointHit {
  std::string rule;     // "non-finite", "grad-norm", "saturation", "step"
  int64_t step = 0;     // training step count when it fired
  int layer = -1;
  int direction = -1;
  int timestep = -1;    // probe timestep (saturation: the one with most saturated units)
  std::string tensor;   // e.g. "gradient of rnn.weight_hh_l0", "gate f", "rnn.weight_ih_l0"
  double value = std::numeric_limits<double>::quiet_NaN();      // what was measured
  double threshold = std::numeric_limits<double>::quiet_NaN();  // what it was compared with
  std::string message;  // one line for the status bar / modal
};

// ---------------------------------------------------------------- time travel

// BranchHistory (a loss curve of its own) lives in snapshot.h, next to LossPoint; the ring's
// kept steps and memory are plain Snapshot fields (ring_steps, ring_bytes).

// ---------------------------------------------------------------- cell finder

// One unit of the model: layer, direction, unit index, and whether h or c.
struct UnitRef {
  int layer = 0;
  int direction = 0;
  int unit = 0;
  bool cell = false;  // false: h, true: c (LSTM)
  bool operator==(const UnitRef&) const = default;
};

struct UnitCorrelation {
  UnitRef unit;
  float correlation = 0.0f;  // Pearson r (signed); ranked by |r|
};

struct CellFinderSignal {
  std::string name;                     // "inside quotes", "bracket depth", "position in line", "regex /…/"
  std::vector<UnitCorrelation> top;     // best first
  std::vector<int64_t> timeline_step;   // when each measurement was taken
  std::vector<float> timeline_best;     // best |r| at that step
};

struct CellFinderResult {
  int64_t step = -1;                    // step the ranking was computed at (-1: never)
  int chars = 0;                        // validation characters it ran over
  std::vector<CellFinderSignal> signals;
  std::string error;                    // e.g. an invalid regular expression
};

// LSTMVis-style query: the units on (h > threshold) throughout probe timesteps t0..t1, and the
// spans of the validation text where all of them are on together.
struct TextSpan {
  int sequence = 0;        // which of the cell finder's validation sequences
  int begin = 0, end = 0;  // timesteps [begin, end) of that sequence
  std::string text;
};

struct CellQueryResult {
  int t0 = -1, t1 = -1;    // -1: no query
  float threshold = 0.5f;
  std::vector<UnitRef> units;
  std::vector<TextSpan> spans;
  std::string error;
};

}  // namespace rnnscope
