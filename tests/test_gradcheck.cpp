// Finite-difference gradient checks in double for every parameter and the input of every cell,
// stack and direction, and the loss. Central differences, eps = 1e-6; they assert.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "model/cell.h"
#include "model/recurrent_layer.h"
#include "model/rnn_model.h"

#include "token_batch_test_util.h"

namespace rnnscope {
namespace {

TokenBatch RandomBatch(int T, int B, int vocab, uint64_t seed, bool with_ignored) {
  return test::RandomTokenBatch(T, B, vocab, seed, with_ignored ? 5 : 0, 3);
}

RecurrentState<double> RandomState(const ModelConfig& c, int B, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n(0, 0.5);
  RecurrentState<double> state;
  for (int k = 0; k < c.layers * c.Directions(); ++k) {
    MatD h(c.hidden, B), cs(c.hidden, B);
    for (Eigen::Index i = 0; i < h.size(); ++i) h.data()[i] = n(rng), cs.data()[i] = n(rng);
    state.h.push_back(h);
    if (HasCellState(c.cell)) state.c.push_back(cs);
  }
  return state;
}

struct Case {
  std::string name;
  ModelConfig config;
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (CellKind cell : {CellKind::kLstm, CellKind::kGru, CellKind::kRnnTanh, CellKind::kRnnRelu,
                        CellKind::kJordan}) {
    for (int embed : {0, 3}) {
      for (int layers : {1, 2}) {
        for (bool bidir : {false, true}) {
          if (bidir && cell == CellKind::kJordan) continue;
          ModelConfig c;
          c.cell = cell;
          c.vocab = 5;
          c.embed = embed;
          c.hidden = 4;
          c.layers = layers;
          c.bidirectional = bidir;
          cases.push_back({std::string(CellName(cell)) + (embed ? "_embed" : "_onehot") + "_L" +
                               std::to_string(layers) + (bidir ? "_bi" : ""),
                           c});
        }
      }
    }
  }
  ModelConfig peep;
  peep.cell = CellKind::kLstm;
  peep.vocab = 5;
  peep.embed = 3;
  peep.hidden = 4;
  peep.layers = 2;
  peep.bidirectional = true;
  peep.peephole = true;
  cases.push_back({"lstm_peephole_L2_bi", peep});
  return cases;
}

class GradCheck : public ::testing::TestWithParam<Case> {};

// Checks every parameter element, and ∂L/∂embedded, against central differences.
TEST_P(GradCheck, EveryParameterAndInputMatchesFiniteDifferences) {
  const ModelConfig& config = GetParam().config;
  RnnModel<double> model(config, 7);
  // Shift relu pre-activations away from the kink so the finite difference is well defined.
  const TokenBatch batch = RandomBatch(/*T=*/4, /*B=*/2, config.vocab, 11, /*with_ignored=*/true);
  const RecurrentState<double> init = RandomState(config, 2, 13);
  ForwardPass<double> pass;
  model.Forward(batch, &init, pass);
  model.grads.SetZero();
  MatD d_embedded;
  model.Backward(batch, pass, &d_embedded);

  const double eps = 1e-6;
  int checked = 0;
  auto loss_now = [&] {
    ForwardPass<double> p;
    return model.Forward(batch, &init, p);
  };
  std::vector<std::pair<std::string, MatD*>> grads;
  model.grads.ForEach([&](const std::string& name, MatD& g, bool) { grads.push_back({name, &g}); });
  std::size_t index = 0;
  model.params.ForEach([&](const std::string& name, MatD& w, bool) {
    const MatD& g = *grads[index++].second;
    ASSERT_EQ(g.rows(), w.rows()) << name;
    for (Eigen::Index i = 0; i < w.size(); ++i) {
      const double saved = w.data()[i];
      w.data()[i] = saved + eps;
      const double plus = loss_now();
      w.data()[i] = saved - eps;
      const double minus = loss_now();
      w.data()[i] = saved;
      const double numeric = (plus - minus) / (2 * eps);
      const double analytic = g.data()[i];
      EXPECT_NEAR(analytic, numeric, 1e-7 + 1e-5 * std::abs(numeric))
          << name << "[" << i << "] in " << GetParam().name;
      ++checked;
    }
  });
  EXPECT_EQ(static_cast<std::size_t>(checked), model.params.ParameterCount());

  if (config.embed > 0) {
    // ∂L/∂embedded per position (the stack's input; checked against finite differences at the
    // layer level below) must scatter-add to exactly the embedding gradient checked above.
    MatD scattered = MatD::Zero(config.vocab, config.embed);
    for (Eigen::Index j = 0; j < d_embedded.cols(); ++j)
      scattered.row(batch.input[static_cast<std::size_t>(j)]) += d_embedded.col(j).transpose();
    EXPECT_LT((scattered - model.grads.embedding).cwiseAbs().maxCoeff(), 1e-12);
  }
}

INSTANTIATE_TEST_SUITE_P(AllCells, GradCheck, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

// Layer level: gradients w.r.t. the dense input x, the initial state h0 (and c0), and with an
// incoming gradient on the final state, for each cell and both directions.
class LayerGradCheck : public ::testing::TestWithParam<std::tuple<CellKind, bool>> {};

TEST_P(LayerGradCheck, InputInitialStateAndFinalStateGradients) {
  // Not a structured binding: clang 14 cannot capture one in the lambda below.
  const CellKind cell = std::get<0>(GetParam());
  const bool reverse = std::get<1>(GetParam());
  ModelConfig c;
  c.cell = cell;
  c.vocab = 3;
  c.embed = 3;
  c.hidden = 4;
  c.peephole = cell == CellKind::kLstm;
  ModelParams<double> params;
  params.InitRandom(c, 5);
  ModelParams<double> grads;
  grads.Allocate(c);
  const int T = 5, B = 2, X = 3, H = 4;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> n(0, 0.7);
  auto random = [&](int r, int k) {
    MatD m(r, k);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = n(rng);
    return m;
  };
  MatD x = random(X, T * B), h0 = random(H, B), c0 = random(H, B);
  const MatD w_out = random(H, T * B), w_hn = random(H, B), w_cn = random(H, B);
  const bool has_c = HasCellState(cell);
  // L = Σ w_out ⊙ h_t + Σ w_hn ⊙ h_final + Σ w_cn ⊙ c_final: exercises dy, dh_final, dc_final.
  auto loss = [&](const MatD& xx, const MatD& hh0, const MatD& cc0) {
    LayerCache<double> k;
    LayerInput<double> in{&xx, {}};
    LayerForward(cell, params.rnn[0], in, T, B, reverse, &hh0, has_c ? &cc0 : nullptr, k);
    double l = (w_out.array() * k.Outputs().array()).sum();
    l += (w_hn.array() * k.h.middleCols(k.FinalCol(), B).array()).sum();
    if (has_c) l += (w_cn.array() * k.c.middleCols(k.FinalCol(), B).array()).sum();
    return l;
  };
  LayerCache<double> k;
  LayerInput<double> in{&x, {}};
  LayerForward(cell, params.rnn[0], in, T, B, reverse, &h0, has_c ? &c0 : nullptr, k);
  MatD dx, dh0, dc0;
  LayerBackward(cell, params.rnn[0], grads.rnn[0], in, &w_out, &w_hn, has_c ? &w_cn : nullptr, k,
                &dx, &dh0, &dc0);
  const double eps = 1e-6;
  auto check = [&](MatD& m, const MatD& analytic, const char* what) {
    for (Eigen::Index i = 0; i < m.size(); ++i) {
      const double saved = m.data()[i];
      m.data()[i] = saved + eps;
      const double plus = loss(x, h0, c0);
      m.data()[i] = saved - eps;
      const double minus = loss(x, h0, c0);
      m.data()[i] = saved;
      const double numeric = (plus - minus) / (2 * eps);
      EXPECT_NEAR(analytic.data()[i], numeric, 1e-7 + 1e-5 * std::abs(numeric)) << what << "[" << i << "]";
    }
  };
  check(x, dx, "dx");
  check(h0, dh0, "dh0");
  if (has_c) check(c0, dc0, "dc0");
  // The recorded ‖∂L/∂h_t‖ are finite and positive: the panels plot them on a log scale.
  for (int t = 0; t < T; ++t) EXPECT_GT(k.dh_norm[t], 0.0);
}

INSTANTIATE_TEST_SUITE_P(
    AllCells, LayerGradCheck,
    ::testing::Combine(::testing::Values(CellKind::kLstm, CellKind::kGru, CellKind::kRnnTanh,
                                         CellKind::kRnnRelu, CellKind::kJordan),
                       ::testing::Bool()),
    [](const auto& info) {
      return std::string(CellName(std::get<0>(info.param))) + (std::get<1>(info.param) ? "_reverse" : "_forward");
    });

}  // namespace
}  // namespace rnnscope
