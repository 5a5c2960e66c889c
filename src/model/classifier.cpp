#include "model/classifier.h"

#include <string>

#include "core/error.h"
#include "model/gemm.h"
#include "model/softmax_loss.h"

namespace rnnscope {

template <class S>
ClassifierModel<S>::ClassifierModel(const StructureConfig& config, uint64_t seed) : config_(config) {
  if (config_.kind != StructureKind::kClassifier) throw ConfigError("ClassifierModel needs a classifier config");
  config_.Validate();
  InitStructureParams(config_, seed, params);
  AllocateStructureParams(config_, grads);
}

template <class S>
S ClassifierModel<S>::Forward(const SequenceBatch& batch, ClassifierPass<S>& pass, const DropoutMasks<S>* dropout) const {
  const int K = config_.classes, B = batch.B, H = config_.rnn.hidden, D = config_.rnn.Directions();
  EncodeSequences(config_.rnn, params, batch, pass.encoder, dropout);
  if (!batch.labels.empty() && batch.labels.size() != static_cast<std::size_t>(B))
    throw ShapeError("classification batch: " + std::to_string(batch.labels.size()) + " labels for " +
                     std::to_string(B) + " sequences");
  pass.targets.assign(static_cast<std::size_t>(B), -1);
  for (std::size_t b = 0; b < batch.labels.size(); ++b) {
    if (batch.labels[b] < -1 || batch.labels[b] >= K)
      throw ShapeError("class id " + std::to_string(batch.labels[b]) + " outside [0, " + std::to_string(K) + ")");
    pass.targets[b] = batch.labels[b];
  }
  const Mat<S>& top = pass.encoder.Top();  // (D*H, T*B)
  pass.readout.setZero(D * H, B);
  for (int b = 0; b < B; ++b) {
    const int len = batch.lengths[static_cast<std::size_t>(b)];
    if (config_.readout == Readout::kLast) {
      pass.readout.col(b).topRows(H) = top.col(pass.encoder.LastCol(batch, b)).topRows(H);
      if (D == 2) pass.readout.col(b).bottomRows(H) = top.col(b).bottomRows(H);  // reverse ends at t = 0
    } else {
      for (int t = 0; t < len; ++t) pass.readout.col(b) += top.col(static_cast<Eigen::Index>(t) * B + b);
      pass.readout.col(b) /= static_cast<S>(len);
    }
  }
  pass.logits.resize(K, B);
  Gemm<S>(pass.logits, params.fc_w, false, pass.readout, false, S(1), S(0));  // (K, B) = (K, D*H)(D*H, B)
  pass.logits.colwise() += params.fc_b.col(0);
  pass.loss = MaskedSoftmaxCrossEntropy(pass.logits, pass.targets, pass.probs, pass.counted);
  pass.predicted.resize(static_cast<std::size_t>(B));
  for (int b = 0; b < B; ++b) {
    Eigen::Index arg = 0;
    pass.logits.col(b).maxCoeff(&arg);
    pass.predicted[static_cast<std::size_t>(b)] = static_cast<int32_t>(arg);
  }
  return pass.loss;
}

template <class S>
void ClassifierModel<S>::Backward(const SequenceBatch& batch, ClassifierPass<S>& pass) {
  const int B = batch.B, H = config_.rnn.hidden, D = config_.rnn.Directions();
  MaskedSoftmaxCrossEntropyGrad(pass.probs, pass.targets, pass.counted, pass.d_logits);
  Gemm<S>(grads.fc_w, pass.d_logits, false, pass.readout, true, S(1), S(1));  // (K, D*H) += (K, B)(B, D*H)
  grads.fc_b += pass.d_logits.rowwise().sum();
  pass.d_readout.resize(D * H, B);
  Gemm<S>(pass.d_readout, params.fc_w, true, pass.d_logits, false, S(1), S(0));  // (D*H, B)
  const Mat<S>& top = pass.encoder.Top();
  pass.d_top.setZero(top.rows(), top.cols());
  for (int b = 0; b < B; ++b) {
    const int len = batch.lengths[static_cast<std::size_t>(b)];
    if (config_.readout == Readout::kLast) {
      pass.d_top.col(pass.encoder.LastCol(batch, b)).topRows(H) += pass.d_readout.col(b).topRows(H);
      if (D == 2) pass.d_top.col(b).bottomRows(H) += pass.d_readout.col(b).bottomRows(H);
    } else {
      // r = mean of h_t  ⇒  ∂L/∂h_t = ∂L/∂r / n for every real t
      const S inv = S(1) / static_cast<S>(len);
      for (int t = 0; t < len; ++t) pass.d_top.col(static_cast<Eigen::Index>(t) * B + b) += inv * pass.d_readout.col(b);
    }
  }
  EncodeSequencesBackward(config_.rnn, params, grads, batch, pass.d_top, pass.encoder);
}

template class ClassifierModel<float>;
template class ClassifierModel<double>;

}  // namespace rnnscope
