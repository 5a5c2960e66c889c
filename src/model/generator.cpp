#include "model/generator.h"

#include <string>

#include "core/error.h"
#include "model/gemm.h"
#include "model/softmax_loss.h"

namespace rnnscope {

template <class S>
GeneratorModel<S>::GeneratorModel(const StructureConfig& config, uint64_t seed) : config_(config) {
  if (config_.kind != StructureKind::kGenerator) throw ConfigError("GeneratorModel needs a generator config");
  config_.Validate();
  InitStructureParams(config_, seed, params);
  AllocateStructureParams(config_, grads);
}

template <class S>
void GeneratorModel<S>::Input(int t, int B, const std::vector<int32_t>& classes, const std::vector<int32_t>& fed,
                              Mat<S>& x) const {
  const int K = config_.classes;
  const bool feed_class = t == 0 || config_.condition == Condition::kEvery;
  for (int b = 0; b < B; ++b) {
    const Eigen::Index j = static_cast<Eigen::Index>(t) * B + b;
    x.col(j).topRows(K).setZero();
    if (feed_class) x(classes[static_cast<std::size_t>(b)], j) = S(1);
    x.col(j).bottomRows(config_.rnn.embed) = params.embedding.row(fed[static_cast<std::size_t>(j)]).transpose();
  }
}

template <class S>
S GeneratorModel<S>::Forward(const GenerationBatch& batch, GeneratorPass<S>& pass) const {
  const int T = batch.T, B = batch.B, K = config_.classes, V = config_.rnn.vocab;
  const Eigen::Index TB = static_cast<Eigen::Index>(T) * B;
  if (T <= 0 || B <= 0 || batch.classes.size() != static_cast<std::size_t>(B) ||
      batch.target.size() != static_cast<std::size_t>(TB))
    throw ShapeError("generation batch: " + std::to_string(batch.classes.size()) + " classes and " +
                     std::to_string(batch.target.size()) + " targets do not match T=" + std::to_string(T) +
                     " × B=" + std::to_string(B));
  for (int32_t k : batch.classes)
    if (k < 0 || k >= K) throw ShapeError("class id " + std::to_string(k) + " outside [0, " + std::to_string(K) + ")");
  for (int32_t y : batch.target)
    if (y < -1 || y >= V) throw ShapeError("target id " + std::to_string(y) + " outside [0, " + std::to_string(V) + ")");
  pass.T = T;
  pass.B = B;
  // Teacher forcing: step t reads y_{t-1}; <sos> at t = 0; <pad> once the target has ended.
  pass.inputs.assign(static_cast<std::size_t>(TB), kGeneratorPad);
  for (int b = 0; b < B; ++b) pass.inputs[static_cast<std::size_t>(b)] = kGeneratorSos;
  for (Eigen::Index j = 0; j + B < TB; ++j) {
    const int32_t y = batch.target[static_cast<std::size_t>(j)];
    pass.inputs[static_cast<std::size_t>(j + B)] = y >= 0 ? y : kGeneratorPad;
  }
  pass.x.resize(config_.InputSize(), TB);  // (K+E, T*B)
  for (int t = 0; t < T; ++t) Input(t, B, batch.classes, pass.inputs, pass.x);
  const int L = config_.rnn.layers;
  pass.layers.resize(static_cast<std::size_t>(L));
  pass.outputs.resize(static_cast<std::size_t>(L));
  const Mat<S>* input = &pass.x;
  for (int l = 0; l < L; ++l) {
    LayerCache<S>& k = pass.layers[static_cast<std::size_t>(l)];
    LayerForward<S>(config_.rnn.cell, params.rnn[static_cast<std::size_t>(l)], LayerInput<S>{input, {}}, T, B, false,
                    nullptr, nullptr, k);
    pass.outputs[static_cast<std::size_t>(l)] = k.Outputs();  // (H, T*B)
    input = &pass.outputs[static_cast<std::size_t>(l)];
  }
  pass.logits.resize(V, TB);
  Gemm<S>(pass.logits, params.fc_w, false, pass.outputs.back(), false, S(1), S(0));  // (V, TB) = (V, H)(H, TB)
  pass.logits.colwise() += params.fc_b.col(0);
  pass.loss = MaskedSoftmaxCrossEntropy(pass.logits, batch.target, pass.probs, pass.counted);
  return pass.loss;
}

template <class S>
void GeneratorModel<S>::Backward(const GenerationBatch& batch, GeneratorPass<S>& pass) {
  const Eigen::Index TB = static_cast<Eigen::Index>(pass.T) * pass.B;
  MaskedSoftmaxCrossEntropyGrad(pass.probs, batch.target, pass.counted, pass.d_logits);
  Gemm<S>(grads.fc_w, pass.d_logits, false, pass.outputs.back(), true, S(1), S(1));  // (V, H) += (V, TB)(TB, H)
  grads.fc_b += pass.d_logits.rowwise().sum();
  pass.d_out.resize(config_.rnn.hidden, TB);
  Gemm<S>(pass.d_out, params.fc_w, true, pass.d_logits, false, S(1), S(0));  // (H, TB)
  for (int l = config_.rnn.layers - 1; l >= 0; --l) {
    const Mat<S>* input = l == 0 ? &pass.x : &pass.outputs[static_cast<std::size_t>(l - 1)];
    LayerBackward<S>(config_.rnn.cell, params.rnn[static_cast<std::size_t>(l)], grads.rnn[static_cast<std::size_t>(l)],
                     LayerInput<S>{input, {}}, &pass.d_out, nullptr, nullptr, pass.layers[static_cast<std::size_t>(l)],
                     &pass.d_in, nullptr, nullptr);
    pass.d_out.swap(pass.d_in);
  }
  // pass.d_out = ∂L/∂x (K+E, TB): the class rows are inputs, the rest goes to the fed tokens'
  // embedding rows.
  for (Eigen::Index j = 0; j < TB; ++j)
    grads.embedding.row(pass.inputs[static_cast<std::size_t>(j)]) += pass.d_out.col(j).bottomRows(config_.rnn.embed).transpose();
}

template <class S>
void GeneratorModel<S>::Greedy(const std::vector<int32_t>& classes, int max_len,
                               std::vector<std::vector<int32_t>>& out) const {
  const int B = static_cast<int>(classes.size()), L = config_.rnn.layers, H = config_.rnn.hidden;
  out.assign(static_cast<std::size_t>(B), {});
  if (B == 0) return;
  for (int32_t k : classes)
    if (k < 0 || k >= config_.classes)
      throw ShapeError("class id " + std::to_string(k) + " outside [0, " + std::to_string(config_.classes) + ")");
  std::vector<Mat<S>> h(static_cast<std::size_t>(L), Mat<S>::Zero(H, B)), c = h;
  std::vector<int32_t> fed(static_cast<std::size_t>(B), kGeneratorSos);
  std::vector<bool> done(static_cast<std::size_t>(B), false);
  Mat<S> x(config_.InputSize(), B), logits(config_.rnn.vocab, B);
  std::vector<LayerCache<S>> caches(static_cast<std::size_t>(L));
  std::vector<Mat<S>> outs(static_cast<std::size_t>(L));
  const bool has_c = HasCellState(config_.rnn.cell);
  for (int t = 0; t < max_len; ++t) {
    // One step with T = 1 from the carried states; the class is fed as at step t of training.
    Input(0, B, classes, fed, x);
    if (t > 0 && config_.condition == Condition::kFirst) x.topRows(config_.classes).setZero();
    const Mat<S>* input = &x;
    for (int l = 0; l < L; ++l) {
      const auto li = static_cast<std::size_t>(l);
      LayerForward<S>(config_.rnn.cell, params.rnn[li], LayerInput<S>{input, {}}, 1, B, false, &h[li],
                      has_c ? &c[li] : nullptr, caches[li]);
      h[li] = caches[li].h.middleCols(B, B);
      if (has_c) c[li] = caches[li].c.middleCols(B, B);
      outs[li] = h[li];
      input = &outs[li];
    }
    Gemm<S>(logits, params.fc_w, false, *input, false, S(1), S(0));
    logits.colwise() += params.fc_b.col(0);
    bool all_done = true;
    for (int b = 0; b < B; ++b) {
      const auto bi = static_cast<std::size_t>(b);
      Eigen::Index arg = 0;
      logits.col(b).maxCoeff(&arg);
      fed[bi] = static_cast<int32_t>(arg);
      if (!done[bi]) {
        out[bi].push_back(fed[bi]);
        if (fed[bi] == kGeneratorEos) done[bi] = true;
      }
      all_done = all_done && done[bi];
    }
    if (all_done) break;
  }
}

template class GeneratorModel<float>;
template class GeneratorModel<double>;

}  // namespace rnnscope
