// Inverted dropout with PyTorch's semantics (Srivastava et al. 2014; torch.nn.Dropout and the
// `dropout` argument of nn.LSTM/GRU/RNN), at the three places PyTorch's word-language-model
// example puts it:
//   embedding  on the embedded input, before the first recurrent layer   (self.drop(encoder(x)))
//   between    on each recurrent layer's output fed to the next layer    (nn.LSTM(dropout=p))
//   output     on the top layer's output, before the output layer        (self.drop(output))
// Kept units are scaled by 1/(1 − p) while training, so nothing changes at evaluation, where
// there is no mask at all (validation, the probe, sampling and every view run without one).
//
// A mask is a matrix of 0 and 1/(1 − p) shaped like the activation it multiplies. It is drawn
// from a seed alone (the training job passes one derived from the run's seed and the step), so
// replaying a step — time travel, resume — draws the same mask bit for bit. A unit is dropped
// when 32 random bits fall below p·2³² (the rate exact to 2⁻³²); kept units get 1/(1 − p).
//
// One-hot input (no embedding) takes no embedding dropout, as there is no embedding to drop.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/model_config.h"

namespace rnnscope {

struct DropoutRates {
  float embedding = 0.0f;
  float between = 0.0f;
  float output = 0.0f;
  // The word-language-model example's single p at all three places.
  static DropoutRates All(float p) { return {p, p, p}; }
  bool Any() const { return embedding > 0.0f || between > 0.0f || output > 0.0f; }
  void Validate() const;  // each in [0, 1); throws ConfigError
};

template <class S>
struct DropoutMasks {
  Mat<S> embedding;             // (E, T*B); empty = none
  std::vector<Mat<S>> between;  // [l] for l ≥ 1: the input of layer l, (D*H, T*B); [0] and empty = none
  Mat<S> output;                // (D*H, T*B) before fc; empty = none

  const Mat<S>* Between(int layer) const {
    const std::size_t l = static_cast<std::size_t>(layer);
    return l < between.size() && between[l].size() > 0 ? &between[l] : nullptr;
  }
};

// Draws the masks of one forward pass of a T × B batch (columns t*B + b) for `config`.
template <class S>
void MakeDropoutMasks(const ModelConfig& config, const DropoutRates& rates, int T, int B, uint64_t seed,
                      DropoutMasks<S>& masks);

// Throws ShapeError unless every mask present is (units, TB) for `config`: a mask drawn for
// another batch would multiply the wrong units (or read past the end).
template <class S>
void CheckDropoutMasks(const DropoutMasks<S>& masks, const ModelConfig& config, Eigen::Index TB);

// The seed of step `step`'s masks in a run seeded with `run_seed` (splitmix-style mixing, so
// neighbouring steps and seeds give unrelated masks).
uint64_t DropoutSeed(uint64_t run_seed, int64_t step);

extern template void MakeDropoutMasks<float>(const ModelConfig&, const DropoutRates&, int, int, uint64_t,
                                             DropoutMasks<float>&);
extern template void MakeDropoutMasks<double>(const ModelConfig&, const DropoutRates&, int, int, uint64_t,
                                              DropoutMasks<double>&);

}  // namespace rnnscope
