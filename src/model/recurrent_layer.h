// One recurrent layer in one direction over a whole sequence: the input projection of all
// timesteps in one GEMM, then the time loop (one fused W_hh GEMM per step), then backward with
// dW_ih and dW_hh accumulated in one GEMM each. The cache is exactly what the panels display.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/tensor.h"
#include "model/cell_kind.h"
#include "model/gemm.h"
#include "model/intervention.h"
#include "model/params.h"

namespace rnnscope {

// Per-timestep caches of one layer/direction for a batch of B sequences of length T.
// State columns include the initial state, so "h_{t-1} for every t" is one contiguous block:
//   forward: block 0 = h_init, block t+1 = h_t;   reverse: block T = h_init, block t = h_t.
template <class S>
struct LayerCache {
  int T = 0, B = 0;
  bool reverse = false;
  Mat<S> gates;     // (G*H, T*B) gate activations at each timestep
  Mat<S> aux;       // (H, T*B)   GRU: W_hn h_{t-1} + b_hn
  Mat<S> h;         // (H, (T+1)*B) hidden states (Jordan: outputs y_t)
  Mat<S> c;         // (H, (T+1)*B) LSTM cell states
  // Backward signals.
  Mat<S> d_ih;      // (G*H, T*B) ∂L/∂ input-projection pre-activations
  Mat<S> d_hh;      // (G*H, T*B) GRU only: ∂L/∂(W_hh h + b_hh)
  Mat<S> dh, dc, dh_direct;  // (H, B) running recurrent gradients
  Vec<S> dh_norm;   // (T) ‖∂L/∂h_t‖ (Frobenius over units and batch)
  Vec<S> dc_norm;   // (T) ‖∂L/∂c_t‖ (LSTM)
  Vec<S> bias_sum;  // (G*H) Σ over T*B of d_ih: the bias gradient, kept to avoid an allocation
  // (G*H, slices) or GRU (G*H, 2·slices): per-thread running Σ of d_ih (and d_hh), added while
  // each timestep's columns are still in cache instead of re-reading (G*H, T*B) at the end.
  Mat<S> bias_partial;
  Mat<S> norm_sq;   // (T, 2·slices) per-thread squared norms of ∂L/∂h_t, ∂L/∂c_t (backward)
  // Clamps/pins applied after every timestep's cell update (model/intervention.h). Set by the
  // caller, kept across forwards; empty on the ordinary path, which then costs one branch per
  // timestep.
  std::vector<UnitIntervention> interventions;
  Mat<S> pin_input;  // (H, B) GRU with an r pin: the step's W_in x + b_in, which n's recompute needs
  // W_hh packed once per Forward (as is) and once per Backward (transposed) for the per-timestep
  // products (model/gemm.h).
  PackedLhs<S> w_hh_packed;

  Eigen::Index OutCol(int t) const { return static_cast<Eigen::Index>(reverse ? t : t + 1) * B; }
  Eigen::Index PrevCol(int t) const { return static_cast<Eigen::Index>(reverse ? t + 1 : t) * B; }
  Eigen::Index InitCol() const { return static_cast<Eigen::Index>(reverse ? T : 0) * B; }
  Eigen::Index FinalCol() const { return static_cast<Eigen::Index>(reverse ? 0 : T) * B; }
  // All outputs h_t, t = 0..T-1, as (H, T*B).
  auto Outputs() const { return h.middleCols(reverse ? 0 : B, static_cast<Eigen::Index>(T) * B); }
  // h_{t-1} for every t, as (H, T*B).
  auto Previous() const { return h.middleCols(reverse ? B : 0, static_cast<Eigen::Index>(T) * B); }
};

// The layer's input: dense (X, T*B) features, or token ids for one-hot input (X = vocab), where
// W_ih x is a column gather instead of a GEMM.
template <class S>
struct LayerInput {
  const Mat<S>* dense = nullptr;
  std::span<const int32_t> tokens;
};

// Runs the layer. h0/c0 (H, B) may be null for zero initial state.
template <class S>
void LayerForward(CellKind kind, const LayerParams<S>& p, const LayerInput<S>& input, int T, int B,
                  bool reverse, const Mat<S>* h0, const Mat<S>* c0, LayerCache<S>& cache);

// Backpropagates through time. dy (H, T*B): ∂L/∂h_t from above (may be null = zero);
// dh_final/dc_final: ∂L/∂ final state (may be null). Accumulates into grad (+=), writes
// dx = ∂L/∂input (X, T*B) when non-null (dense input only), and dh0/dc0 when non-null.
template <class S>
void LayerBackward(CellKind kind, const LayerParams<S>& p, LayerParams<S>& grad,
                   const LayerInput<S>& input, const Mat<S>* dy, const Mat<S>* dh_final,
                   const Mat<S>* dc_final, LayerCache<S>& cache, Mat<S>* dx, Mat<S>* dh0,
                   Mat<S>* dc0);

}  // namespace rnnscope
