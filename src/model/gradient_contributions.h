// Where each gradient comes from (RNNbow-style per-timestep contributions): for one sequence,
// G[t, t'] = ‖∂L_t/∂h_{t'}‖₂ with L_t = −log p(target_t) the loss at output position t alone
// (not divided by the number of positions) and h_{t'} the top layer's hidden state; for the
// LSTM also G_c[t, t'] = ‖∂L_t/∂c_{t'}‖; and the input saliency S[t, t'] = ‖∂L_t/∂x_{t'}‖.
//
// Exact, from the engine's own backward (RnnModel::Backward): one backward per output position,
// the batch's targets masked to position t alone (so the "mean" is over one position and equals
// L_t). The per-timestep norms are what LayerBackward already records (LayerCache::dh_norm,
// dc_norm): δh_{t'} is the total ∂L_t/∂h_{t'} BPTT carries at t' (from fc at t' and from
// t'+1, with c_{t'} held as its own state), δc_{t'} the total ∂L_t/∂c_{t'} including the path
// through h_{t'} = o ⊙ tanh(c_{t'}) — the two quantities the recursion carries. x_{t'} is the
// layer-0 input: the embedding row (E) when the model has an embedding, else the one-hot column
// (V), whose gradient is W_ihᵀ ∂L/∂(W_ih x) from layer 0's d_ih. Bidirectional: h_{t'} is both
// directions concatenated (the reverse one then makes G non-zero above the diagonal too);
// one direction: exactly 0 for t' > t, as nothing flows backward in time. Positions whose
// target is ignored (< 0) get a zero row. Cost: T backwards of the sequence.
#pragma once

#include <string>

#include "core/tensor.h"
#include "io/safetensors.h"
#include "model/model_io.h"
#include "model/rnn_model.h"
#include "model/token_batch.h"

namespace rnnscope {

struct GradientContributions {
  MatD g;         // (T, T) row t = output position, column t' = state position
  MatD g_c;       // (T, T) LSTM only, else empty
  MatD saliency;  // (T, T) ‖∂L_t/∂x_{t'}‖
};

// `sequence` must hold one sequence (B = 1); zero initial state, no dropout, no interventions
// beyond those already set in the model's caches (none on this path).
GradientContributions ComputeGradientContributions(const RnnModel<double>& model, const TokenBatch& sequence);

// Sequence b of a time-major batch (index t*B + b) as a batch of one.
TokenBatch SequenceOf(const TokenBatch& batch, int b);

// `rnnscope trace --grad-contributions`: adds `grad_contributions` [B, T, T] (and
// `grad_contributions_c` for the LSTM) and `input_saliency` [B, T, T] for every sequence of the
// batch (docs/trace_format.md). Needs target_ids (InputError naming the file otherwise) and a
// per-step model (no classifier label batch).
void PutGradientContributions(const TensorFile& weights, const TensorFile& batch, CellKind cell,
                              FloatDtype dtype, TensorFile& out);

}  // namespace rnnscope
