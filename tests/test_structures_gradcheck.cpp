// Finite-difference gradient checks in double for the three single-network structure types:
// the N→N tagger's per-token loss, the N→1 classifier's two readouts (last state, mean of
// states), and the 1→N generator conditioned at the first step or at every step — each over
// uni- and bidirectional, stacked and every cell, on batches of mixed lengths (padding).
// Also: padding does not leak (a sequence scores the same alone as in a padded batch).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "core/rng.h"
#include "model/classifier.h"
#include "model/generator.h"
#include "model/tagger.h"

namespace rnnscope {
namespace {

constexpr int kVocab = 7, kClasses = 4;

// Lengths {T, T-2, 1, ...}; tokens 1..V-1 (0 is padding); labels -1 at padding.
SequenceBatch MixedBatch(int T, int B, bool per_token, uint64_t seed) {
  Rng rng(seed);
  SequenceBatch batch;
  batch.T = T;
  batch.B = B;
  batch.tokens.assign(static_cast<std::size_t>(T * B), 0);
  batch.labels.assign(static_cast<std::size_t>(per_token ? T * B : B), -1);
  for (int b = 0; b < B; ++b) {
    const int len = std::max(1, T - 2 * b);
    batch.lengths.push_back(len);
    for (int t = 0; t < len; ++t) {
      batch.tokens[static_cast<std::size_t>(t * B + b)] = 1 + static_cast<int32_t>(rng.UniformInt(kVocab - 1));
      if (per_token) batch.labels[static_cast<std::size_t>(t * B + b)] = static_cast<int32_t>(rng.UniformInt(kClasses));
    }
    if (!per_token) batch.labels[static_cast<std::size_t>(b)] = static_cast<int32_t>(rng.UniformInt(kClasses));
  }
  return batch;
}

GenerationBatch MixedGeneration(int T, int B, uint64_t seed) {
  Rng rng(seed);
  GenerationBatch batch;
  batch.T = T;
  batch.B = B;
  batch.target.assign(static_cast<std::size_t>(T * B), -1);
  for (int b = 0; b < B; ++b) {
    batch.classes.push_back(static_cast<int32_t>(rng.UniformInt(kClasses)));
    const int n = std::max(1, T - b);
    for (int t = 0; t < n - 1; ++t)
      batch.target[static_cast<std::size_t>(t * B + b)] = 3 + static_cast<int32_t>(rng.UniformInt(kVocab - 3));
    batch.target[static_cast<std::size_t>((n - 1) * B + b)] = kGeneratorEos;
  }
  return batch;
}

struct Case {
  std::string name;
  StructureConfig config;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

StructureConfig Base(StructureKind kind, CellKind cell) {
  StructureConfig c;
  c.kind = kind;
  c.rnn.cell = cell;
  c.rnn.vocab = kVocab;
  c.rnn.embed = 3;
  c.rnn.hidden = 3;
  c.classes = kClasses;
  return c;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  const CellKind cells[] = {CellKind::kLstm, CellKind::kGru, CellKind::kRnnTanh, CellKind::kJordan};
  for (CellKind cell : cells) {
    const std::string cn(CellName(cell));
    for (bool bi : {false, true}) {
      if (bi && cell == CellKind::kJordan) continue;
      const std::string dn = bi ? "_bi" : "";
      StructureConfig t = Base(StructureKind::kTagger, cell);
      t.rnn.bidirectional = bi;
      cases.push_back({"tagger_" + cn + dn, t});
      for (Readout r : {Readout::kLast, Readout::kMean}) {
        StructureConfig c = Base(StructureKind::kClassifier, cell);
        c.rnn.bidirectional = bi;
        c.readout = r;
        cases.push_back({"classifier_" + ReadoutName(r) + "_" + cn + dn, c});
      }
    }
    for (Condition k : {Condition::kFirst, Condition::kEvery}) {
      StructureConfig g = Base(StructureKind::kGenerator, cell);
      g.condition = k;
      cases.push_back({"generator_" + ConditionName(k) + "_" + cn, g});
    }
  }
  // Stacked: the gradient crosses layers (and the permuted reverse direction between them).
  StructureConfig t2 = Base(StructureKind::kTagger, CellKind::kLstm);
  t2.rnn.layers = 2, t2.rnn.bidirectional = true;
  cases.push_back({"tagger_lstm_bi_L2", t2});
  StructureConfig c2 = Base(StructureKind::kClassifier, CellKind::kGru);
  c2.rnn.layers = 2, c2.rnn.bidirectional = true, c2.readout = Readout::kMean;
  cases.push_back({"classifier_mean_gru_bi_L2", c2});
  StructureConfig c3 = c2;
  c3.readout = Readout::kLast;
  cases.push_back({"classifier_last_gru_bi_L2", c3});
  StructureConfig g2 = Base(StructureKind::kGenerator, CellKind::kLstm);
  g2.rnn.layers = 2, g2.condition = Condition::kEvery;
  cases.push_back({"generator_every_lstm_L2", g2});
  return cases;
}

// Analytic gradients (after `backward`) against central differences of `loss` for every
// parameter element.
void CheckAll(ModelParams<double>& params, const ModelParams<double>& grads, const std::function<double()>& loss,
              const std::string& label) {
  std::vector<const MatD*> g_list;
  grads.ForEach([&](const std::string&, const MatD& g, bool) { g_list.push_back(&g); });
  std::size_t index = 0, checked = 0;
  double largest = 0;
  const double eps = 1e-6;
  params.ForEach([&](const std::string& name, MatD& w, bool) {
    const MatD& g = *g_list[index++];
    ASSERT_EQ(g.rows(), w.rows()) << name;
    ASSERT_EQ(g.cols(), w.cols()) << name;
    for (Eigen::Index i = 0; i < w.size(); ++i) {
      const double saved = w.data()[i];
      w.data()[i] = saved + eps;
      const double plus = loss();
      w.data()[i] = saved - eps;
      const double minus = loss();
      w.data()[i] = saved;
      const double numeric = (plus - minus) / (2 * eps);
      largest = std::max(largest, std::abs(numeric));
      EXPECT_NEAR(g.data()[i], numeric, 1e-7 + 1e-5 * std::abs(numeric)) << name << "[" << i << "] in " << label;
      ++checked;
    }
  });
  EXPECT_EQ(checked, params.ParameterCount());
  EXPECT_GT(largest, 1e-3) << "the loss does not depend on the parameters: the check would be vacuous";
}

class StructureGradCheck : public ::testing::TestWithParam<Case> {};

TEST_P(StructureGradCheck, EveryParameterMatchesFiniteDifferences) {
  const StructureConfig& config = GetParam().config;
  switch (config.kind) {
    case StructureKind::kTagger: {
      TaggerModel<double> model(config, 3);
      const SequenceBatch batch = MixedBatch(5, 3, true, 11);
      TaggerPass<double> pass;
      model.Forward(batch, pass);
      model.grads.SetZero();
      model.Backward(batch, pass);
      CheckAll(model.params, model.grads, [&] { TaggerPass<double> p; return model.Forward(batch, p); }, GetParam().name);
      break;
    }
    case StructureKind::kClassifier: {
      ClassifierModel<double> model(config, 3);
      const SequenceBatch batch = MixedBatch(5, 3, false, 12);
      ClassifierPass<double> pass;
      model.Forward(batch, pass);
      model.grads.SetZero();
      model.Backward(batch, pass);
      CheckAll(model.params, model.grads, [&] { ClassifierPass<double> p; return model.Forward(batch, p); }, GetParam().name);
      break;
    }
    case StructureKind::kGenerator: {
      GeneratorModel<double> model(config, 3);
      const GenerationBatch batch = MixedGeneration(5, 3, 13);
      GeneratorPass<double> pass;
      model.Forward(batch, pass);
      model.grads.SetZero();
      model.Backward(batch, pass);
      CheckAll(model.params, model.grads, [&] { GeneratorPass<double> p; return model.Forward(batch, p); }, GetParam().name);
      break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllVariants, StructureGradCheck, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

// A sequence's outputs are the same alone as padded in a batch beside a longer one.
TEST(Structures, PaddingDoesNotLeakBidirectional) {
  StructureConfig tc = Base(StructureKind::kTagger, CellKind::kGru);
  tc.rnn.bidirectional = true;
  tc.rnn.layers = 2;
  TaggerModel<double> tagger(tc, 5);
  const SequenceBatch batch = MixedBatch(6, 3, true, 21);  // lengths 6, 4, 2
  TaggerPass<double> pass;
  tagger.Forward(batch, pass);
  SequenceBatch alone;
  alone.T = 4, alone.B = 1, alone.lengths = {4};
  for (int t = 0; t < 4; ++t) {
    alone.tokens.push_back(batch.tokens[static_cast<std::size_t>(t * 3 + 1)]);
    alone.labels.push_back(batch.labels[static_cast<std::size_t>(t * 3 + 1)]);
  }
  TaggerPass<double> single;
  tagger.Forward(alone, single);
  for (int t = 0; t < 4; ++t)
    EXPECT_LT((pass.logits.col(t * 3 + 1) - single.logits.col(t)).norm(), 1e-12) << "t=" << t;

  StructureConfig cc = tc;
  cc.kind = StructureKind::kClassifier;
  for (Readout r : {Readout::kLast, Readout::kMean}) {
    cc.readout = r;
    ClassifierModel<double> cls(cc, 5);
    SequenceBatch cb = batch, ca = alone;
    cb.labels = {0, 1, 2};
    ca.labels = {1};
    ClassifierPass<double> p1, p2;
    cls.Forward(cb, p1);
    cls.Forward(ca, p2);
    EXPECT_LT((p1.logits.col(1) - p2.logits.col(0)).norm(), 1e-12) << ReadoutName(r);
  }
}

// The two readouts are different functions (mean is not last in disguise), and the generator's
// two conditionings differ after step 0 but agree at step 0.
TEST(Structures, VariantsDiffer) {
  StructureConfig cc = Base(StructureKind::kClassifier, CellKind::kLstm);
  const SequenceBatch batch = MixedBatch(5, 2, false, 31);
  ClassifierModel<double> last(cc, 9);
  cc.readout = Readout::kMean;
  ClassifierModel<double> mean(cc, 9);
  ClassifierPass<double> pl, pm;
  last.Forward(batch, pl);
  mean.Forward(batch, pm);
  EXPECT_GT((pl.readout - pm.readout).norm(), 1e-3);

  StructureConfig gc = Base(StructureKind::kGenerator, CellKind::kGru);
  GeneratorModel<double> first(gc, 4);
  gc.condition = Condition::kEvery;
  GeneratorModel<double> every(gc, 4);
  const GenerationBatch gb = MixedGeneration(4, 2, 41);
  GeneratorPass<double> pf, pe;
  first.Forward(gb, pf);
  every.Forward(gb, pe);
  EXPECT_LT((pf.logits.leftCols(2) - pe.logits.leftCols(2)).norm(), 1e-12);
  EXPECT_GT((pf.logits.rightCols(2) - pe.logits.rightCols(2)).norm(), 1e-4);
}

// Greedy decoding reproduces the teacher-forced pass when fed its own output.
TEST(Structures, GreedyMatchesTeacherForcedOnItsOwnOutput) {
  for (Condition k : {Condition::kFirst, Condition::kEvery}) {
    StructureConfig gc = Base(StructureKind::kGenerator, CellKind::kLstm);
    gc.condition = k;
    gc.rnn.layers = 2;
    GeneratorModel<double> model(gc, 8);
    std::vector<std::vector<int32_t>> out;
    model.Greedy({2}, 6, out);
    ASSERT_FALSE(out[0].empty());
    GenerationBatch b;
    b.T = static_cast<int>(out[0].size());
    b.B = 1;
    b.classes = {2};
    b.target = out[0];
    GeneratorPass<double> pass;
    model.Forward(b, pass);
    for (int t = 0; t < b.T; ++t) {
      Eigen::Index arg = 0;
      pass.logits.col(t).maxCoeff(&arg);
      EXPECT_EQ(arg, out[0][static_cast<std::size_t>(t)]) << "t=" << t << " " << ConditionName(k);
    }
  }
}

}  // namespace
}  // namespace rnnscope
