// Attention over encoder outputs for the seq2seq decoder, one decoder step at a time (the query
// of step i depends on the context of step i-1 through the decoder state, so the steps cannot
// be batched over time). Forward directly above backward (docs/architecture.md §5).
//
// Keys = values = encoder outputs K (C, Ts*B), column j*B + b = source position j of sequence b.
// Query q (Hq, B) = the decoder state s_{i-1} before step i. Scores e_ij per kind:
//   additive (Bahdanau)   e_ij = vᵀ tanh(W q + U h_j)       W (A, Hq), U (A, C), v (1, A)
//     with biases          e_ij = vᵀ tanh(W q + b_W + U h_j + b_U) + b_v   (the PyTorch tutorial's
//                          BahdanauAttention: Wa, Ua, Va are nn.Linear with bias). b_v shifts every
//                          score of a row equally, so the softmax cancels it: its gradient is
//                          exactly 0 and backward leaves it untouched. It is carried so that a
//                          state_dict round-trips.
//   dot      (Luong)      e_ij = qᵀ h_j                      needs Hq == C
//   general  (Luong)      e_ij = qᵀ W_a h_j                  W_a (Hq, C)
// α_i = softmax over unmasked positions j < length_b (padded positions get exactly 0),
// context c_i = Σ_j α_ij h_j (C, B).
// Everything that depends only on K (U K, W_a K) is projected once per batch in one GEMM, and
// the matching weight gradients are one GEMM each at the end of backward.
// Interventions (model/intervention.h): AttentionCache::overrides replace α_i of chosen steps
// after the softmax; backward then treats that α_i as a constant (no score gradient).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "model/intervention.h"

namespace rnnscope {

enum class AttentionKind { kNone, kAdditive, kDot, kGeneral };

// "none", "additive" (alias "bahdanau"), "dot", "general" (alias "bilinear"); throws ConfigError.
AttentionKind ParseAttentionKind(std::string_view name);
std::string_view AttentionName(AttentionKind kind);

template <class S>
struct AttentionParams {
  Mat<S> w_query;    // (A, Hq)  additive W   (nn.Linear(Hq, A, bias=False).weight)
  Mat<S> w_key;      // (A, C)   additive U   (nn.Linear(C, A, bias=False).weight)
  Mat<S> v;          // (1, A)   additive v   (nn.Linear(A, 1, bias=False).weight)
  Mat<S> w_general;  // (Hq, C)  general W_a  (nn.Linear(C, Hq, bias=False).weight)
  Mat<S> b_query;    // (A, 1)   additive with biases only: b_W
  Mat<S> b_key;      // (A, 1)   b_U
  Mat<S> b_v;        // (1, 1)   b_v (a no-op, see above)

  // Allocates (zero) the tensors the kind uses; the others stay empty. `bias` adds b_W, b_U,
  // b_v (additive only; throws ConfigError for the other kinds).
  void Allocate(AttentionKind kind, int query_size, int key_size, int attn_size, bool bias = false);
};

template <class S>
struct AttentionCache {
  int Ts = 0, B = 0, steps = 0;
  std::vector<int> lengths;  // (B) valid source positions per sequence, ≥ 1
  Mat<S> proj_keys;          // additive: U K (A, Ts*B); general: W_a K (Hq, Ts*B)
  Mat<S> queries;            // (Hq, steps*B) q of every step (for the weight GEMMs)
  Mat<S> wq;                 // additive: W q (A, steps*B)
  Mat<S> act;                // additive: tanh(W q + U h_j), step i = cols [i*Ts*B, (i+1)*Ts*B)
  Mat<S> alpha;              // (Ts, steps*B) attention weights, column i*B + b
  // Rows to overwrite; set by the caller, kept across forwards (empty: the ordinary path).
  std::vector<AttentionRowOverride> overrides;
  std::vector<int> override_of_step;  // (steps) index into overrides, -1 = computed (AttentionBegin)
  // Backward.
  Mat<S> d_keys;             // (C, Ts*B) ∂L/∂K accumulated over steps (keys and values)
  Mat<S> d_proj_keys;        // like proj_keys
  Mat<S> d_wq;               // additive: (A, steps*B)
  Vec<S> d_alpha, d_e;       // (Ts) per-sequence scratch
};

// Projects the keys and sizes the cache for up to `steps` decoder steps. keys (C, Ts*B).
template <class S>
void AttentionBegin(AttentionKind kind, const AttentionParams<S>& p, const Mat<S>& keys, int Ts,
                    int B, int steps, const std::vector<int>& lengths, AttentionCache<S>& cache);

// Step i: weights into cache.alpha (cols i*B..), context (C, B) = Σ_j α_ij h_j; an override
// for step i replaces the weights before the context is formed.
template <class S>
void AttentionStep(AttentionKind kind, const AttentionParams<S>& p, const Mat<S>& keys,
                   const Eigen::Ref<const Mat<S>>& query, int i, AttentionCache<S>& cache,
                   Eigen::Ref<Mat<S>> context);

// Zeroes the accumulated key gradients; call before the first AttentionStepBackward.
template <class S>
void AttentionBackwardBegin(AttentionKind kind, const Mat<S>& keys, AttentionCache<S>& cache);

// Step i backward: d_context (C, B) → dq (H_q, B) (overwritten), ∂L/∂keys accumulated in the
// cache, ∂L/∂v accumulated into grad. An overridden step passes ∂L/∂K only (dq = 0).
template <class S>
void AttentionStepBackward(AttentionKind kind, const AttentionParams<S>& p, AttentionParams<S>& grad,
                           const Mat<S>& keys, int i, const Eigen::Ref<const Mat<S>>& d_context,
                           AttentionCache<S>& cache, Eigen::Ref<Mat<S>> dq);

// Weight gradients for all steps at once (+=) and the key-projection part of cache.d_keys.
// `steps` = the number of steps actually run forward.
template <class S>
void AttentionBackwardEnd(AttentionKind kind, const AttentionParams<S>& p, AttentionParams<S>& grad,
                          const Mat<S>& keys, int steps, AttentionCache<S>& cache);

}  // namespace rnnscope
