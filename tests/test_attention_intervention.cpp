// Overwriting one attention row (model/intervention.h): the context and everything downstream
// follow from the new weights exactly as computed by hand; clearing the override restores the
// original outputs bit for bit; finite differences on the model with the override applied match
// the analytic gradient (the row is a constant); the Seq2SeqJob applies probe-only and training
// overrides where they belong; the trainer thread adds, lists and removes them.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/rng.h"
#include "model/intervention.h"
#include "model/seq2seq.h"
#include "train/seq2seq_job.h"
#include "train/trainer_thread.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

// An Elman (tanh) decoder, so a step can be recomputed by hand: s = tanh(W_ih x + b_ih + W_hh s' + b_hh).
Seq2SeqConfig Tiny(AttentionKind attention) {
  Seq2SeqConfig c;
  c.encoder_cell = CellKind::kGru;
  c.decoder_cell = CellKind::kRnnTanh;
  c.source_vocab = 7;
  c.target_vocab = 6;
  c.embed = 3;
  c.encoder_hidden = 3;
  c.decoder_hidden = 4;
  c.attention_size = 3;
  c.attention = attention;
  if (attention == AttentionKind::kDot) c.decoder_hidden = c.EncoderOutput();
  return c;
}

// Two sequences: source lengths 5 and 3 (padded), targets of 4 and 3 tokens.
Seq2SeqBatch Batch() {
  Seq2SeqBatch b;
  b.Ts = 5;
  b.To = 4;
  b.B = 2;
  b.source = {3, 4, 5, 6, 4, 3, 6, 0, 5, 0};  // (Ts*B) time-major
  b.source_length = {5, 3};
  b.target = {3, 4, 5, 2, 4, 3, 2, -1};
  return b;
}

Seq2SeqInterventions Row(int step, int source, std::vector<float> weights = {}) {
  Seq2SeqInterventions iv;
  iv.attention.push_back({step, source, std::move(weights)});
  return iv;
}

