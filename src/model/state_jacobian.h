// The recurrent state map of a model and its exact Jacobian (docs/dynamics.md).
//
// For a one-directional stack of L layers reading token x, one timestep is a map of the whole
// recurrent state
//   s_t = F(s_{t-1}, x_t),   s = [h^0; c^0; h^1; c^1; …; h^{L-1}; c^{L-1}]   (n = L·m)
// with m = 2H for the LSTM (h then c) and m = H otherwise (Jordan: h is the fed-back output y).
// Layer l > 0 reads layer l−1's *new* h, so ∂F/∂s is block lower triangular:
//   J[l, l] = A_l = ∂s_l'/∂s_l (m, m),   J[l, k<l] = X_l · (h rows of J[l−1, k]),
// X_l = ∂s_l'/∂(layer l's input) (m, H).
//
// Both F and J come from the engine's own layer code (model/recurrent_layer.h) with T = 1: F is
// LayerForward; the rows of A_l and X_l are vector–Jacobian products, LayerBackward seeded with
// the unit vectors e_k as ∂L/∂h_t (and ∂L/∂c_t) in m batch columns. So the cell math lives in one
// place and the Jacobian is exact (analytic, as the backward is), not a finite difference.
// Dropout and interventions play no part (evaluation, plain weights).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/safetensors.h"
#include "model/model_config.h"
#include "model/model_io.h"
#include "model/params.h"
#include "model/recurrent_layer.h"

namespace rnnscope {

class StateMap {
 public:
  // Throws InputError for a bidirectional model (its reverse direction reads the future: there
  // is no state map) — the message names `what` (a file, or "model").
  StateMap(const ModelConfig& config, const ModelParams<double>& params, const std::string& what = "model");

  const ModelConfig& config() const { return config_; }
  int StateSize() const { return config_.layers * LayerStateSize(); }  // n
  int LayerStateSize() const { return HasCellState(config_.cell) ? 2 * config_.hidden : config_.hidden; }  // m

  // next (n, N) = F(states (n, N), token) for N states at once. Throws ShapeError for a token
  // outside [0, vocab) or a state of the wrong size.
  void Step(const MatD& states, int32_t token, MatD& next) const;
  // ∂F/∂s at (state (n), token): (n, n), row i = ∂F_i/∂s. `next` (n) receives F(state) when
  // non-null (it comes for free).
  MatD Jacobian(const Eigen::VectorXd& state, int32_t token, Eigen::VectorXd* next = nullptr) const;

 private:
  // One layer, T = 1, B columns: input (dense (X, B) or tokens), state (m, B) → cache.
  void LayerStep(int l, const MatD* dense, const std::vector<int32_t>& tokens,
                 const Eigen::Ref<const MatD>& state, LayerCache<double>& cache) const;
  void CheckToken(int32_t token) const;

  ModelConfig config_;
  ModelParams<double> params_;  // a copy: the map outlives the caller's model (a worker thread)
  mutable ModelParams<double> scratch_grads_;  // LayerBackward accumulates here; never read
};

// The state s_{t-1} that timestep t of batch column b started from, gathered from a forward
// pass's per-layer caches (index = layer; one direction): (n). t = T gives the final state.
Eigen::VectorXd StateBefore(const std::vector<LayerCache<double>>& layers, int t, int b);

// The states a sequence runs through from the zero state: column t = s_{t+1} = F(s_t, tokens[t])
// (n, T). Throws ShapeError for a token outside the vocabulary.
MatD Trajectory(const StateMap& map, const std::vector<int32_t>& tokens);

// Up to `max_states` states spread evenly over the trajectories of `sequences` (each from the
// zero state, as a tagger reads its examples): (n, N), the starts of a fixed-point search
// (model/fixed_points.h) "along real trajectories".
MatD StatesAlong(const StateMap& map, const std::vector<std::vector<int32_t>>& sequences, int max_states);

// ‖∂s_t/∂s_{t−1}‖₂ (largest singular value) for every timestep t and batch column b of a forward
// pass over `tokens` (time-major, t*B + b): (B, T), row b = sequence b.
MatD JacobianNorms(const StateMap& map, const std::vector<LayerCache<double>>& layers,
                   const std::vector<int32_t>& tokens, int T, int B);

// `rnnscope trace --jacobian-norms`: adds `jacobian_norms` [B, T] = JacobianNorms over the batch's
// input_ids (targets not needed; a classifier batch's input_ids serve as well). One SVD of an
// (n, n) Jacobian per step and sequence, hence opt-in. InputError for a bidirectional model.
void PutJacobianNorms(const TensorFile& weights, const TensorFile& batch, CellKind cell, FloatDtype dtype,
                      TensorFile& out);

}  // namespace rnnscope
