#include "model/tagger.h"

#include <string>

#include "core/error.h"
#include "model/gemm.h"
#include "model/softmax_loss.h"

namespace rnnscope {

template <class S>
TaggerModel<S>::TaggerModel(const StructureConfig& config, uint64_t seed) : config_(config) {
  if (config_.kind != StructureKind::kTagger) throw ConfigError("TaggerModel needs a tagger config");
  config_.Validate();
  InitStructureParams(config_, seed, params);
  AllocateStructureParams(config_, grads);
}

template <class S>
S TaggerModel<S>::Forward(const SequenceBatch& batch, TaggerPass<S>& pass, const DropoutMasks<S>* dropout) const {
  const int K = config_.classes, B = batch.B;
  EncodeSequences(config_.rnn, params, batch, pass.encoder, dropout);
  const Eigen::Index TB = static_cast<Eigen::Index>(batch.T) * B;
  if (!batch.labels.empty() && batch.labels.size() != static_cast<std::size_t>(TB))
    throw ShapeError("tagging batch: " + std::to_string(batch.labels.size()) + " labels for " + std::to_string(TB) + " tokens");
  pass.targets.assign(static_cast<std::size_t>(TB), -1);
  for (Eigen::Index j = 0; j < TB; ++j) {
    const int t = static_cast<int>(j / B), b = static_cast<int>(j % B);
    if (batch.labels.empty() || t >= batch.lengths[static_cast<std::size_t>(b)]) continue;
    const int32_t y = batch.labels[static_cast<std::size_t>(j)];
    if (y < -1 || y >= K) throw ShapeError("tag id " + std::to_string(y) + " outside [0, " + std::to_string(K) + ")");
    pass.targets[static_cast<std::size_t>(j)] = y;
  }
  const Mat<S>& top = pass.encoder.Top();  // (D*H, T*B)
  pass.logits.resize(K, TB);
  Gemm<S>(pass.logits, params.fc_w, false, top, false, S(1), S(0));  // (K, T*B) = (K, D*H)(D*H, T*B)
  pass.logits.colwise() += params.fc_b.col(0);
  pass.loss = MaskedSoftmaxCrossEntropy(pass.logits, pass.targets, pass.probs, pass.counted);
  pass.predicted.assign(static_cast<std::size_t>(TB), -1);
  for (Eigen::Index j = 0; j < TB; ++j) {
    if (j / B >= batch.lengths[static_cast<std::size_t>(j % B)]) continue;
    Eigen::Index arg = 0;
    pass.logits.col(j).maxCoeff(&arg);
    pass.predicted[static_cast<std::size_t>(j)] = static_cast<int32_t>(arg);
  }
  return pass.loss;
}

template <class S>
void TaggerModel<S>::Backward(const SequenceBatch& batch, TaggerPass<S>& pass) {
  MaskedSoftmaxCrossEntropyGrad(pass.probs, pass.targets, pass.counted, pass.d_logits);  // zero at padding
  const Mat<S>& top = pass.encoder.Top();
  Gemm<S>(grads.fc_w, pass.d_logits, false, top, true, S(1), S(1));  // (K, D*H) += (K, TB)(TB, D*H)
  grads.fc_b += pass.d_logits.rowwise().sum();
  pass.d_top.resize(top.rows(), top.cols());
  Gemm<S>(pass.d_top, params.fc_w, true, pass.d_logits, false, S(1), S(0));  // (D*H, TB)
  EncodeSequencesBackward(config_.rnn, params, grads, batch, pass.d_top, pass.encoder);
}

template class TaggerModel<float>;
template class TaggerModel<double>;

}  // namespace rnnscope