TEST(AttentionIntervention, OneHotRowMakesTheContextThatSourceStateAndTheStepFollows) {
  const Seq2SeqConfig c = Tiny(AttentionKind::kAdditive);
  const Seq2SeqModel<double> model(c, 11);
  const Seq2SeqBatch batch = Batch();
  const int B = batch.B, E = c.embed, C = c.EncoderOutput(), Hd = c.decoder_hidden, step = 2;
  Seq2SeqPass<double> plain, changed;
  const double loss_plain = model.Forward(batch, 1.0f, nullptr, plain);
  changed.interventions = Row(step, /*source=*/4);  // sequence 1 has 3 positions: clamped to 2
  const double loss_changed = model.Forward(batch, 1.0f, nullptr, changed);
  EXPECT_NE(loss_plain, loss_changed);

  const MatD& keys = changed.encoder_out.back();  // (C, Ts*B)
  for (int b = 0; b < B; ++b) {
    const int j = b == 0 ? 4 : 2;
    const Eigen::Index col = static_cast<Eigen::Index>(step) * B + b;
    // The row is exactly the one-hot; the context exactly that source position's encoder state.
    for (int s = 0; s < batch.Ts; ++s) EXPECT_EQ(changed.attention.alpha(s, col), s == j ? 1.0 : 0.0) << b << "," << s;
    EXPECT_EQ(changed.context.col(col), keys.col(static_cast<Eigen::Index>(j) * B + b));
    // The decoder step by hand: x = [emb(y_{i-1}) ; a_i], s_i = tanh(W_ih x + b_ih + W_hh s_{i-1} + b_hh).
    Vec<double> x(E + C);
    x.head(E) = model.params.target_embedding.row(batch.target[static_cast<std::size_t>((step - 1) * B + b)]).transpose();
    x.tail(C) = keys.col(static_cast<Eigen::Index>(j) * B + b);
    const Vec<double> s_prev = changed.decoder[0].h.col(col);
    const Vec<double> s = (model.params.decoder[0].w_ih * x + model.params.decoder[0].b_ih.col(0) +
                    model.params.decoder[0].w_hh * s_prev + model.params.decoder[0].b_hh.col(0)).array().tanh().matrix();
    EXPECT_LT((changed.decoder[0].h.col(col + B) - s).cwiseAbs().maxCoeff(), 1e-14);
    // Logits = W_fc [s_i ; a_i] + b_fc.
    Vec<double> o(Hd + C);
    o << s, x.tail(C);
    const Vec<double> logits = model.params.fc_w * o + model.params.fc_b.col(0);
    EXPECT_LT((changed.logits.col(col) - logits).cwiseAbs().maxCoeff(), 1e-13);
  }
  // Steps before the overwritten one are untouched; the ones after it change. "Untouched" to
  // rounding, not bit for bit: the per-ISA cell kernels (model/cell_kernels.h) compute the
  // unaligned head and tail of a block with scalar exp/tanh and the rest with vector ones, so
  // the same numbers in buffers at other addresses (the two passes' own) can differ in the last
  // bit. A real effect of the overwrite is many orders of magnitude larger.
  EXPECT_LT((plain.logits.leftCols(step * B) - changed.logits.leftCols(step * B)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_GT((plain.logits.col(step * B) - changed.logits.col(step * B)).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_GT((plain.logits.col((step + 1) * B) - changed.logits.col((step + 1) * B)).cwiseAbs().maxCoeff(), 1e-6);
}

TEST(AttentionIntervention, UniformAndGivenWeightsRenormaliseOverTheRealPositions) {
  const Seq2SeqConfig c = Tiny(AttentionKind::kGeneral);
  const Seq2SeqModel<double> model(c, 12);
  const Seq2SeqBatch batch = Batch();
  const int B = batch.B;
  Seq2SeqPass<double> uniform, weighted;
  uniform.interventions = Row(0, -1);
  model.Forward(batch, 1.0f, nullptr, uniform);
  const MatD& keys = uniform.encoder_out.back();
  for (int b = 0; b < B; ++b) {
    const int len = batch.source_length[static_cast<std::size_t>(b)];
    Vec<double> mean = Vec<double>::Zero(c.EncoderOutput());
    for (int j = 0; j < len; ++j) {
      EXPECT_DOUBLE_EQ(uniform.attention.alpha(j, b), 1.0 / len);
      mean += keys.col(static_cast<Eigen::Index>(j) * B + b) / len;
    }
    for (int j = len; j < batch.Ts; ++j) EXPECT_EQ(uniform.attention.alpha(j, b), 0.0) << "padding stays at 0";
    EXPECT_LT((uniform.context.col(b) - mean).cwiseAbs().maxCoeff(), 1e-14);
  }
  // Given weights: negatives count as 0, positions past the sequence are dropped, the rest sums to 1.
  weighted.interventions = Row(1, -1, {2.0f, -1.0f, 0.0f, 0.0f, 2.0f});
  model.Forward(batch, 1.0f, nullptr, weighted);
  EXPECT_DOUBLE_EQ(weighted.attention.alpha(0, B + 0), 0.5);
  EXPECT_DOUBLE_EQ(weighted.attention.alpha(4, B + 0), 0.5);
  EXPECT_DOUBLE_EQ(weighted.attention.alpha(0, B + 1), 1.0) << "sequence 1 has only positions 0..2";
  EXPECT_EQ(weighted.attention.alpha(1, B + 1), 0.0);
}

TEST(AttentionIntervention, ClearingTheOverrideRestoresTheOutputsBitForBit) {
  const Seq2SeqConfig c = Tiny(AttentionKind::kAdditive);
  const Seq2SeqModel<float> model(c, 13);
  const Seq2SeqBatch batch = Batch();
  Seq2SeqPass<float> plain, pass;
  const float loss_plain = model.Forward(batch, 1.0f, nullptr, plain);
  pass.interventions = Row(1, 0);
  const float loss_changed = model.Forward(batch, 1.0f, nullptr, pass);
  EXPECT_NE(loss_plain, loss_changed);
  EXPECT_NE(pass.logits, plain.logits);
  pass.interventions = {};  // the same pass, reused: nothing of the override may linger
  EXPECT_EQ(model.Forward(batch, 1.0f, nullptr, pass), loss_plain);
  EXPECT_EQ(pass.logits, plain.logits);
  EXPECT_EQ(pass.attention.alpha, plain.attention.alpha);
  // Greedy decoding and beam search take them too, and lose them as well.
  std::vector<std::vector<int32_t>> out_plain, out_changed;
  std::vector<MatF> attn_plain, attn_changed;
  Seq2SeqPass<float> g;
  model.Greedy(batch, 5, g, out_plain, &attn_plain);
  g.interventions = Row(0, 2);
  model.Greedy(batch, 5, g, out_changed, &attn_changed);
  EXPECT_EQ(attn_changed[0](0, 2), 1.0f);
  EXPECT_EQ(attn_changed[0].row(0).sum(), 1.0f);
  const std::vector<int32_t> source = {3, 4, 5, 6, 4};
  const Seq2SeqInterventions iv = Row(0, 2);
  const auto beam = model.Beam(source, 2, 5, &iv);
  ASSERT_FALSE(beam.empty());
  EXPECT_EQ(beam[0].attention(0, 2), 1.0f);
  EXPECT_EQ(model.Beam(source, 2, 5)[0].attention, model.Beam(source, 2, 5, nullptr)[0].attention);
}

struct GradCase {
  std::string name;
  AttentionKind attention;
  bool bidirectional;
  Seq2SeqInterventions interventions;
};

class AttentionInterventionGradCheck : public ::testing::TestWithParam<GradCase> {};

// The loss of the model with the override is a function of the parameters in which the row is
// a constant; backward must compute exactly that function's gradient.
TEST_P(AttentionInterventionGradCheck, EveryParameterMatchesFiniteDifferences) {
  Seq2SeqConfig c = Tiny(GetParam().attention);
  c.bidirectional = GetParam().bidirectional;
  c.decoder_cell = CellKind::kGru;
  if (c.attention == AttentionKind::kDot) c.decoder_hidden = c.EncoderOutput();
  Seq2SeqModel<double> model(c, 3);
  const Seq2SeqBatch batch = Batch();
  Seq2SeqPass<double> pass;
  pass.interventions = GetParam().interventions;
  model.Forward(batch, 1.0f, nullptr, pass);
  model.grads.SetZero();
  model.Backward(batch, pass);
  auto loss_now = [&] {
    Seq2SeqPass<double> p;
    p.interventions = GetParam().interventions;
    return model.Forward(batch, 1.0f, nullptr, p);
  };
  std::vector<MatD*> grads;
  model.grads.ForEach([&](const std::string&, MatD& g, bool) { grads.push_back(&g); });
  std::size_t index = 0, checked = 0;
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
      EXPECT_NEAR(g.data()[i], numeric, 1e-7 + 1e-5 * std::abs(numeric)) << name << "[" << i << "] in " << GetParam().name;
      ++checked;
    }
  });
  EXPECT_EQ(checked, model.params.ParameterCount());
}

