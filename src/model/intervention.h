// Interventions: clamp a unit's hidden state (ablate to 0 or pin to a value), its LSTM cell
// state, or pin one of its gates (e.g. force f = 1, i = 0), for one unit, a layer or all units,
// at forward time. The user asks "what does this unit do?" and sees the answer in the probe
// (and, when chosen, in the training loss).
//
// Two forms: Intervention is what the user asked for (layer/unit may be -1 = all), listed in
// the snapshot; UnitIntervention is the resolved per-layer form that RecurrentLayer applies
// after each timestep's cell update (LayerCache::interventions, checked only when non-empty,
// so the ordinary path costs one branch per timestep).
//
// What a pin means for the rest of the step (applied in recurrent_layer.cpp):
//   gate (LSTM i, f, g, o): the gate value is replaced, then c_t = f ⊙ c_{t-1} + i ⊙ g and
//        h_t = o ⊙ tanh(c_t) are recomputed for that unit, so f = 1, i = 0 holds c constant.
//   gate (GRU r, z, n): z and n pins recompute h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}; an r pin is
//        shown but cannot change n after the fact (r acts inside n's pre-activation).
//   cell: c_t is replaced and h_t = o ⊙ tanh(c_t) recomputed.
//   hidden: h_t is replaced (what the next layer, fc and the next timestep see).
// Backward treats the replaced values as if the cell had computed them: a pinned gate at 0 or
// 1 gets no gradient (σ' = 0 there), an ablated h passes no gradient to the layers above it;
// other cases are approximate, which is fine for "train with this unit ablated".
#pragma once

#include <string>
#include <vector>

namespace rnnscope {

enum class InterventionTarget { kHidden, kCell, kGate };

struct Intervention {
  int id = 0;              // assigned by the trainer; RemoveInterventionCommand names it
  int layer = -1;          // -1: every layer
  int direction = -1;      // -1: both directions
  int unit = -1;           // -1: every unit of the layer
  InterventionTarget target = InterventionTarget::kHidden;
  int gate = 0;            // kGate: index in the cell's gate order (LSTM i,f,g,o; GRU r,z,n)
  float value = 0.0f;      // the pinned value (0 ablates h)
  bool during_training = false;  // also apply in training steps (else probe only)
  bool operator==(const Intervention&) const = default;
};

// Resolved for one layer/direction.
struct UnitIntervention {
  int unit = -1;  // -1: every unit
  InterventionTarget target = InterventionTarget::kHidden;
  int gate = 0;
  float value = 0.0f;
};

// "h[l0 u12] = 0", "f gate [l1 all] = 1": for the snapshot list.
std::string DescribeIntervention(const Intervention& i, const std::vector<std::string>& gate_names);

// The interventions that apply to layer `layer`, direction `direction` (for training when
// `training`, else for the probe).
std::vector<UnitIntervention> ResolveInterventions(const std::vector<Intervention>& all, int layer,
                                                   int direction, bool training);

}  // namespace rnnscope
