// Backward through clamps and pins (model/intervention.h) is exact: for every cell and every
// kind of pin — hidden clamps, LSTM cell clamps, each gate of each cell, one unit or all —
// every parameter gradient matches central differences of the intervened model (double), at
// pinned values inside (0, 1) where an approximate backward would show. And a GRU r pin
// changes n: with r = 0, n_t = tanh(W_in x_t + b_in) whatever h_{t-1} is. The float path that
// trains gives the same pinned gradients as the double one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "model/cell_kind.h"
#include "model/intervention.h"
#include "model/rnn_model.h"

namespace rnnscope {
namespace {

TokenBatch Batch(int T, int B, int vocab) {
  TokenBatch b;
  b.T = T;
  b.B = B;
  for (int i = 0; i < T * B; ++i) {
    b.input.push_back((i * 7 + 3) % vocab);
    b.target.push_back((i * 5 + 1) % vocab);
  }
  return b;
}

ModelConfig Config(CellKind cell, bool bidirectional) {
  ModelConfig c;
  c.cell = cell;
  c.vocab = 5;
  c.hidden = 4;
  c.layers = 2;
  c.bidirectional = bidirectional;
  return c;
}

struct PinCase {
  std::string name;
  CellKind cell;
  UnitIntervention pin;
};

std::vector<PinCase> Cases() {
  std::vector<PinCase> cases;
  for (CellKind cell : {CellKind::kLstm, CellKind::kGru, CellKind::kRnnTanh, CellKind::kJordan}) {
    const std::string c(CellName(cell));
    cases.push_back({c + "_hidden_unit1", cell, {1, InterventionTarget::kHidden, 0, 0.3f}});
    cases.push_back({c + "_hidden_all", cell, {-1, InterventionTarget::kHidden, 0, -0.2f}});
    const std::vector<std::string> gates = GateNames(cell);
    for (int g = 0; g < static_cast<int>(gates.size()); ++g) {
      cases.push_back({c + "_gate_" + gates[g] + "_unit1", cell, {1, InterventionTarget::kGate, g, 0.3f}});
      cases.push_back({c + "_gate_" + gates[g] + "_all", cell, {-1, InterventionTarget::kGate, g, 0.6f}});
    }
    if (cell == CellKind::kLstm) {
      cases.push_back({c + "_cell_unit2", cell, {2, InterventionTarget::kCell, 0, 0.4f}});
      cases.push_back({c + "_cell_all", cell, {-1, InterventionTarget::kCell, 0, -0.5f}});
    }
  }
  return cases;
}

class PinnedGradCheck : public ::testing::TestWithParam<PinCase> {};

TEST_P(PinnedGradCheck, EveryParameterMatchesFiniteDifferencesOfTheIntervenedModel) {
  const PinCase& pc = GetParam();
  const bool bidirectional = pc.cell != CellKind::kJordan;
  const ModelConfig config = Config(pc.cell, bidirectional);
  RnnModel<double> model(config, 7);
  const TokenBatch batch = Batch(/*T=*/4, /*B=*/2, config.vocab);
  // The pin on every direction of layer 0, and on layer 1's first direction: pins below and
  // above a layer that is not pinned, and a pinned layer feeding a pinned one.
  auto pinned_pass = [&] {
    ForwardPass<double> p;
    p.layers.resize(static_cast<std::size_t>(config.layers * config.Directions()));
    for (int d = 0; d < config.Directions(); ++d) p.layers[static_cast<std::size_t>(d)].interventions = {pc.pin};
    p.layers[static_cast<std::size_t>(config.Directions())].interventions = {pc.pin};
    return p;
  };
  ForwardPass<double> pass = pinned_pass();
  const double loss = model.Forward(batch, nullptr, pass);
  ForwardPass<double> plain;
  EXPECT_GT(std::abs(loss - model.Forward(batch, nullptr, plain)), 1e-6) << "the pin changes nothing in " << pc.name;
  model.grads.SetZero();
  model.Backward(batch, pass);

  auto loss_now = [&] {
    ForwardPass<double> p = pinned_pass();
    return model.Forward(batch, nullptr, p);
  };
  std::vector<MatD*> grads;
  model.grads.ForEach([&](const std::string&, MatD& g, bool) { grads.push_back(&g); });
  std::size_t index = 0;
  int checked = 0;
  double worst = 0.0;
  const double eps = 1e-6;
  model.params.ForEach([&](const std::string& name, MatD& w, bool) {
    const MatD& g = *grads[index++];
    for (Eigen::Index i = 0; i < w.size(); ++i) {
      const double saved = w.data()[i];
      w.data()[i] = saved + eps;
      const double plus = loss_now();
      w.data()[i] = saved - eps;
      const double minus = loss_now();
      w.data()[i] = saved;
      const double numeric = (plus - minus) / (2 * eps);
      worst = std::max(worst, std::abs(g.data()[i] - numeric));
      EXPECT_NEAR(g.data()[i], numeric, 1e-7 + 1e-5 * std::abs(numeric)) << name << "[" << i << "] in " << pc.name;
      ++checked;
    }
  });
  EXPECT_GT(checked, 100);
  RecordProperty("worst_abs_error", std::to_string(worst));
}

// The float path that trains (fused cell kernels, float GEMM) gives the same pinned forward
// and gradients as the double one checked above, at H = 19 (a packet tail on every instruction
// set), with the same weights.
TEST_P(PinnedGradCheck, FloatPathMatchesDouble) {
  const PinCase& pc = GetParam();
  ModelConfig config = Config(pc.cell, pc.cell != CellKind::kJordan);
  config.hidden = 19;
  RnnModel<double> reference(config, 9);
  RnnModel<float> model(config, 9);
  std::vector<const MatD*> weights;
  reference.params.ForEach([&](const std::string&, const MatD& w, bool) { weights.push_back(&w); });
  std::size_t index = 0;
  model.params.ForEach([&](const std::string&, MatF& w, bool) { w = weights[index++]->cast<float>(); });
  const TokenBatch batch = Batch(/*T=*/6, /*B=*/5, config.vocab);
  auto pinned = [&](auto& pass) {
    pass.layers.resize(static_cast<std::size_t>(config.layers * config.Directions()));
    for (auto& layer : pass.layers) layer.interventions = {pc.pin};
  };
  ForwardPass<double> pd;
  ForwardPass<float> pf;
  pinned(pd);
  pinned(pf);
  const double loss_d = reference.Forward(batch, nullptr, pd);
  const float loss_f = model.Forward(batch, nullptr, pf);
  EXPECT_NEAR(loss_f, loss_d, 1e-5 * std::abs(loss_d)) << pc.name;
  reference.grads.SetZero();
  model.grads.SetZero();
  reference.Backward(batch, pd);
  model.Backward(batch, pf);
  std::vector<const MatD*> grads_d;
  reference.grads.ForEach([&](const std::string&, const MatD& g, bool) { grads_d.push_back(&g); });
  index = 0;
  model.grads.ForEach([&](const std::string& name, const MatF& g, bool) {
    const MatD& gd = *grads_d[index++];
    const double scale = std::max(1.0, gd.cwiseAbs().maxCoeff());
    EXPECT_LT((g.cast<double>() - gd).cwiseAbs().maxCoeff(), 2e-5 * scale) << name << " in " << pc.name;
  });
}

INSTANTIATE_TEST_SUITE_P(EveryPin, PinnedGradCheck, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

// r = 0 on every unit removes h_{t-1} from n: n_t = tanh(W_in x_t + b_in), read off the
// one-hot input's column; and h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1} still holds.
TEST(GruResetPin, ClosedResetGateMakesNIndependentOfTheState) {
  ModelConfig config = Config(CellKind::kGru, false);
  config.layers = 1;
  const RnnModel<double> model(config, 5);
  const TokenBatch batch = Batch(/*T=*/5, /*B=*/3, config.vocab);
  ForwardPass<double> pass;
  pass.layers.resize(1);
  pass.layers[0].interventions = {{-1, InterventionTarget::kGate, 0, 0.0f}};
  model.Forward(batch, nullptr, pass);
  const LayerCache<double>& k = pass.layers[0];
  const LayerParams<double>& p = model.params.rnn[0];
  const Eigen::Index H = config.hidden;
  for (int t = 0; t < batch.T; ++t) {
    for (int b = 0; b < batch.B; ++b) {
      const Eigen::Index col = static_cast<Eigen::Index>(t) * batch.B + b;
      const int token = batch.input[static_cast<std::size_t>(col)];
      const Vec<double> expected_n = (p.w_ih.col(token).bottomRows(H) + p.b_ih.col(0).bottomRows(H)).array().tanh().matrix();
      EXPECT_TRUE(k.gates.block(0, col, H, 1).isZero()) << "r at t=" << t;
      EXPECT_TRUE(k.gates.block(2 * H, col, H, 1).isApprox(expected_n, 1e-12)) << "n at t=" << t;
      const auto z = k.gates.block(H, col, H, 1).array();
      const auto h_prev = k.h.col(k.PrevCol(t) + b).array();
      const Vec<double> expected_h = ((1 - z) * expected_n.array() + z * h_prev).matrix();
      EXPECT_TRUE(k.h.col(k.OutCol(t) + b).isApprox(expected_h, 1e-12)) << "h at t=" << t;
    }
  }
  // And the pin matters: without it, n depends on h_{t-1} from t = 1 on.
  ForwardPass<double> plain;
  model.Forward(batch, nullptr, plain);
  EXPECT_FALSE(plain.layers[0].gates.middleRows(2 * H, H).isApprox(k.gates.middleRows(2 * H, H), 1e-6));
}

}  // namespace
}  // namespace rnnscope
