#include "model/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"

namespace rnnscope {

AttentionKind ParseAttentionKind(std::string_view name) {
  if (name == "none") return AttentionKind::kNone;
  if (name == "additive" || name == "bahdanau") return AttentionKind::kAdditive;
  if (name == "dot") return AttentionKind::kDot;
  if (name == "general" || name == "bilinear") return AttentionKind::kGeneral;
  throw ConfigError("attention: unknown kind '" + std::string(name) +
                    "' (expected none, additive, dot or general)");
}

std::string_view AttentionName(AttentionKind kind) {
  switch (kind) {
    case AttentionKind::kNone: return "none";
    case AttentionKind::kAdditive: return "additive";
    case AttentionKind::kDot: return "dot";
    case AttentionKind::kGeneral: return "general";
  }
  return "none";
}

template <class S>
void AttentionParams<S>::Allocate(AttentionKind kind, int query_size, int key_size, int attn_size,
                                  bool bias) {
  w_query.resize(0, 0);
  w_key.resize(0, 0);
  v.resize(0, 0);
  w_general.resize(0, 0);
  b_query.resize(0, 0);
  b_key.resize(0, 0);
  b_v.resize(0, 0);
  if (bias && kind != AttentionKind::kAdditive)
    throw ConfigError("attention_bias: only additive attention has biases (attention is " +
                      std::string(AttentionName(kind)) + ")");
  if (kind == AttentionKind::kAdditive) {
    w_query.setZero(attn_size, query_size);
    w_key.setZero(attn_size, key_size);
    v.setZero(1, attn_size);
    if (bias) {
      b_query.setZero(attn_size, 1);
      b_key.setZero(attn_size, 1);
      b_v.setZero(1, 1);
    }
  } else if (kind == AttentionKind::kGeneral) {
    w_general.setZero(query_size, key_size);
  } else if (kind == AttentionKind::kDot && query_size != key_size) {
    throw ConfigError("attention: dot needs the decoder state size (" + std::to_string(query_size) +
                      ") to equal the encoder output size (" + std::to_string(key_size) + ")");
  }
}

namespace {

// The (rows, Ts) block of sequence b inside an (rows, Ts*B) time-major matrix: columns
// b, B + b, 2B + b, ... — a strided view, no copy.
template <class S>
Eigen::Map<const Mat<S>, 0, Eigen::OuterStride<>> SeqView(const Mat<S>& m, int b, int B, int Ts) {
  return {m.data() + static_cast<Eigen::Index>(b) * m.rows(), m.rows(), Ts,
          Eigen::OuterStride<>(static_cast<Eigen::Index>(B) * m.rows())};
}
template <class S>
Eigen::Map<Mat<S>, 0, Eigen::OuterStride<>> SeqViewMut(Mat<S>& m, int b, int B, int Ts) {
  return {m.data() + static_cast<Eigen::Index>(b) * m.rows(), m.rows(), Ts,
          Eigen::OuterStride<>(static_cast<Eigen::Index>(B) * m.rows())};
}

// The overridden weights of one sequence with `len` real positions (model/intervention.h).
template <class S, class Col>
void FillOverride(const AttentionRowOverride& o, int len, Col&& alpha) {
  alpha.setZero();
  if (o.source >= 0) {
    alpha(std::min(o.source, len - 1)) = S(1);
    return;
  }
  S sum = 0;
  const int n = std::min(len, static_cast<int>(o.weights.size()));
  for (int j = 0; j < n; ++j) {
    const S w = static_cast<S>(o.weights[static_cast<std::size_t>(j)]);
    alpha(j) = w > S(0) ? w : S(0);  // also maps NaN to 0
    sum += alpha(j);
  }
  if (sum > S(0) && std::isfinite(sum)) alpha.head(len) /= sum;
  else alpha.head(len).setConstant(S(1) / static_cast<S>(len));
}

}  // namespace

template <class S>
void AttentionBegin(AttentionKind kind, const AttentionParams<S>& p, const Mat<S>& keys, int Ts,
                    int B, int steps, const std::vector<int>& lengths, AttentionCache<S>& k) {
  if (static_cast<int>(lengths.size()) != B)
    throw ShapeError("attention: " + std::to_string(lengths.size()) + " lengths for a batch of " +
                     std::to_string(B));
  for (int len : lengths)
    if (len < 1 || len > Ts)
      throw ShapeError("attention: source length " + std::to_string(len) + " outside [1, " +
                       std::to_string(Ts) + "]");
  k.Ts = Ts;
  k.B = B;
  k.steps = steps;
  k.lengths = lengths;
  const Eigen::Index SB = static_cast<Eigen::Index>(steps) * B;
  const Eigen::Index TsB = static_cast<Eigen::Index>(Ts) * B;
  k.alpha.resize(Ts, SB);
  k.override_of_step.assign(static_cast<std::size_t>(std::max(steps, 0)), -1);
  for (std::size_t o = 0; o < k.overrides.size(); ++o) {
    const int step = k.overrides[o].step;
    if (step >= 0 && step < steps) k.override_of_step[static_cast<std::size_t>(step)] = static_cast<int>(o);
  }
  if (kind == AttentionKind::kAdditive) {
    k.proj_keys.noalias() = p.w_key * keys;  // (A, Ts*B) = (A, C)(C, Ts*B)
    if (p.b_key.size() > 0) k.proj_keys.colwise() += p.b_key.col(0);
    k.queries.resize(p.w_query.cols(), SB);
    k.wq.resize(p.w_key.rows(), SB);
    k.act.resize(p.w_key.rows(), TsB * steps);
  } else if (kind == AttentionKind::kGeneral) {
    k.proj_keys.noalias() = p.w_general * keys;  // (Hq, Ts*B) = (Hq, C)(C, Ts*B)
    k.queries.resize(p.w_general.rows(), SB);
  } else {
    k.queries.resize(keys.rows(), SB);
  }
}

template <class S>
void AttentionStep(AttentionKind kind, const AttentionParams<S>& p, const Mat<S>& keys,
                   const Eigen::Ref<const Mat<S>>& query, int i, AttentionCache<S>& k,
                   Eigen::Ref<Mat<S>> context) {
  const int Ts = k.Ts, B = k.B;
  const Eigen::Index col0 = static_cast<Eigen::Index>(i) * B;
  k.queries.middleCols(col0, B) = query;
  if (kind == AttentionKind::kAdditive) {
    k.wq.middleCols(col0, B).noalias() = p.w_query * query;  // (A, B) = (A, Hq)(Hq, B)
    if (p.b_query.size() > 0) k.wq.middleCols(col0, B).colwise() += p.b_query.col(0);
  }
  const S score_bias = p.b_v.size() > 0 ? p.b_v(0, 0) : S(0);
  for (int b = 0; b < B; ++b) {
    const int len = k.lengths[static_cast<std::size_t>(b)];
    auto e = k.alpha.col(col0 + b);  // scores first, then normalised in place
    if (kind == AttentionKind::kAdditive) {
      const Eigen::Index act0 = static_cast<Eigen::Index>(i) * Ts * B;
      for (int j = 0; j < len; ++j) {
        const Eigen::Index kc = static_cast<Eigen::Index>(j) * B + b;
        auto a = k.act.col(act0 + kc);
        a = (k.wq.col(col0 + b) + k.proj_keys.col(kc)).array().tanh().matrix();
        e(j) = (p.v * a)(0, 0) + score_bias;  // vᵀ tanh(W q + U h_j) (+ b_v)
      }
    } else {
      const Mat<S>& target = kind == AttentionKind::kGeneral ? k.proj_keys : keys;
      e.head(len).noalias() = SeqView(target, b, B, Ts).leftCols(len).transpose() * query.col(b);
    }
    // Masked softmax: padded positions never enter the max or the sum.
    const S max = e.head(len).maxCoeff();
    e.head(len) = (e.head(len).array() - max).exp().matrix();
    e.head(len) /= e.head(len).sum();
    e.tail(Ts - len).setZero();
    if (const int o = k.override_of_step[static_cast<std::size_t>(i)]; o >= 0)
      FillOverride<S>(k.overrides[static_cast<std::size_t>(o)], len, e);
    context.col(b).noalias() = SeqView(keys, b, B, Ts).leftCols(len) * e.head(len);  // Σ α_j h_j
  }
}

template <class S>
void AttentionBackwardBegin(AttentionKind kind, const Mat<S>& keys, AttentionCache<S>& k) {
  k.d_keys.setZero(keys.rows(), keys.cols());
  if (kind == AttentionKind::kAdditive || kind == AttentionKind::kGeneral)
    k.d_proj_keys.setZero(k.proj_keys.rows(), k.proj_keys.cols());
  if (kind == AttentionKind::kAdditive) k.d_wq.setZero(k.wq.rows(), k.wq.cols());
  k.d_alpha.resize(k.Ts);
  k.d_e.resize(k.Ts);
}

template <class S>
void AttentionStepBackward(AttentionKind kind, const AttentionParams<S>& p, AttentionParams<S>& grad,
                           const Mat<S>& keys, int i, const Eigen::Ref<const Mat<S>>& d_context,
                           AttentionCache<S>& k, Eigen::Ref<Mat<S>> dq) {
  const int Ts = k.Ts, B = k.B;
  const Eigen::Index col0 = static_cast<Eigen::Index>(i) * B;
  dq.setZero();
  // An overwritten row is a constant: the values still get their gradient, the scores none.
  const bool overridden = k.override_of_step[static_cast<std::size_t>(i)] >= 0;
  for (int b = 0; b < B; ++b) {
    const int len = k.lengths[static_cast<std::size_t>(b)];
    const auto alpha = k.alpha.col(col0 + b).head(len);
    auto dK = SeqViewMut(k.d_keys, b, B, Ts).leftCols(len);
    // c = K α:  ∂L/∂K += dc αᵀ,  ∂L/∂α = Kᵀ dc
    dK.noalias() += d_context.col(b) * alpha.transpose();
    if (overridden) continue;
    auto d_alpha = k.d_alpha.head(len);
    d_alpha.noalias() = SeqView(keys, b, B, Ts).leftCols(len).transpose() * d_context.col(b);
    // softmax: ∂L/∂e = α ⊙ (∂L/∂α − αᵀ ∂L/∂α)
    auto d_e = k.d_e.head(len);
    d_e = (alpha.array() * (d_alpha.array() - alpha.dot(d_alpha))).matrix();
    if (kind == AttentionKind::kAdditive) {
      const Eigen::Index act0 = static_cast<Eigen::Index>(i) * Ts * B;
      for (int j = 0; j < len; ++j) {
        const Eigen::Index kc = static_cast<Eigen::Index>(j) * B + b;
        const auto a = k.act.col(act0 + kc);
        grad.v.row(0) += d_e(j) * a.transpose();  // ∂L/∂v += ∂e ⊙ a
        // ∂L/∂(W q + U h_j) = ∂e vᵀ ⊙ (1 − a²), shared by the query and the key projection
        const auto d_pre = (d_e(j) * p.v.row(0).transpose().array() * (1 - a.array().square())).matrix();
        k.d_wq.col(col0 + b) += d_pre;
        k.d_proj_keys.col(kc) += d_pre;
      }
    } else {
      // e = Zᵀ q with Z = K (dot) or W_a K (general): ∂L/∂q = Z ∂e, ∂L/∂Z += q ∂eᵀ
      const Mat<S>& z = kind == AttentionKind::kGeneral ? k.proj_keys : keys;
      dq.col(b).noalias() = SeqView(z, b, B, Ts).leftCols(len) * d_e;
      auto dZ = kind == AttentionKind::kGeneral ? SeqViewMut(k.d_proj_keys, b, B, Ts).leftCols(len)
                                                : SeqViewMut(k.d_keys, b, B, Ts).leftCols(len);
      dZ.noalias() += k.queries.col(col0 + b) * d_e.transpose();
    }
  }
  if (kind == AttentionKind::kAdditive && !overridden)
    dq.noalias() = p.w_query.transpose() * k.d_wq.middleCols(col0, B);  // (Hq, B) = (Hq, A)(A, B)
}

template <class S>
void AttentionBackwardEnd(AttentionKind kind, const AttentionParams<S>& p, AttentionParams<S>& grad,
                          const Mat<S>& keys, int steps, AttentionCache<S>& k) {
  const Eigen::Index SB = static_cast<Eigen::Index>(steps) * k.B;
  if (kind == AttentionKind::kAdditive) {
    grad.w_query.noalias() += k.d_wq.leftCols(SB) * k.queries.leftCols(SB).transpose();  // (A, Hq)
    grad.w_key.noalias() += k.d_proj_keys * keys.transpose();                          // (A, C)
    if (p.b_query.size() > 0) {
      grad.b_query += k.d_wq.leftCols(SB).rowwise().sum();
      grad.b_key += k.d_proj_keys.rowwise().sum();
      // grad.b_v: exactly 0 (the softmax is shift-invariant), nothing to add.
    }
    k.d_keys.noalias() += p.w_key.transpose() * k.d_proj_keys;                         // (C, Ts*B)
  } else if (kind == AttentionKind::kGeneral) {
    grad.w_general.noalias() += k.d_proj_keys * keys.transpose();                      // (Hq, C)
    k.d_keys.noalias() += p.w_general.transpose() * k.d_proj_keys;                     // (C, Ts*B)
  }
}

#define RNNSCOPE_INSTANTIATE_ATTENTION(S)                                                        \
  template struct AttentionParams<S>;                                                            \
  template void AttentionBegin<S>(AttentionKind, const AttentionParams<S>&, const Mat<S>&, int,  \
                                  int, int, const std::vector<int>&, AttentionCache<S>&);        \
  template void AttentionStep<S>(AttentionKind, const AttentionParams<S>&, const Mat<S>&,        \
                                 const Eigen::Ref<const Mat<S>>&, int, AttentionCache<S>&,       \
                                 Eigen::Ref<Mat<S>>);                                            \
  template void AttentionBackwardBegin<S>(AttentionKind, const Mat<S>&, AttentionCache<S>&);     \
  template void AttentionStepBackward<S>(AttentionKind, const AttentionParams<S>&,               \
                                         AttentionParams<S>&, const Mat<S>&, int,                \
                                         const Eigen::Ref<const Mat<S>>&, AttentionCache<S>&,    \
                                         Eigen::Ref<Mat<S>>);                                    \
  template void AttentionBackwardEnd<S>(AttentionKind, const AttentionParams<S>&,                \
                                        AttentionParams<S>&, const Mat<S>&, int,                 \
                                        AttentionCache<S>&);
RNNSCOPE_INSTANTIATE_ATTENTION(float)
RNNSCOPE_INSTANTIATE_ATTENTION(double)
#undef RNNSCOPE_INSTANTIATE_ATTENTION

}  // namespace rnnscope