std::vector<GradCase> GradCases() {
  Seq2SeqInterventions every;  // every row overwritten: no gradient may reach any score
  for (int i = 0; i < 4; ++i) every.attention.push_back({i, i % 2 == 0 ? i : -1, {}});
  return {{"additive_onehot", AttentionKind::kAdditive, false, Row(1, 3)},
          {"additive_uniform_bi", AttentionKind::kAdditive, true, Row(0, -1)},
          {"dot_onehot_clamped_bi", AttentionKind::kDot, true, Row(2, 4)},
          {"general_weights", AttentionKind::kGeneral, false, Row(3, -1, {0.1f, 0.7f, 0.2f})},
          {"additive_every_row", AttentionKind::kAdditive, true, every}};
}

INSTANTIATE_TEST_SUITE_P(Overrides, AttentionInterventionGradCheck, ::testing::ValuesIn(GradCases()),
                         [](const auto& info) { return info.param.name; });

TEST(AttentionIntervention, EveryRowOverwrittenLeavesTheScoreWeightsWithoutGradient) {
  Seq2SeqConfig c = Tiny(AttentionKind::kAdditive);
  Seq2SeqModel<double> model(c, 4);
  const Seq2SeqBatch batch = Batch();
  Seq2SeqPass<double> pass;
  for (int i = 0; i < batch.To; ++i) pass.interventions.attention.push_back({i, -1, {}});
  model.Forward(batch, 1.0f, nullptr, pass);
  model.grads.SetZero();
  model.Backward(batch, pass);
  EXPECT_TRUE(model.grads.attention.w_query.isZero(0.0));
  EXPECT_TRUE(model.grads.attention.w_key.isZero(0.0));
  EXPECT_TRUE(model.grads.attention.v.isZero(0.0));
  EXPECT_FALSE(model.grads.source_embedding.isZero(0.0)) << "the values (encoder states) still learn";
}

TEST(AttentionIntervention, ResolveAndDescribe) {
  std::vector<Intervention> all(3);
  all[0].target = InterventionTarget::kAttentionRow;
  all[0].step = 4;
  all[0].source = 2;
  all[1].target = InterventionTarget::kAttentionRow;
  all[1].step = 1;
  all[1].during_training = true;
  all[2].layer = 0;  // an ordinary h clamp
  EXPECT_EQ(DescribeIntervention(all[0], {}), "attention row t=4 := one-hot src 2");
  EXPECT_EQ(DescribeIntervention(all[1], {}), "attention row t=1 := uniform (training too)");
  EXPECT_EQ(ResolveAttentionOverrides(all, false).size(), 2u);
  ASSERT_EQ(ResolveAttentionOverrides(all, true).size(), 1u);
  EXPECT_EQ(ResolveAttentionOverrides(all, true)[0].step, 1);
  ASSERT_EQ(ResolveInterventions(all, 0, 0, false).size(), 1u) << "attention rows are not unit clamps";
  EXPECT_EQ(ResolveInterventions(all, 0, 0, false)[0].target, InterventionTarget::kHidden);
}

