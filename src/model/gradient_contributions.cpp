#include "model/gradient_contributions.h"

#include <cstddef>
#include <string>
#include <vector>

#include "core/error.h"

namespace rnnscope {

TokenBatch SequenceOf(const TokenBatch& batch, int b) {
  TokenBatch one;
  one.T = batch.T;
  one.B = 1;
  one.input.resize(static_cast<std::size_t>(batch.T));
  one.target.resize(static_cast<std::size_t>(batch.T));
  for (int t = 0; t < batch.T; ++t) {
    const std::size_t src = static_cast<std::size_t>(t) * static_cast<std::size_t>(batch.B) + static_cast<std::size_t>(b);
    one.input[static_cast<std::size_t>(t)] = batch.input[src];
    one.target[static_cast<std::size_t>(t)] = batch.target[src];
  }
  return one;
}

GradientContributions ComputeGradientContributions(const RnnModel<double>& model, const TokenBatch& sequence) {
  if (sequence.B != 1)
    throw ShapeError("gradient contributions: expected one sequence (B = 1), got B = " + std::to_string(sequence.B));
  const ModelConfig& c = model.config();
  const int T = sequence.T, D = c.Directions();
  const bool has_c = HasCellState(c.cell);
  // Backward accumulates parameter gradients into the model; they are not wanted here, so a
  // copy takes them (the weights are small next to the T backwards).
  RnnModel<double> work = model;
  work.grads.Allocate(c);
  ForwardPass<double> pass;
  work.Forward(sequence, nullptr, pass);

  GradientContributions out;
  out.g.setZero(T, T);
  if (has_c) out.g_c.setZero(T, T);
  out.saliency.setZero(T, T);
  TokenBatch single = sequence;  // targets masked to one position per backward
  MatD d_embedded, d_x;
  for (int t = 0; t < T; ++t) {
    const int32_t target = sequence.target[static_cast<std::size_t>(t)];
    if (target < 0) continue;  // no loss at t: a zero row
    std::fill(single.target.begin(), single.target.end(), -1);
    single.target[static_cast<std::size_t>(t)] = target;
    // The probabilities do not depend on the targets; the mean over one counted position is L_t.
    pass.counted = 1;
    work.Backward(single, pass, c.embed > 0 ? &d_embedded : nullptr);
    for (int d = 0; d < D; ++d) {
      const LayerCache<double>& top = pass.layers[static_cast<std::size_t>((c.layers - 1) * D + d)];
      out.g.row(t) += top.dh_norm.transpose().cwiseAbs2();
      if (has_c) out.g_c.row(t) += top.dc_norm.transpose().cwiseAbs2();
    }
    if (c.embed > 0) {
      out.saliency.row(t) = d_embedded.colwise().norm();
    } else {
      // One-hot input: ∂L/∂x = W_ihᵀ ∂L/∂(W_ih x), summed over directions — what the dense
      // layer-0 backward would write as dx.
      d_x.setZero(c.vocab, T);
      for (int d = 0; d < D; ++d) {
        const std::size_t k = static_cast<std::size_t>(d);
        d_x.noalias() += work.params.rnn[k].w_ih.transpose() * pass.layers[k].d_ih;  // (V, T) = (V, G*H)(G*H, T)
      }
      out.saliency.row(t) = d_x.colwise().norm();
    }
  }
  out.g = out.g.cwiseSqrt();
  if (has_c) out.g_c = out.g_c.cwiseSqrt();
  return out;
}

void PutGradientContributions(const TensorFile& weights, const TensorFile& batch_file, CellKind cell,
                              FloatDtype dtype, TensorFile& out) {
  if (IsClassifierBatch(batch_file))
    throw InputError(batch_file.source + ": grad contributions need target_ids [batch, time] (a loss at every "
                     "position), not a classifier's label [batch]");
  const ModelConfig config = InferModelConfig(weights, cell);
  RnnModel<double> model(config, 0);  // seed irrelevant: every weight is overwritten
  LoadModelParams(weights, config, model.params);
  const TokenBatch batch = LoadTokenBatch(batch_file, config.vocab, /*require_targets=*/true, config.Classes());
  const int T = batch.T, B = batch.B;
  const std::size_t per = static_cast<std::size_t>(T) * static_cast<std::size_t>(T);
  const bool has_c = HasCellState(config.cell);
  std::vector<double> g(per * static_cast<std::size_t>(B)), g_c(has_c ? g.size() : 0), s(g.size());
  auto put = [T](const MatD& m, std::vector<double>& to, std::size_t base) {
    for (int t = 0; t < T; ++t)
      for (int u = 0; u < T; ++u) to[base + static_cast<std::size_t>(t * T + u)] = m(t, u);
  };
  for (int b = 0; b < B; ++b) {
    const GradientContributions gc = ComputeGradientContributions(model, SequenceOf(batch, b));
    const std::size_t base = per * static_cast<std::size_t>(b);
    put(gc.g, g, base);
    if (has_c) put(gc.g_c, g_c, base);
    put(gc.saliency, s, base);
  }
  PutTensor(out, "grad_contributions", {B, T, T}, g, dtype);
  if (has_c) PutTensor(out, "grad_contributions_c", {B, T, T}, g_c, dtype);
  PutTensor(out, "input_saliency", {B, T, T}, s, dtype);
  out.metadata["input_saliency_of"] = config.embed > 0 ? "embedding" : "one_hot";
}

}  // namespace rnnscope
