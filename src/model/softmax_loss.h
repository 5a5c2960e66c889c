// Mean softmax cross-entropy over the columns whose target is ≥ 0, and its gradient, shared by
// the tagger (one column per token), the classifier (one per sequence) and the generator.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/rnn_model.h"

namespace rnnscope {

// probs (K, N) = softmax of each column of logits (K, N); returns the mean loss over counted
// columns (0 when none).
template <class S>
S MaskedSoftmaxCrossEntropy(const Mat<S>& logits, const std::vector<int32_t>& targets, Mat<S>& probs,
                            int& counted) {
  S loss = 0;
  RnnModel<S>::SoftmaxCrossEntropy(logits, targets, probs, loss, counted);
  return loss;
}

// ∂L/∂logits = (softmax − onehot(target)) / counted; columns with target -1 get zero.
template <class S>
void MaskedSoftmaxCrossEntropyGrad(const Mat<S>& probs, const std::vector<int32_t>& targets, int counted,
                                   Mat<S>& d_logits) {
  const S scale = counted > 0 ? S(1) / static_cast<S>(counted) : S(0);
  d_logits = probs * scale;  // one pass; the target's −1 is then −scale
  for (Eigen::Index j = 0; j < d_logits.cols(); ++j) {
    const int32_t target = targets[static_cast<std::size_t>(j)];
    if (target >= 0) d_logits(target, j) -= scale;
    else d_logits.col(j).setZero();
  }
}

}  // namespace rnnscope
