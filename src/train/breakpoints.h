// Breakpoints: rules that pause training by themselves (debugger_types.h: BreakpointRules).
// The trainer thread asks AfterStep after every training step (cheap: compares numbers the
// step already produced) and AfterProbe on every snapshot it publishes (the gate-saturation
// rule reads the probe trace, which only exists there). Either returns the hit that should
// pause training, with where it happened.
#pragma once

#include <optional>

#include "train/debugger_types.h"
#include "train/job.h"
#include "train/snapshot.h"

namespace rnnscope {

// Saturation of one sigmoid gate of one layer on the probe trace.
struct GateSaturation {
  int layer = 0;
  int direction = 0;
  std::string gate;            // "i", "f", "o", "r", "z"
  double fraction = 0.0;       // saturated (unit, timestep) values / all of them
  int worst_timestep = -1;     // timestep with the most saturated units
};

// Every sigmoid gate of every layer in `snapshot.layers` (tanh candidates g/n and Elman/Jordan
// states are not gates and are skipped).
std::vector<GateSaturation> MeasureGateSaturation(const Snapshot& snapshot, float low, float high);

class Breakpoints {
 public:
  void SetRules(const BreakpointRules& rules);
  const BreakpointRules& rules() const { return rules_; }
  // After a training step; `step` is the job's step count after it (non-finite: unchanged).
  std::optional<BreakpointHit> AfterStep(int64_t step, const StepResult& result);
  // After a snapshot's probe trace was filled (step = snapshot.step).
  std::optional<BreakpointHit> AfterProbe(const Snapshot& snapshot);
  // A new run (reset, rebuild, load, rewind): the edge-triggered saturation rule re-arms.
  // (The step rule needs no state: it fires when the count *equals* at_step, so once per
  // pass, and again after rewinding to before it.)
  void Rearm();

 private:
  BreakpointRules rules_;
  bool saturated_ = false;    // saturation is edge-triggered
};

}  // namespace rnnscope
