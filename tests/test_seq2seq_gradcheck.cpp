// Finite-difference gradient checks in double for every parameter element of the seq2seq model:
// each attention kind, each context mode, tied embeddings, bidirectional and stacked encoders,
// every cell, and batches whose sequences have different source and target lengths (masking).
#include <gtest/gtest.h>

#include <string>

#include "core/rng.h"
#include "model/seq2seq.h"
#include "seq2seq_test_util.h"

namespace rnnscope {
namespace {

using test::MixedLengthBatch;

struct Case {
  std::string name;
  Seq2SeqConfig config;
};

Seq2SeqConfig Base() {
  Seq2SeqConfig c;
  c.encoder_cell = CellKind::kGru;
  c.decoder_cell = CellKind::kGru;
  c.source_vocab = 7;
  c.target_vocab = 6;
  c.embed = 3;
  c.encoder_hidden = 3;
  c.decoder_hidden = 4;
  c.attention_size = 3;
  return c;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (AttentionKind a : {AttentionKind::kNone, AttentionKind::kAdditive, AttentionKind::kDot,
                          AttentionKind::kGeneral}) {
    for (ContextMode m : {ContextMode::kInit, ContextMode::kInput, ContextMode::kBoth}) {
      for (bool bidir : {false, true}) {
        Seq2SeqConfig c = Base();
        c.attention = a;
        c.context = m;
        c.bidirectional = bidir;
        if (a == AttentionKind::kDot) c.decoder_hidden = c.EncoderOutput();
        cases.push_back({std::string(AttentionName(a)) + "_" + ContextModeName(m) + (bidir ? "_bi" : ""), c});
      }
    }
  }
  for (CellKind enc : {CellKind::kLstm, CellKind::kRnnTanh, CellKind::kJordan, CellKind::kGru}) {
    for (CellKind dec : {CellKind::kLstm, CellKind::kRnnRelu, CellKind::kJordan, CellKind::kGru}) {
      Seq2SeqConfig c = Base();
      c.encoder_cell = enc;
      c.decoder_cell = dec;
      c.bidirectional = true;
      c.context = ContextMode::kBoth;
      cases.push_back({"cells_" + std::string(CellName(enc)) + "_" + std::string(CellName(dec)), c});
    }
  }
  for (AttentionKind a : {AttentionKind::kNone, AttentionKind::kAdditive, AttentionKind::kGeneral}) {
    Seq2SeqConfig c = Base();
    c.attention = a;
    c.tie_embeddings = true;
    c.bidirectional = true;
    c.encoder_layers = 2;
    c.encoder_cell = CellKind::kLstm;
    c.decoder_cell = CellKind::kLstm;
    cases.push_back({"tied_L2_lstm_" + std::string(AttentionName(a)), c});
  }
  // The published PyTorch conventions (seq2seq.h): attention biases, the decoder starting from
  // the encoder's final state, output from the state only, context before the embedding, an
  // encoder run over the padding, and stacked decoder layers.
  for (CellKind cell : {CellKind::kGru, CellKind::kLstm}) {
    for (bool over_padding : {false, true}) {
      if (cell == CellKind::kLstm && !over_padding) continue;  // LSTM copy needs full-length sources
      Seq2SeqConfig c = Base();
      c.encoder_cell = c.decoder_cell = cell;
      c.decoder_hidden = c.encoder_hidden;
      c.context = ContextMode::kCopy;
      c.attention_bias = true;
      c.output_context = false;
      c.encoder_over_padding = over_padding;
      c.context_first = over_padding;
      c.encoder_layers = c.decoder_layers = 2;
      cases.push_back({"copy_" + std::string(CellName(cell)) + (over_padding ? "_unpacked_ctxfirst" : ""), c});
    }
  }
  {
    Seq2SeqConfig c = Base();  // bridge into a 2-layer decoder, context fed at every step
    c.decoder_layers = 2;
    c.context = ContextMode::kBoth;
    c.context_first = true;
    c.decoder_cell = CellKind::kLstm;
    cases.push_back({"bridge_L2_decoder_lstm", c});
  }
  return cases;
}

class Seq2SeqGradCheck : public ::testing::TestWithParam<Case> {};

TEST_P(Seq2SeqGradCheck, EveryParameterMatchesFiniteDifferences) {
  const Seq2SeqConfig& config = GetParam().config;
  Seq2SeqModel<double> model(config, 3);
  // Nudge biases so relu pre-activations sit away from the kink.
  const Seq2SeqBatch batch = MixedLengthBatch(config, /*Ts=*/5, /*To=*/4, /*B=*/3, 17);
  Seq2SeqPass<double> pass;
  model.Forward(batch, 1.0f, nullptr, pass);
  model.grads.SetZero();
  model.Backward(batch, pass);

  auto loss_now = [&] {
    Seq2SeqPass<double> p;
    return model.Forward(batch, 1.0f, nullptr, p);
  };
  std::vector<MatD*> grads;
  model.grads.ForEach([&](const std::string&, MatD& g, bool) { grads.push_back(&g); });
  std::size_t index = 0, checked = 0;
  const double eps = 1e-6;
  model.params.ForEach([&](const std::string& name, MatD& w, bool) {
    const MatD& g = *grads[index++];
    ASSERT_EQ(g.rows(), w.rows()) << name;
    ASSERT_EQ(g.cols(), w.cols()) << name;
    for (Eigen::Index i = 0; i < w.size(); ++i) {
      const double saved = w.data()[i];
      w.data()[i] = saved + eps;
      const double plus = loss_now();
      w.data()[i] = saved - eps;
      const double minus = loss_now();
      w.data()[i] = saved;
      const double numeric = (plus - minus) / (2 * eps);
      EXPECT_NEAR(g.data()[i], numeric, 1e-7 + 1e-5 * std::abs(numeric))
          << name << "[" << i << "] in " << GetParam().name;
      ++checked;
    }
  });
  EXPECT_EQ(checked, model.params.ParameterCount());
}

INSTANTIATE_TEST_SUITE_P(AllVariants, Seq2SeqGradCheck, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

// Padding must not change anything: a sequence's loss is the same alone or padded in a batch
// with a longer one (bidirectional encoder, attention masked).
TEST(Seq2Seq, PaddingDoesNotLeak) {
  Seq2SeqConfig c = Base();
  c.bidirectional = true;
  c.context = ContextMode::kBoth;
  Seq2SeqModel<double> model(c, 5);
  Seq2SeqBatch both = MixedLengthBatch(c, 5, 4, 2, 9);  // lengths 5 and 3
  Seq2SeqBatch alone;
  alone.Ts = 3;
  alone.To = 4;
  alone.B = 1;
  alone.source_length = {3};
  for (int t = 0; t < 3; ++t) alone.source.push_back(both.source[static_cast<std::size_t>(t * 2 + 1)]);
  for (int t = 0; t < 4; ++t) alone.target.push_back(both.target[static_cast<std::size_t>(t * 2 + 1)]);
  Seq2SeqPass<double> p1, p2;
  model.Forward(both, 1.0f, nullptr, p1);
  model.Forward(alone, 1.0f, nullptr, p2);
  EXPECT_LT((p1.logits.col(1) - p2.logits.col(0)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((p1.logits.col(5) - p2.logits.col(2)).cwiseAbs().maxCoeff(), 1e-12);
  // Masked positions get exactly zero weight; rows sum to one.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(p1.attention.alpha(3, i * 2 + 1), 0.0);
    EXPECT_EQ(p1.attention.alpha(4, i * 2 + 1), 0.0);
    EXPECT_NEAR(p1.attention.alpha.col(i * 2 + 1).sum(), 1.0, 1e-12);
  }
}

TEST(Seq2Seq, BeamWidthOneEqualsGreedy) {
  Seq2SeqConfig c = Base();
  c.bidirectional = true;
  Seq2SeqModel<double> model(c, 8);
  const std::vector<int32_t> source = {3, 5, 4, 6, 2};
  Seq2SeqBatch batch;
  batch.Ts = 5;
  batch.B = 1;
  batch.source = source;
  batch.source_length = {5};
  Seq2SeqPass<double> pass;
  std::vector<std::vector<int32_t>> greedy;
  std::vector<MatF> attn;
  model.Greedy(batch, 6, pass, greedy, &attn);
  const auto beam = model.Beam(source, 1, 6);
  ASSERT_EQ(beam.size(), 1u);
  EXPECT_EQ(beam[0].tokens, greedy[0]);
  EXPECT_LT((beam[0].attention - attn[0]).cwiseAbs().maxCoeff(), 1e-6);
  const auto beam4 = model.Beam(source, 4, 6);
  ASSERT_FALSE(beam4.empty());
  for (std::size_t i = 1; i < beam4.size(); ++i) EXPECT_GE(beam4[i - 1].score, beam4[i].score);
}

}  // namespace
}  // namespace rnnscope
