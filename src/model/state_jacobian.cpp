#include "model/state_jacobian.h"

#include <Eigen/SVD>
#include <algorithm>
#include <string>

#include "core/error.h"
#include "model/rnn_model.h"

namespace rnnscope {

StateMap::StateMap(const ModelConfig& config, const ModelParams<double>& params, const std::string& what)
    : config_(config), params_(params) {
  if (config.bidirectional)
    throw InputError(what + ": the state map needs a one-directional model (a bidirectional layer's reverse "
                     "direction reads the future, so there is no s_t = F(s_{t-1}, x_t))");
  if (static_cast<int>(params.rnn.size()) != config.layers)
    throw ShapeError(what + ": " + std::to_string(params.rnn.size()) + " recurrent layers in the weights, expected " +
                     std::to_string(config.layers));
  scratch_grads_.Allocate(config);
}

void StateMap::CheckToken(int32_t token) const {
  if (token < 0 || token >= config_.vocab)
    throw ShapeError("token id " + std::to_string(token) + " outside the vocabulary [0, " +
                     std::to_string(config_.vocab) + ")");
}

void StateMap::LayerStep(int l, const MatD* dense, const std::vector<int32_t>& tokens,
                         const Eigen::Ref<const MatD>& state, LayerCache<double>& cache) const {
  const Eigen::Index H = config_.hidden;
  const int B = static_cast<int>(state.cols());
  const MatD h0 = state.topRows(H);  // (H, B)
  const bool lstm = HasCellState(config_.cell);
  const MatD c0 = lstm ? MatD(state.bottomRows(H)) : MatD();  // (H, B)
  LayerInput<double> in;
  if (dense) in.dense = dense;
  else in.tokens = tokens;
  LayerForward<double>(config_.cell, params_.rnn[static_cast<std::size_t>(l)], in, 1, B, false, &h0,
                       lstm ? &c0 : nullptr, cache);
}

void StateMap::Step(const MatD& states, int32_t token, MatD& next) const {
  CheckToken(token);
  const Eigen::Index n = StateSize(), m = LayerStateSize(), H = config_.hidden, N = states.cols();
  if (states.rows() != n)
    throw ShapeError("state of " + std::to_string(states.rows()) + " values, expected " + std::to_string(n) +
                     " (layers × " + std::to_string(m) + ")");
  next.resize(n, N);
  const std::vector<int32_t> tokens(static_cast<std::size_t>(N), token);
  MatD input;  // (X, N) the current layer's input; layer 0 one-hot reads `tokens` instead
  if (config_.embed > 0) input = params_.embedding.row(token).transpose().replicate(1, N);
  LayerCache<double> cache;
  for (int l = 0; l < config_.layers; ++l) {
    const bool one_hot = l == 0 && config_.embed == 0;
    LayerStep(l, one_hot ? nullptr : &input, tokens, states.middleRows(l * m, m), cache);
    next.middleRows(l * m, H) = cache.Outputs();                                // h_t (H, N)
    if (m > H) next.middleRows(l * m + H, H) = cache.c.middleCols(N, N);          // c_t (H, N)
    input = cache.Outputs();
  }
}

MatD StateMap::Jacobian(const Eigen::VectorXd& state, int32_t token, Eigen::VectorXd* next) const {
  CheckToken(token);
  const Eigen::Index n = StateSize(), m = LayerStateSize(), H = config_.hidden;
  if (state.size() != n)
    throw ShapeError("state of " + std::to_string(state.size()) + " values, expected " + std::to_string(n));
  const bool lstm = m > H;
  // m copies of the same state, one batch column per seed e_k: column k of the backward's
  // ∂L/∂h_{t-1} (∂L/∂c_{t-1}, ∂L/∂x) is row k of the layer's Jacobian.
  const std::vector<int32_t> tokens(static_cast<std::size_t>(m), token);
  MatD seed_h = MatD::Zero(H, m), seed_c;  // (H, m): [I 0] and [0 I]
  seed_h.leftCols(H).setIdentity();
  if (lstm) {
    seed_c = MatD::Zero(H, m);
    seed_c.rightCols(H).setIdentity();
  }
  MatD J = MatD::Zero(n, n);
  if (next) next->resize(n);
  MatD input;  // (X, m)
  if (config_.embed > 0) input = params_.embedding.row(token).transpose().replicate(1, m);
  LayerCache<double> cache;
  MatD dh0, dc0, dx;  // (H, m), (H, m), (X, m)
  for (int l = 0; l < config_.layers; ++l) {
    const bool one_hot = l == 0 && config_.embed == 0;
    const MatD replicated = state.segment(l * m, m).replicate(1, m);  // (m, m)
    LayerStep(l, one_hot ? nullptr : &input, tokens, replicated, cache);
    LayerInput<double> in;
    if (one_hot) in.tokens = tokens;
    else in.dense = &input;
    const std::size_t k = static_cast<std::size_t>(l);
    LayerBackward<double>(config_.cell, params_.rnn[k], scratch_grads_.rnn[k], in, nullptr, &seed_h,
                          lstm ? &seed_c : nullptr, cache, l > 0 ? &dx : nullptr, &dh0, &dc0);
    // A_l (m, m) = [∂L/∂h_{t-1}; ∂L/∂c_{t-1}]ᵀ over the seeds.
    J.block(l * m, l * m, m, H) = dh0.transpose();
    if (lstm) J.block(l * m, l * m + H, m, H) = dc0.transpose();
    if (l > 0) {
      // Through the input: X_l (m, H) = dxᵀ times the h rows of the layer below's Jacobian.
      const MatD below = J.block((l - 1) * m, 0, H, l * m);  // (H, l·m)
      J.block(l * m, 0, m, l * m) = dx.transpose() * below;
    }
    const MatD h_new = cache.Outputs().col(0);  // (H, 1)
    if (next) {
      next->segment(l * m, H) = h_new;
      if (lstm) next->segment(l * m + H, H) = cache.c.col(m);  // block 1, column 0: c_t
    }
    input = h_new.replicate(1, m);
  }
  return J;
}

Eigen::VectorXd StateBefore(const std::vector<LayerCache<double>>& layers, int t, int b) {
  const Eigen::Index H = layers.front().h.rows();
  const bool lstm = layers.front().c.size() > 0;
  const Eigen::Index m = lstm ? 2 * H : H;
  Eigen::VectorXd s(static_cast<Eigen::Index>(layers.size()) * m);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const LayerCache<double>& k = layers[l];
    const Eigen::Index col = k.PrevCol(t) + b, row = static_cast<Eigen::Index>(l) * m;
    s.segment(row, H) = k.h.col(col);
    if (lstm) s.segment(row + H, H) = k.c.col(col);
  }
  return s;
}

