// The float path of the seq2seq options that mirror the published PyTorch models (seq2seq.h:
// attention biases, context copy, output from the state only, context before the embedding, an
// encoder run over the padding, stacked decoder layers), each alone and in the two published
// combinations. test_seq2seq_gradcheck checks them in double against finite differences; this
// runs Seq2SeqModel<float> from the same weights on the same batch and requires its loss, logits
// and every gradient to agree with the double model to float precision, so a float-only bug
// (a mis-typed temporary, a kernel that only the float instantiation uses) cannot hide there.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "model/seq2seq.h"
#include "seq2seq_test_util.h"

namespace rnnscope {
namespace {

// Float against double, relative to each tensor's largest magnitude: float keeps ~7 digits and
// the recurrence compounds rounding over a few steps, so 1e-4 is float agreement while a wrong
// term (a missing bias, a transposed block) is off by far more.
constexpr double kTolerance = 1e-4;

struct Case {
  std::string name;
  Seq2SeqConfig config;
};

Seq2SeqConfig Base() {
  Seq2SeqConfig c;
  c.encoder_cell = c.decoder_cell = CellKind::kGru;
  c.source_vocab = 9;
  c.target_vocab = 8;
  c.embed = 4;
  c.encoder_hidden = c.decoder_hidden = 5;
  c.attention_size = 4;
  c.attention = AttentionKind::kAdditive;
  return c;
}

// The decoder starts from the encoder's state: same cell and size, unidirectional.
Seq2SeqConfig Copy(Seq2SeqConfig c) {
  c.context = ContextMode::kCopy;
  c.decoder_layers = c.encoder_layers;
  return c;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&](const std::string& name, Seq2SeqConfig c) { cases.push_back({name, c}); };
  Seq2SeqConfig c = Base();
  c.attention_bias = true;
  add("attention_bias", c);
  add("copy_gru", Copy(Base()));
  c = Copy(Base());
  c.encoder_cell = c.decoder_cell = CellKind::kLstm;
  c.encoder_over_padding = true;  // an LSTM copy needs full-length sources
  add("copy_lstm_over_padding", c);
  c = Base();
  c.output_context = false;
  add("output_context_false", c);
  c = Base();
  c.context_first = true;
  c.context = ContextMode::kBoth;  // z fed as well: [a ; emb ; z] reordered to [a ; emb] + z
  add("context_first", c);
  c = Base();
  c.encoder_over_padding = true;
  c.bidirectional = true;
  add("encoder_over_padding_bi", c);
  c = Base();
  c.decoder_layers = 2;
  c.decoder_cell = CellKind::kLstm;
  add("decoder_layers_2_bridge", c);
  c = Base();
  c.encoder_layers = 2;
  c = Copy(c);
  add("decoder_layers_2_copy", c);
  // d2l "Bahdanau attention": context first, copy, 2 layers, additive attention without biases,
  // dense on the state only, unpacked encoder.
  c = Base();
  c.encoder_layers = 2;
  c = Copy(c);
  c.context_first = true;
  c.attention_bias = false;
  c.output_context = false;
  c.encoder_over_padding = true;
  add("d2l", c);
  // PyTorch tutorial (AttnDecoderRNN): E = He = Hd = A, biases, copy, state-only output, unpacked.
  c = Copy(Base());
  c.embed = c.attention_size = c.encoder_hidden;
  c.attention_bias = true;
  c.output_context = false;
  c.encoder_over_padding = true;
  add("tutorial", c);
  return cases;
}

// max |a − b| / max(max |b|, tiny), with the worst element's index for the message.
struct Diff {
  double relative = 0;
  double scale = 0;
  Eigen::Index at = 0;
};

Diff Compare(const MatF& f, const MatD& d) {
  Diff out;
  EXPECT_EQ(f.rows(), d.rows());
  EXPECT_EQ(f.cols(), d.cols());
  if (f.size() != d.size() || d.size() == 0) return out;
  out.scale = d.cwiseAbs().maxCoeff();
  const MatD err = (f.cast<double>() - d).cwiseAbs();
  Eigen::Index row = 0, col = 0;
  const double worst = err.maxCoeff(&row, &col);
  out.at = col * d.rows() + row;  // column-major linear index
  out.relative = worst / std::max(out.scale, 1e-30);
  return out;
}

class Seq2SeqFloatPath : public ::testing::TestWithParam<Case> {};

TEST_P(Seq2SeqFloatPath, FloatAgreesWithDouble) {
  const Seq2SeqConfig& config = GetParam().config;
  ASSERT_NO_THROW(config.Validate());
  Seq2SeqModel<double> md(config, 11);
  Seq2SeqModel<float> mf(config, 11);
  // The same weights: the double model's, rounded to float.
  std::vector<const MatD*> weights;
  md.params.ForEach([&](const std::string&, const MatD& w, bool) { weights.push_back(&w); });
  std::size_t k = 0;
  mf.params.ForEach([&](const std::string& name, MatF& w, bool) {
    ASSERT_LT(k, weights.size()) << name;
    ASSERT_EQ(w.rows(), weights[k]->rows()) << name;
    ASSERT_EQ(w.cols(), weights[k]->cols()) << name;
    w = weights[k++]->cast<float>();
  });
  ASSERT_EQ(k, weights.size());
  // The double reference runs on exactly the float weights.
  k = 0;
  std::vector<const MatF*> rounded;
  mf.params.ForEach([&](const std::string&, const MatF& w, bool) { rounded.push_back(&w); });
  md.params.ForEach([&](const std::string&, MatD& w, bool) { w = rounded[k++]->cast<double>(); });

  const Seq2SeqBatch batch = test::MixedLengthBatch(config, /*Ts=*/6, /*To=*/5, /*B=*/3, 23);
  Seq2SeqPass<double> pd;
  Seq2SeqPass<float> pf;
  const double loss_d = md.Forward(batch, 1.0f, nullptr, pd);
  const float loss_f = mf.Forward(batch, 1.0f, nullptr, pf);
  md.grads.SetZero();
  mf.grads.SetZero();
  md.Backward(batch, pd);
  mf.Backward(batch, pf);

  ASSERT_TRUE(std::isfinite(loss_d));
  const double loss_rel = std::abs(static_cast<double>(loss_f) - loss_d) / std::abs(loss_d);
  EXPECT_LT(loss_rel, kTolerance) << "loss float " << loss_f << " double " << loss_d;
  const Diff logits = Compare(pf.logits, pd.logits);
  EXPECT_LT(logits.relative, kTolerance) << "logits, element " << logits.at;

  std::vector<std::pair<std::string, const MatD*>> gd;
  md.grads.ForEach([&](const std::string& name, const MatD& g, bool) { gd.emplace_back(name, &g); });
  k = 0;
  std::string worst_name;
  double worst = 0;
  int nonzero = 0;
  mf.grads.ForEach([&](const std::string& name, const MatF& g, bool) {
    ASSERT_LT(k, gd.size());
    ASSERT_EQ(name, gd[k].first);
    const Diff d = Compare(g, *gd[k].second);
    ++k;
    if (d.scale == 0) return;  // a parameter this configuration does not use
    ++nonzero;
    EXPECT_LT(d.relative, kTolerance) << "gradient " << name << "[" << d.at << "] (max |g| " << d.scale << ")";
    if (d.relative > worst) worst = d.relative, worst_name = name;
  });
  EXPECT_EQ(k, gd.size());
  EXPECT_GT(nonzero, 5) << "the gradients are (nearly) all zero: nothing was compared";
  std::printf("  %-26s loss %.2e  logits %.2e  worst gradient %.2e (%s), %d gradients compared\n",
              GetParam().name.c_str(), loss_rel, logits.relative, worst, worst_name.c_str(), nonzero);
}

INSTANTIATE_TEST_SUITE_P(PublishedOptions, Seq2SeqFloatPath, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace rnnscope
