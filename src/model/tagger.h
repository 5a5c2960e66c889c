// N→N tagging: one label per input token (slot filling, CoNLL-style files).
//   encoder (model/sequence_encoder.h): embedding → recurrent stack, uni- or bidirectional
//   logits_t = W_fc h_t + b_fc at every real token, W_fc (K, D*H)
//   loss = mean cross-entropy over real tokens (padding has label -1 and no gradient)
// With a unidirectional encoder a token's tag can only use the words before it; the slot task
// is built so that some tags need the words after it (bidirectional wins there).
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/params.h"
#include "model/sequence_encoder.h"
#include "model/structure_config.h"

namespace rnnscope {

template <class S>
struct TaggerPass {
  EncoderPass<S> encoder;
  std::vector<int32_t> targets;  // (T*B) labels with every padding position forced to -1
  Mat<S> logits, probs;          // (K, T*B)
  std::vector<int32_t> predicted;  // (T*B) argmax per token (-1 at padding)
  S loss = 0;
  int counted = 0;
  Mat<S> d_logits;               // (K, T*B)
  Mat<S> d_top;                  // (D*H, T*B)
};

template <class S>
class TaggerModel {
 public:
  TaggerModel() = default;
  TaggerModel(const StructureConfig& config, uint64_t seed);

  const StructureConfig& config() const { return config_; }
  ModelParams<S> params;
  ModelParams<S> grads;  // Backward accumulates (+=)

  // Mean cross-entropy of batch.labels (T*B); labels may be empty (prediction only, loss 0).
  // `dropout` (training only, model/dropout.h): masks for the encoder's T × B; null = none.
  S Forward(const SequenceBatch& batch, TaggerPass<S>& pass, const DropoutMasks<S>* dropout = nullptr) const;
  void Backward(const SequenceBatch& batch, TaggerPass<S>& pass);

 private:
  StructureConfig config_;
};

extern template class TaggerModel<float>;
extern template class TaggerModel<double>;

}  // namespace rnnscope
