// Interventions: clamp a unit's hidden state (ablate to 0 or pin to a value), its LSTM cell
// state, or pin one of its gates (e.g. force f = 1, i = 0), for one unit, a layer or all units,
// or (seq2seq) overwrite one decoder step's attention weights, at forward time. The user asks
// "what does this unit do?" or "what if step 4 looked only at source word 2?" and sees the
// answer in the probe (and, when chosen, in the training loss).
//
// Two forms: Intervention is what the user asked for (layer/unit may be -1 = all), listed in
// the snapshot; the resolved forms are UnitIntervention, which RecurrentLayer applies after each
// timestep's cell update (LayerCache::interventions, checked only when non-empty, so the
// ordinary path costs one branch per timestep), and AttentionRowOverride, which attention.cpp
// applies after a step's softmax (AttentionCache::overrides).
//
// What a pin means for the rest of the step (applied in recurrent_layer.cpp):
//   gate (LSTM i, f, g, o): the gate value is replaced, then c_t = f ⊙ c_{t-1} + i ⊙ g and
//        h_t = o ⊙ tanh(c_t) are recomputed for that unit, so f = 1, i = 0 holds c constant.
//   gate (GRU r, z, n): an r pin recomputes n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)) from
//        the step's input part (stashed before the cell runs) — r pins apply before any n pin;
//        then z, n and r pins recompute h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}.
//   gate (Jordan u, Elman h): Jordan recomputes y_t = tanh(W_hy u_t + b_hy); Elman's gate is h.
//   cell: c_t is replaced and h_t = o ⊙ tanh(c_t) recomputed.
//   hidden: h_t is replaced (what the next layer, fc and the next timestep see).
// Backward is exact for the intervened model (tests/test_intervention_gradcheck.cpp checks it
// against finite differences): a pinned value is a constant, so what computed it gets no
// gradient from it — a clamped h_t passes no ∂L/∂h_t into its cell, a pinned gate's
// pre-activation gets none (a GRU n pin also cuts r), a clamped c_t passes none to i, f, g or
// c_{t-1}. The exception: a peephole LSTM's gate and cell pins, whose peephole weights see the
// gate gradients inside the cell's backward (approximate there).
//
// An attention row override replaces α_i (the row of decoder step i in the (T_dst, T_src) map)
// after the softmax; the context a_i = Σ_j α_ij h_j and everything downstream follow from it.
// Backward treats the replaced α_i as a constant: the encoder outputs still get ∂L/∂h_j = α_ij
// ∂L/∂a_i, but no gradient reaches that step's scores (nor, through them, the query s_{i-1}
// or the score weights) — exact for the model with the override, so finite differences agree.
#pragma once

#include <string>
#include <vector>

namespace rnnscope {

enum class InterventionTarget { kHidden, kCell, kGate, kAttentionRow };

struct Intervention {
  int id = 0;              // assigned by the trainer; RemoveInterventionCommand names it
  int layer = -1;          // -1: every layer
  int direction = -1;      // -1: both directions
  int unit = -1;           // -1: every unit of the layer
  InterventionTarget target = InterventionTarget::kHidden;
  int gate = 0;            // kGate: index in the cell's gate order (LSTM i,f,g,o; GRU r,z,n)
  float value = 0.0f;      // the pinned value (0 ablates h)
  bool during_training = false;  // also apply in training steps (else probe only)
  // kAttentionRow (seq2seq only; layer/direction/unit/gate/value unused): decoder step `step`'s
  // weights := one-hot on source position `source`, or when source < 0 the given `weights`
  // over source positions (empty: uniform over the real positions).
  int step = 0;
  int source = -1;
  std::vector<float> weights;
  bool operator==(const Intervention&) const = default;
};

// Resolved for one layer/direction.
struct UnitIntervention {
  int unit = -1;  // -1: every unit
  InterventionTarget target = InterventionTarget::kHidden;
  int gate = 0;
  float value = 0.0f;
};

// Resolved attention row (AttentionCache::overrides). For a sequence with L real source
// positions: one-hot on min(source, L-1) (the last real position is <eos>), or the weights on
// positions < L, negatives as 0, renormalised (all zero: uniform), or uniform 1/L.
struct AttentionRowOverride {
  int step = 0;              // decoder step i = row i of the (T_dst, T_src) map
  int source = -1;           // ≥ 0: one-hot here; < 0: weights
  std::vector<float> weights;  // (T_src) or shorter; empty: uniform
};

// "h [l0 u12] = 0", "f gate [l1 all] = 1", "attention row t=4 := one-hot src 2": for the
// snapshot list.
std::string DescribeIntervention(const Intervention& i, const std::vector<std::string>& gate_names);

// The interventions that apply to layer `layer`, direction `direction` (for training when
// `training`, else for the probe).
// (Attention rows are not unit interventions and are left out.)
std::vector<UnitIntervention> ResolveInterventions(const std::vector<Intervention>& all, int layer,
                                                   int direction, bool training);
// The attention row overrides among `all` (training: only those marked for training).
std::vector<AttentionRowOverride> ResolveAttentionOverrides(const std::vector<Intervention>& all, bool training);

}  // namespace rnnscope
