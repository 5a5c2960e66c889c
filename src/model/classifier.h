// N→1 sequence classification: read a sequence, predict one class.
//   encoder (model/sequence_encoder.h): embedding → recurrent stack, uni- or bidirectional
//   readout r (D*H, B) of the top layer, per sequence b of length n:
//     last  r = [h_fwd at t = n-1 ; h_rev at t = 0]    (each direction's final state)
//     mean  r = (1/n) Σ_{t<n} h_t                       (both directions concatenated)
//   logits = W_fc r + b_fc, W_fc (K, D*H); loss = mean cross-entropy over the batch
// Backward: last puts ∂L/∂r on two columns; mean spreads ∂L/∂r / n over every real token, which
// gives early tokens a short gradient path (the reason to offer it).
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/params.h"
#include "model/sequence_encoder.h"
#include "model/structure_config.h"

namespace rnnscope {

template <class S>
struct ClassifierPass {
  EncoderPass<S> encoder;
  Mat<S> readout;                  // (D*H, B)
  Mat<S> logits, probs;            // (K, B)
  std::vector<int32_t> targets;    // (B) labels, or -1 when the batch has none
  std::vector<int32_t> predicted;  // (B) argmax
  S loss = 0;
  int counted = 0;
  Mat<S> d_logits;                 // (K, B)
  Mat<S> d_readout;                // (D*H, B)
  Mat<S> d_top;                    // (D*H, T*B)
};

template <class S>
class ClassifierModel {
 public:
  ClassifierModel() = default;
  ClassifierModel(const StructureConfig& config, uint64_t seed);

  const StructureConfig& config() const { return config_; }
  ModelParams<S> params;
  ModelParams<S> grads;  // Backward accumulates (+=)

  // Mean cross-entropy of batch.labels (B); labels may be empty (prediction only, loss 0).
  // `dropout` (training only, model/dropout.h): masks for the encoder's T × B; null = none.
  S Forward(const SequenceBatch& batch, ClassifierPass<S>& pass, const DropoutMasks<S>* dropout = nullptr) const;
  void Backward(const SequenceBatch& batch, ClassifierPass<S>& pass);

 private:
  StructureConfig config_;
};

extern template class ClassifierModel<float>;
extern template class ClassifierModel<double>;

}  // namespace rnnscope
