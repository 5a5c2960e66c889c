// 1→N generation: produce a token sequence from one input vector, a class k of K.
//   x_t   = [m_t · onehot(k) ; emb(y_{t-1})]   (K+E), y_{-1} = <sos>
//           m_t = 1 at t = 0 only (condition first: the class must be carried in the state)
//           or at every t (condition every: the class is re-read at each step)
//   h_t   = recurrent stack (unidirectional), layer 0 reads x_t
//   logits_t = W_fc h_t + b_fc, W_fc (V, H); loss = mean cross-entropy over target tokens
// Training uses teacher forcing (y_{t-1} from the target); Greedy feeds back its own argmax.
// Token ids 0, 1, 2 are <pad>, <sos>, <eos>, as in every task's symbol table.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/params.h"
#include "model/recurrent_layer.h"
#include "model/structure_config.h"

namespace rnnscope {

inline constexpr int32_t kGeneratorPad = 0, kGeneratorSos = 1, kGeneratorEos = 2;

// Time-major: index t*B + b.
struct GenerationBatch {
  int T = 0, B = 0;
  std::vector<int32_t> classes;  // (B) in [0, K)
  std::vector<int32_t> target;   // (T*B) y_0..y_{n-1} <eos>, then -1
};

template <class S>
struct GeneratorPass {
  int T = 0, B = 0;
  std::vector<int32_t> inputs;       // (T*B) y_{t-1} fed at step t (<pad> after a target ends)
  Mat<S> x;                          // (K+E, T*B) layer 0 input
  std::vector<LayerCache<S>> layers; // per layer
  std::vector<Mat<S>> outputs;       // per layer: (H, T*B)
  Mat<S> logits, probs;              // (V, T*B)
  S loss = 0;
  int counted = 0;
  Mat<S> d_logits, d_out, d_in;      // (V, T*B), (H, T*B), (X, T*B)
};

template <class S>
class GeneratorModel {
 public:
  GeneratorModel() = default;
  GeneratorModel(const StructureConfig& config, uint64_t seed);

  const StructureConfig& config() const { return config_; }
  ModelParams<S> params;
  ModelParams<S> grads;  // Backward accumulates (+=)

  // Teacher-forced mean cross-entropy of batch.target.
  S Forward(const GenerationBatch& batch, GeneratorPass<S>& pass) const;
  void Backward(const GenerationBatch& batch, GeneratorPass<S>& pass);
  // Greedy decoding for each class, up to max_len tokens; out[b] ends with <eos> if produced.
  void Greedy(const std::vector<int32_t>& classes, int max_len, std::vector<std::vector<int32_t>>& out) const;

 private:
  // Fills x's columns [t*B, (t+1)*B) for step t from the classes and the fed tokens.
  void Input(int t, int B, const std::vector<int32_t>& classes, const std::vector<int32_t>& fed,
             Mat<S>& x) const;
  StructureConfig config_;
};

extern template class GeneratorModel<float>;
extern template class GeneratorModel<double>;

}  // namespace rnnscope
