// The char-level model: embedding (or one-hot) → stacked, optionally bidirectional recurrent
// layers → fc applied at every timestep → softmax cross-entropy. Forward keeps every per-timestep
// cache in a ForwardPass owned by the caller; backward reads them and accumulates gradients.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/dropout.h"
#include "model/model_config.h"
#include "model/params.h"
#include "model/recurrent_layer.h"
#include "model/token_batch.h"

namespace rnnscope {

// Recurrent state per layer and direction (index layer * D + direction), each (H, B).
template <class S>
struct RecurrentState {
  std::vector<Mat<S>> h;
  std::vector<Mat<S>> c;  // LSTM only
};

template <class S>
struct ForwardPass {
  int T = 0, B = 0;
  Mat<S> embedded;                    // (E, T*B) embedding rows of the input tokens
  std::vector<LayerCache<S>> layers;  // index layer * D + direction
  std::vector<Mat<S>> outputs;        // per layer: (D*H, T*B), directions concatenated; empty
                                      // for a one-directional top layer (see TopOutput)
  Mat<S> logits;                      // (V, T*B)
  Mat<S> probs;                       // (V, T*B) softmax(logits)
  S loss = 0;                         // mean cross-entropy over counted positions
  int counted = 0;                    // positions with target >= 0
  // Training only: the masks this pass applied (owned by the caller, read again by Backward);
  // null = no dropout. dropped_top = TopOutput() ⊙ output mask, what fc read.
  const DropoutMasks<S>* dropout = nullptr;
  Mat<S> dropped_top;                 // (D*H, T*B) when the output mask is set
  // Backward workspace.
  Mat<S> d_logits;                    // (V, T*B)
  Mat<S> d_out;                       // (D*H, T*B) ∂L/∂ current layer's output
  Mat<S> d_in;                        // (X, T*B)   ∂L/∂ current layer's input
  std::vector<Mat<S>> d_dir;          // per direction: (H, T*B) slice of d_out
  std::vector<Mat<S>> d_x_dir;        // per direction: (X, T*B) input gradient

  // The top layer's output (D*H, T*B), what fc reads. One direction: the layer's own h columns,
  // not copied (copying them was 1.5% of an RNN H=256 training step); two: outputs.back().
  Eigen::Ref<const Mat<S>> TopOutput() const {
    if (outputs.back().size() > 0) return outputs.back();
    return layers.back().Outputs();
  }
  // What fc read: the top output, after the output dropout mask when there is one.
  Eigen::Ref<const Mat<S>> FcInput() const {
    if (dropout && dropout->output.size() > 0) return dropped_top;
    return TopOutput();
  }
};

template <class S>
class RnnModel {
 public:
  RnnModel() = default;
  RnnModel(const ModelConfig& config, uint64_t seed);

  const ModelConfig& config() const { return config_; }
  ModelParams<S> params;  // the weights, PyTorch names and layout
  ModelParams<S> grads;   // same structure; Backward accumulates (+=)

  // Mean cross-entropy of batch.target given batch.input; init = null for a zero state.
  // `dropout` (training only; model/dropout.h): masks drawn for this batch's T × B, which must
  // outlive Backward; null = none (evaluation).
  S Forward(const TokenBatch& batch, const RecurrentState<S>* init, ForwardPass<S>& pass,
            const DropoutMasks<S>* dropout = nullptr) const;
  // Gradients of pass.loss (w.r.t. every parameter) accumulated into `grads`. Truncated BPTT:
  // nothing flows into the initial state. Optionally also ∂L/∂ embedding output (for gradient
  // checks of the input): d_embedded (E, T*B).
  void Backward(const TokenBatch& batch, ForwardPass<S>& pass, Mat<S>* d_embedded = nullptr);
  // Final states as PyTorch's h_n / c_n (the reverse direction ends at t = 0).
  void FinalState(const ForwardPass<S>& pass, RecurrentState<S>& out) const;
  // Gradient of the loss w.r.t. the logits only (no backward through the net); used by tests.
  static void SoftmaxCrossEntropy(const Mat<S>& logits, const std::vector<int32_t>& targets,
                                  Mat<S>& probs, S& loss, int& counted);

 private:
  ModelConfig config_;
};

extern template class RnnModel<float>;
extern template class RnnModel<double>;

}  // namespace rnnscope
