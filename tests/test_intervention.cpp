// Interventions at forward time: ablating a unit changes the output; pinning f = 1 and i = 0
// holds an LSTM cell constant; z = 1 holds a GRU state; the trainer lists them and applies
// them to the probe.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "model/intervention.h"
#include "model/rnn_model.h"
#include "train/trainer_thread.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

using namespace std::chrono_literals;

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

ModelConfig Config(CellKind cell) {
  ModelConfig c;
  c.cell = cell;
  c.vocab = 11;
  c.hidden = 8;
  c.layers = 2;
  return c;
}

TEST(Intervention, AblatingAUnitZeroesItAndChangesTheOutput) {
  const RnnModel<float> model(Config(CellKind::kLstm), 3);
  const TokenBatch batch = Batch(6, 2, 11);
  ForwardPass<float> plain, ablated;
  const float loss = model.Forward(batch, nullptr, plain);
  ablated.layers.resize(2);
  ablated.layers[0].interventions = {{3, InterventionTarget::kHidden, 0, 0.0f}};
  const float loss_ablated = model.Forward(batch, nullptr, ablated);
  EXPECT_TRUE(ablated.layers[0].Outputs().row(3).isZero());
  EXPECT_FALSE(plain.layers[0].Outputs().row(3).isZero());
  EXPECT_NE(loss, loss_ablated);
  EXPECT_FALSE(plain.probs.isApprox(ablated.probs));
  // Other units of layer 0 at t = 0 are untouched (the ablation acts from h_0 on).
  EXPECT_EQ(ablated.layers[0].Outputs().block(0, 0, 3, 2), plain.layers[0].Outputs().block(0, 0, 3, 2));
  // The interventions survive into the next forward (the pass keeps them).
  model.Forward(batch, nullptr, ablated);
  EXPECT_TRUE(ablated.layers[0].Outputs().row(3).isZero());
}

TEST(Intervention, PinningForgetOpenAndInputClosedHoldsTheCell) {
  const RnnModel<float> model(Config(CellKind::kLstm), 4);
  const TokenBatch batch = Batch(7, 3, 11);
  RecurrentState<float> init;
  for (int k = 0; k < 2; ++k) {
    init.h.push_back(MatF::Constant(8, 3, 0.1f));
    init.c.push_back(MatF::Constant(8, 3, 0.7f));
  }
  ForwardPass<float> pass;
  pass.layers.resize(2);
  pass.layers[1].interventions = {{5, InterventionTarget::kGate, 1, 1.0f},   // f = 1
                                  {5, InterventionTarget::kGate, 0, 0.0f}};  // i = 0
  model.Forward(batch, &init, pass);
  const LayerCache<float>& k = pass.layers[1];
  for (Eigen::Index col = 0; col < k.c.cols(); ++col) EXPECT_FLOAT_EQ(k.c(5, col), 0.7f) << col;
  EXPECT_NE(k.c(4, k.c.cols() - 1), 0.7f) << "other units move";
  EXPECT_FLOAT_EQ(k.gates(8 + 5, 0), 1.0f) << "the pinned f is what the gates panel shows";
  // h follows the held cell: h = o ⊙ tanh(c).
  const Eigen::Index last = k.h.cols() - 1;
  EXPECT_NEAR(k.h(5, last), k.gates(24 + 5, k.gates.cols() - 1) * std::tanh(0.7f), 1e-6f);
}

TEST(Intervention, AllUnitsCellClampAndGruUpdateGate) {
  const RnnModel<float> lstm(Config(CellKind::kLstm), 5);
  const TokenBatch batch = Batch(5, 2, 11);
  ForwardPass<float> pass;
  pass.layers.resize(2);
  pass.layers[0].interventions = {{-1, InterventionTarget::kCell, 0, 0.25f}};
  lstm.Forward(batch, nullptr, pass);
  EXPECT_TRUE((pass.layers[0].c.rightCols(10).array() == 0.25f).all());

  const RnnModel<float> gru(Config(CellKind::kGru), 6);
  ForwardPass<float> g;
  g.layers.resize(2);
  g.layers[0].interventions = {{2, InterventionTarget::kGate, 1, 1.0f}};  // z = 1: keep h
  RecurrentState<float> init;
  for (int k = 0; k < 2; ++k) init.h.push_back(MatF::Constant(8, 2, -0.3f));
  gru.Forward(batch, &init, g);
  EXPECT_TRUE((g.layers[0].h.row(2).array() == -0.3f).all());
}

TEST(Intervention, ResolveAndDescribe) {
  std::vector<Intervention> all(3);
  all[0].layer = 0;
  all[0].unit = 4;
  all[1].layer = -1;
  all[1].target = InterventionTarget::kGate;
  all[1].gate = 1;
  all[1].value = 1;
  all[1].during_training = true;
  all[2].layer = 1;
  EXPECT_EQ(ResolveInterventions(all, 0, 0, false).size(), 2u);
  EXPECT_EQ(ResolveInterventions(all, 1, 0, false).size(), 2u);
  EXPECT_EQ(ResolveInterventions(all, 0, 0, true).size(), 1u) << "probe-only ones stay out of training";
  EXPECT_EQ(DescribeIntervention(all[0], {"i", "f", "g", "o"}), "h [l0 u4] = 0");
  EXPECT_EQ(DescribeIntervention(all[1], {"i", "f", "g", "o"}), "f gate [all layers all units] = 1 (training too)");
}

using test::WaitFor;

TEST(Intervention, TrainerListsAndAppliesToTheProbe) {
  TrainerOptions o;
  o.spec.model.hidden = 16;
  o.spec.settings.batch = 4;
  o.spec.settings.seq_len = 16;
  o.publish_interval_ms = 5;
  o.start_paused = true;
  TrainerThread trainer(o);
  trainer.Start();
  auto s = WaitFor(trainer, [](const Snapshot& x) { return !x.layers.empty(); });
  const float plain = s->probe_loss;
  Intervention iv;
  iv.layer = 0;
  iv.unit = -1;
  iv.value = 0;
  trainer.Send(AddInterventionCommand{iv});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.interventions.size() == 1; });
  EXPECT_EQ(s->interventions[0].id, 1);
  EXPECT_EQ(s->intervention_labels[0], "h [l0 all units] = 0");
  EXPECT_TRUE(s->layers[0].hidden.isZero());
  EXPECT_NE(s->probe_loss, plain);
  trainer.Send(RemoveInterventionCommand{1});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.interventions.empty(); });
  EXPECT_FALSE(s->layers[0].hidden.isZero());
  EXPECT_EQ(s->probe_loss, plain);
}

}  // namespace
}  // namespace rnnscope