Seq2SeqJobOptions SmallReverse() {
  Seq2SeqJobOptions o = DefaultSeq2SeqOptions("reverse");
  o.model.embed = 8;
  o.model.encoder_hidden = o.model.decoder_hidden = 12;
  o.model.attention_size = 8;
  o.seed = 5;
  return o;
}

// Probe-only overrides leave training alone (bit for bit); training ones change the loss.
TEST(AttentionIntervention, JobAppliesTrainingOverridesToTheLossOnly) {
  TrainSettings s;
  s.batch = 4;
  Intervention probe_only;
  probe_only.target = InterventionTarget::kAttentionRow;
  probe_only.step = 0;
  probe_only.source = 0;
  Intervention training = probe_only;
  training.during_training = true;
  Seq2SeqJob plain("reverse", SmallReverse()), probe("reverse", SmallReverse()), trained("reverse", SmallReverse());
  EXPECT_TRUE(probe.SetInterventions({probe_only}));
  EXPECT_TRUE(trained.SetInterventions({training}));
  const float loss = plain.Step(s).loss;
  EXPECT_EQ(probe.Step(s).loss, loss);
  EXPECT_NE(trained.Step(s).loss, loss);
  // Unit clamps reach the encoder; one named on the decoder layer is refused (the rest apply).
  Intervention decoder_clamp;
  decoder_clamp.layer = SmallReverse().model.encoder_layers;
  EXPECT_FALSE(plain.SetInterventions({probe_only, decoder_clamp}));
  Snapshot snap;
  plain.FillSnapshot("", s, snap);
  ASSERT_FALSE(snap.attention.empty());
  EXPECT_EQ(snap.attention[0].weights(0, 0), 1.0f);
  EXPECT_EQ(snap.attention[0].overridden_rows, std::vector<int>{0});
  EXPECT_FALSE(snap.attention[0].plain_output_tokens.empty());
}

using test::WaitFor;

TEST(AttentionIntervention, TrainerAddsListsAndRemovesAnAttentionRow) {
  TrainerOptions o;
  o.spec.task = "reverse";
  o.spec.model.cell = CellKind::kGru;
  o.spec.model.hidden = 12;
  o.spec.settings.batch = 4;
  o.publish_interval_ms = 5;
  o.start_paused = true;
  TrainerThread trainer(o);
  trainer.Start();
  // Row 0 always exists, however short the untrained model's greedy output is.
  auto s = WaitFor(trainer, [](const Snapshot& x) { return !x.attention.empty() && x.attention[0].weights.size() > 0; });
  const MatF plain = s->attention[0].weights;
  const float plain_loss = s->probe_loss;
  Intervention iv;
  iv.target = InterventionTarget::kAttentionRow;
  iv.step = 0;
  iv.source = 1;
  trainer.Send(AddInterventionCommand{iv});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.interventions.size() == 1 && !x.attention.empty(); });
  ASSERT_EQ(s->intervention_labels.size(), 1u);
  EXPECT_EQ(s->intervention_labels[0], "attention row t=0 := one-hot src 1");
  const int id = s->interventions[0].id;
  const AttentionTrace& a = s->attention[0];
  ASSERT_GT(a.weights.rows(), 0);
  for (Eigen::Index j = 0; j < a.weights.cols(); ++j) EXPECT_EQ(a.weights(0, j), j == 1 ? 1.0f : 0.0f);
  EXPECT_NE(a.weights.row(0), plain.row(0));
  EXPECT_EQ(a.overridden_rows, std::vector<int>{0});
  EXPECT_NE(s->probe_loss, plain_loss);
  trainer.Send(RemoveInterventionCommand{id});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.interventions.empty() && !x.attention.empty(); });
  EXPECT_EQ(s->attention[0].weights, plain) << "paused: removing it restores the map bit for bit";
  EXPECT_EQ(s->probe_loss, plain_loss);
  EXPECT_TRUE(s->attention[0].overridden_rows.empty());
  EXPECT_TRUE(s->attention[0].plain_output_tokens.empty());
}

}  // namespace
}  // namespace rnnscope
