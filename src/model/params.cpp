#include "model/params.h"

#include <cmath>
#include <random>

namespace rnnscope {

std::string LayerParamName(const char* stem, int layer, int direction) {
  std::string name = std::string("rnn.") + stem + "_l" + std::to_string(layer);
  if (direction == 1) name += "_reverse";
  return name;
}

template <class S>
void ModelParams<S>::Allocate(const ModelConfig& c) {
  const int H = c.hidden, G = c.Gates(), D = c.Directions();
  directions = D;
  if (c.embed > 0) embedding.setZero(c.vocab, c.embed);
  else embedding.resize(0, 0);
  rnn.assign(static_cast<std::size_t>(c.layers * D), {});
  for (int l = 0; l < c.layers; ++l) {
    for (int d = 0; d < D; ++d) {
      LayerParams<S>& p = rnn[static_cast<std::size_t>(l * D + d)];
      p.w_ih.setZero(G * H, c.InputSize(l));
      p.w_hh.setZero(G * H, H);
      p.b_ih.setZero(G * H, 1);
      p.b_hh.setZero(G * H, 1);
      if (c.peephole) p.w_peep.setZero(H, 3);
      if (c.cell == CellKind::kJordan) {
        p.w_hy.setZero(H, H);
        p.b_hy.setZero(H, 1);
      }
    }
  }
  fc_w.setZero(c.Classes(), c.OutputSize());
  fc_b.setZero(c.Classes(), 1);
}

template <class S>
void ModelParams<S>::InitRandom(const ModelConfig& c, uint64_t seed) {
  Allocate(c);
  std::mt19937_64 rng(seed);
  auto uniform = [&](Mat<S>& m, double bound) {
    std::uniform_real_distribution<double> u(-bound, bound);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<S>(u(rng));
  };
  if (embedding.size() > 0) {
    std::normal_distribution<double> n(0.0, 1.0);
    for (Eigen::Index i = 0; i < embedding.size(); ++i) embedding.data()[i] = static_cast<S>(n(rng));
  }
  const double k = 1.0 / std::sqrt(static_cast<double>(c.hidden));
  for (LayerParams<S>& p : rnn) {
    uniform(p.w_ih, k);
    uniform(p.w_hh, k);
    uniform(p.b_ih, k);
    uniform(p.b_hh, k);
    if (p.w_peep.size() > 0) uniform(p.w_peep, k);
    if (p.w_hy.size() > 0) {
      uniform(p.w_hy, k);
      uniform(p.b_hy, k);
    }
  }
  const double kf = 1.0 / std::sqrt(static_cast<double>(c.OutputSize()));
  uniform(fc_w, kf);
  uniform(fc_b, kf);
}

template <class S>
void ModelParams<S>::SetZero() {
  ForEachTensor([](Mat<S>& m) { m.setZero(); });
}

template <class S>
void ModelParams<S>::ForEach(
    const std::function<void(const std::string&, const Mat<S>&, bool)>& fn) const {
  const_cast<ModelParams<S>*>(this)->ForEach(
      [&](const std::string& name, Mat<S>& m, bool is_vector) { fn(name, m, is_vector); });
}

template <class S>
void ModelParams<S>::ForEach(const std::function<void(const std::string&, Mat<S>&, bool)>& fn) {
  if (embedding.size() > 0) fn("embedding.weight", embedding, false);
  const std::size_t n = rnn.size();
  for (std::size_t i = 0; i < n; ++i) {
    const int layer = static_cast<int>(i) / directions, dir = static_cast<int>(i) % directions;
    LayerParams<S>& p = rnn[i];
    fn(LayerParamName("weight_ih", layer, dir), p.w_ih, false);
    fn(LayerParamName("weight_hh", layer, dir), p.w_hh, false);
    fn(LayerParamName("bias_ih", layer, dir), p.b_ih, true);
    fn(LayerParamName("bias_hh", layer, dir), p.b_hh, true);
    if (p.w_peep.size() > 0) fn(LayerParamName("weight_peep", layer, dir), p.w_peep, false);
    if (p.w_hy.size() > 0) {
      fn(LayerParamName("weight_hy", layer, dir), p.w_hy, false);
      fn(LayerParamName("bias_hy", layer, dir), p.b_hy, true);
    }
  }
  fn("fc.weight", fc_w, false);
  fn("fc.bias", fc_b, true);
}

template <class S>
std::size_t ModelParams<S>::ParameterCount() const {
  std::size_t count = 0;
  ForEach([&](const std::string&, const Mat<S>& m, bool) { count += static_cast<std::size_t>(m.size()); });
  return count;
}

template struct ModelParams<float>;
template struct ModelParams<double>;

}  // namespace rnnscope
