// Parameters of a ModelConfig, laid out and named exactly as PyTorch's state_dict for a module
// with attributes `embedding` (nn.Embedding), `rnn` (nn.RNN/GRU/LSTM, batch_first) and `fc`
// (nn.Linear). Biases are (n, 1) matrices here and 1-D tensors in files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/model_config.h"

namespace rnnscope {

// One layer in one direction. G = gates (4 LSTM i,f,g,o; 3 GRU r,z,n; 1 RNN), X = input width.
template <class S>
struct LayerParams {
  Mat<S> w_ih;    // (G*H, X)  weight_ih_l{k}[_reverse]
  Mat<S> w_hh;    // (G*H, H)  weight_hh_l{k}[_reverse]; Jordan: acts on y_{t-1}
  Mat<S> b_ih;    // (G*H, 1)  bias_ih_l{k}[_reverse]
  Mat<S> b_hh;    // (G*H, 1)  bias_hh_l{k}[_reverse]
  Mat<S> w_peep;  // (H, 3)    LSTM peephole only, columns i, f, o: weight_peep_l{k}[_reverse]
  Mat<S> w_hy;    // (H, H)    Jordan only, y_t = tanh(w_hy h_t + b_hy): weight_hy_l{k}
  Mat<S> b_hy;    // (H, 1)    Jordan only: bias_hy_l{k}
};

template <class S>
struct ModelParams {
  Mat<S> embedding;                  // (V, E) embedding.weight; empty when the input is one-hot
  std::vector<LayerParams<S>> rnn;   // index layer * D + direction
  Mat<S> fc_w;                       // (V, D*H) fc.weight
  Mat<S> fc_b;                       // (V, 1)   fc.bias
  int directions = 1;                // D, set by Allocate

  // Allocates every tensor at its shape, zero-filled.
  void Allocate(const ModelConfig& config);
  // PyTorch's default init: U(-1/sqrt(H), 1/sqrt(H)) for rnn and fc (fc uses 1/sqrt(D*H)),
  // N(0, 1) for the embedding. Deterministic for a seed.
  void InitRandom(const ModelConfig& config, uint64_t seed);
  void SetZero();

  // Visits every tensor in state_dict order with its PyTorch name and whether it is 1-D.
  void ForEach(const std::function<void(const std::string& name, Mat<S>& tensor, bool is_vector)>& fn);
  void ForEach(const std::function<void(const std::string& name, const Mat<S>& tensor, bool is_vector)>& fn) const;
  // The same tensors in the same order, without names: no std::function, no strings, so the
  // per-step users (zeroing, clipping, norms) do not allocate.
  template <class F>
  void ForEachTensor(F&& fn) {
    if (embedding.size() > 0) fn(embedding);
    for (LayerParams<S>& p : rnn) {
      fn(p.w_ih);
      fn(p.w_hh);
      fn(p.b_ih);
      fn(p.b_hh);
      if (p.w_peep.size() > 0) fn(p.w_peep);
      if (p.w_hy.size() > 0) {
        fn(p.w_hy);
        fn(p.b_hy);
      }
    }
    fn(fc_w);
    fn(fc_b);
  }
  template <class F>
  void ForEachTensor(F&& fn) const {
    const_cast<ModelParams<S>*>(this)->ForEachTensor([&](const Mat<S>& m) { fn(m); });
  }
  std::size_t ParameterCount() const;
};

// A copy of every tensor in another scalar type (the double analyses of a float model:
// model/state_jacobian.h, model/gradient_contributions.h).
template <class To, class From>
ModelParams<To> CastParams(const ModelParams<From>& from) {
  ModelParams<To> to;
  to.directions = from.directions;
  to.embedding = from.embedding.template cast<To>();
  to.fc_w = from.fc_w.template cast<To>();
  to.fc_b = from.fc_b.template cast<To>();
  to.rnn.resize(from.rnn.size());
  for (std::size_t i = 0; i < from.rnn.size(); ++i) {
    const LayerParams<From>& f = from.rnn[i];
    LayerParams<To>& t = to.rnn[i];
    t.w_ih = f.w_ih.template cast<To>();
    t.w_hh = f.w_hh.template cast<To>();
    t.b_ih = f.b_ih.template cast<To>();
    t.b_hh = f.b_hh.template cast<To>();
    t.w_peep = f.w_peep.template cast<To>();
    t.w_hy = f.w_hy.template cast<To>();
    t.b_hy = f.b_hy.template cast<To>();
  }
  return to;
}

// "rnn.weight_ih_l0", "rnn.weight_hh_l1_reverse", ...
std::string LayerParamName(const char* stem, int layer, int direction);

extern template struct ModelParams<float>;
extern template struct ModelParams<double>;

}  // namespace rnnscope