MatD Trajectory(const StateMap& map, const std::vector<int32_t>& tokens) {
  const Eigen::Index n = map.StateSize();
  MatD states(n, static_cast<Eigen::Index>(tokens.size()));
  MatD s = MatD::Zero(n, 1), next;
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    map.Step(s, tokens[t], next);
    states.col(static_cast<Eigen::Index>(t)) = next;
    s.swap(next);
  }
  return states;
}

MatD StatesAlong(const StateMap& map, const std::vector<std::vector<int32_t>>& sequences, int max_states) {
  std::vector<MatD> runs;
  Eigen::Index total = 0;
  for (const std::vector<int32_t>& seq : sequences) {
    runs.push_back(Trajectory(map, seq));
    total += runs.back().cols();
  }
  const Eigen::Index want = std::min<Eigen::Index>(total, std::max(0, max_states));
  MatD out(map.StateSize(), want);
  // State k of `want` is overall state floor(k·total/want): evenly spaced, first included.
  Eigen::Index k = 0, seen = 0;
  for (const MatD& run : runs) {
    for (; k < want; ++k) {
      const Eigen::Index at = k * total / want - seen;
      if (at >= run.cols()) break;
      out.col(k) = run.col(at);
    }
    seen += run.cols();
  }
  return out;
}

MatD JacobianNorms(const StateMap& map, const std::vector<LayerCache<double>>& layers,
                   const std::vector<int32_t>& tokens, int T, int B) {
  MatD norms(B, T);
  for (int t = 0; t < T; ++t)
    for (int b = 0; b < B; ++b) {
      const MatD J = map.Jacobian(StateBefore(layers, t, b), tokens[static_cast<std::size_t>(t * B + b)]);
      // Values only; the divide-and-conquer SVD is the fast one for n in the hundreds.
      norms(b, t) = Eigen::BDCSVD<MatD>(J).singularValues()(0);
    }
  return norms;
}

void PutJacobianNorms(const TensorFile& weights, const TensorFile& batch_file, CellKind cell, FloatDtype dtype,
                      TensorFile& out) {
  const ModelConfig config = InferModelConfig(weights, cell);
  RnnModel<double> model(config, 0);  // seed irrelevant: every weight is overwritten
  LoadModelParams(weights, config, model.params);
  const StateMap map(config, model.params, weights.source);  // refuses a bidirectional model first
  const TokenBatch batch = LoadTokenBatch(batch_file, config.vocab, /*require_targets=*/false, config.Classes());
  ForwardPass<double> pass;
  model.Forward(batch, nullptr, pass);
  const MatD norms = JacobianNorms(map, pass.layers, batch.input, batch.T, batch.B);  // (B, T)
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(batch.B) * static_cast<std::size_t>(batch.T));
  for (int b = 0; b < batch.B; ++b)
    for (int t = 0; t < batch.T; ++t) values.push_back(norms(b, t));
  PutTensor(out, "jacobian_norms", {batch.B, batch.T}, values, dtype);
}

}  // namespace rnnscope
