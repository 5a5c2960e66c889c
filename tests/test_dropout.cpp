// Dropout (model/dropout.h) in the char-level model: the masks (deterministic, the rate and the
// scale they apply), exact gradients through fixed masks (central differences in double, every
// parameter), the float path that trains against double, and PyTorch autograd given the same
// masks (tests/parity/dropout_parity.py; skipped without torch).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/dropout.h"
#include "model/model_io.h"
#include "model/classifier.h"
#include "model/rnn_model.h"
#include "model/tagger.h"

#include "token_batch_test_util.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

TokenBatch RandomBatch(int T, int B, int vocab, uint64_t seed) { return test::RandomTokenBatch(T, B, vocab, seed, 7, 5); }

ModelConfig Config(CellKind cell, int layers, bool bidirectional, int hidden = 4) {
  ModelConfig c;
  c.cell = cell;
  c.vocab = 5;
  c.embed = 3;
  c.hidden = hidden;
  c.layers = layers;
  c.bidirectional = bidirectional;
  return c;
}

TEST(DropoutMasks, SameSeedSameMasksAndTheRateAndScaleAsAsked) {
  const ModelConfig c = Config(CellKind::kLstm, 3, true, 64);
  const DropoutRates rates{0.1f, 0.25f, 0.5f};
  DropoutMasks<float> a, b, other;
  MakeDropoutMasks(c, rates, 64, 32, DropoutSeed(7, 100), a);
  MakeDropoutMasks(c, rates, 64, 32, DropoutSeed(7, 100), b);
  MakeDropoutMasks(c, rates, 64, 32, DropoutSeed(7, 101), other);
  EXPECT_EQ(a.embedding, b.embedding);
  EXPECT_EQ(a.output, b.output);
  ASSERT_EQ(a.between.size(), 3u);
  EXPECT_EQ(a.between[0].size(), 0);  // layer 0 reads the embedding, not a layer below
  EXPECT_EQ(a.between[2], b.between[2]);
  EXPECT_NE(a.output, other.output);  // the next step draws new masks
  EXPECT_NE(a.between[1], a.between[2]);
  auto check = [](const MatF& m, float p, Eigen::Index rows) {
    ASSERT_EQ(m.rows(), rows);
    ASSERT_EQ(m.cols(), 64 * 32);
    const float scale = 1.0f / (1.0f - p);
    Eigen::Index zeros = 0;
    for (Eigen::Index i = 0; i < m.size(); ++i) {
      if (m.data()[i] == 0.0f) ++zeros;
      else EXPECT_FLOAT_EQ(m.data()[i], scale);
    }
    const double n = static_cast<double>(m.size());
    // Binomial: 5 standard deviations.
    EXPECT_NEAR(zeros / n, p, 5 * std::sqrt(p * (1 - p) / n)) << "rate " << p;
    EXPECT_NEAR(m.mean(), 1.0, 0.02);  // inverted scaling keeps the expectation
  };
  check(a.embedding, 0.1f, 3);
  check(a.between[1], 0.25f, 128);
  check(a.output, 0.5f, 128);

  DropoutMasks<float> none;
  MakeDropoutMasks(c, DropoutRates{}, 8, 2, 1, none);
  EXPECT_EQ(none.embedding.size(), 0);
  EXPECT_EQ(none.output.size(), 0);
  EXPECT_EQ(none.Between(1), nullptr);
  ModelConfig onehot = c;
  onehot.embed = 0;
  MakeDropoutMasks(onehot, DropoutRates::All(0.5f), 8, 2, 1, none);
  EXPECT_EQ(none.embedding.size(), 0) << "one-hot input has no embedding to drop";
  EXPECT_THROW(MakeDropoutMasks(c, DropoutRates::All(1.0f), 8, 2, 1, none), ConfigError);
  EXPECT_THROW(MakeDropoutMasks(c, DropoutRates{-0.1f, 0, 0}, 8, 2, 1, none), ConfigError);
  EXPECT_THROW(MakeDropoutMasks(c, DropoutRates{0, NAN, 0}, 8, 2, 1, none), ConfigError);
}

TEST(DropoutMasks, NoMaskIsTheUndroppedModelAndAWrongShapeIsRefused) {
  const ModelConfig c = Config(CellKind::kGru, 2, false);
  RnnModel<double> model(c, 3);
  const TokenBatch batch = RandomBatch(5, 3, c.vocab, 4);
  ForwardPass<double> plain, empty_masks, dropped;
  const double base = model.Forward(batch, nullptr, plain);
  DropoutMasks<double> none;
  MakeDropoutMasks(c, DropoutRates{}, 5, 3, 9, none);
  EXPECT_EQ(model.Forward(batch, nullptr, empty_masks, &none), base);
  DropoutMasks<double> masks;
  MakeDropoutMasks(c, DropoutRates::All(0.5f), 5, 3, 9, masks);
  EXPECT_NE(model.Forward(batch, nullptr, dropped, &masks), base);
  DropoutMasks<double> wrong;
  MakeDropoutMasks(c, DropoutRates::All(0.5f), 4, 3, 9, wrong);
  EXPECT_THROW(model.Forward(batch, nullptr, dropped, &wrong), ShapeError);
}

struct Case {
  std::string name;
  ModelConfig config;
};
std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (CellKind cell : {CellKind::kLstm, CellKind::kGru, CellKind::kRnnTanh})
    for (bool bidir : {false, true})
      cases.push_back({std::string(CellName(cell)) + (bidir ? "_bi" : "_uni"), Config(cell, 2, bidir)});
  return cases;
}
class DropoutGradCheck : public ::testing::TestWithParam<Case> {};

// With the masks held fixed the loss is a smooth function of the weights: every element's
// gradient against a central difference.
TEST_P(DropoutGradCheck, EveryParameterMatchesFiniteDifferencesThroughFixedMasks) {
  const ModelConfig& c = GetParam().config;
  RnnModel<double> model(c, 7);
  const TokenBatch batch = RandomBatch(4, 2, c.vocab, 11);
  DropoutMasks<double> masks;
  MakeDropoutMasks(c, DropoutRates{0.3f, 0.4f, 0.5f}, 4, 2, 21, masks);
  ForwardPass<double> pass;
  model.Forward(batch, nullptr, pass, &masks);
  model.grads.SetZero();
  model.Backward(batch, pass);
  std::vector<const MatD*> grads;
  model.grads.ForEach([&](const std::string&, const MatD& g, bool) { grads.push_back(&g); });
  const double eps = 1e-6;
  std::size_t index = 0, checked = 0, nonzero = 0;
  model.params.ForEach([&](const std::string& name, MatD& w, bool) {
    const MatD& g = *grads[index++];
    for (Eigen::Index i = 0; i < w.size(); ++i) {
      const double saved = w.data()[i];
      ForwardPass<double> p;
      w.data()[i] = saved + eps;
      const double plus = model.Forward(batch, nullptr, p, &masks);
      w.data()[i] = saved - eps;
      const double minus = model.Forward(batch, nullptr, p, &masks);
      w.data()[i] = saved;
      const double numeric = (plus - minus) / (2 * eps);
      EXPECT_NEAR(g.data()[i], numeric, 1e-8 + 1e-5 * std::abs(numeric)) << name << "[" << i << "]";
      ++checked;
      if (std::abs(numeric) > 1e-9) ++nonzero;
    }
  });
  EXPECT_EQ(checked, model.params.ParameterCount());
  EXPECT_GT(nonzero, checked / 2);
}
INSTANTIATE_TEST_SUITE_P(Cells, DropoutGradCheck, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

// The tagger and the classifier (the sequence encoder's masks: embedding, between layers, on
// the top output before the readout) through fixed masks, on sequences of different lengths.
template <class Model, class Pass>
void CheckStructure(const StructureConfig& config, const std::string& name) {
  Model model(config, 9);
  SequenceBatch batch;
  batch.T = 5;
  batch.B = 3;
  batch.lengths = {5, 2, 4};
  std::mt19937_64 rng(3);
  for (int i = 0; i < batch.T * batch.B; ++i) batch.tokens.push_back(static_cast<int32_t>(rng() % config.rnn.vocab));
  const bool tagger = config.kind == StructureKind::kTagger;
  for (int t = 0; t < (tagger ? batch.T : 1); ++t)
    for (int b = 0; b < batch.B; ++b)
      batch.labels.push_back(tagger && t >= batch.lengths[static_cast<std::size_t>(b)]
                                 ? -1 : static_cast<int32_t>(rng() % config.classes));
  DropoutMasks<double> masks;
  MakeDropoutMasks(config.rnn, DropoutRates{0.3f, 0.4f, 0.5f}, batch.T, batch.B, 5, masks);
  Pass pass;
  const double dropped = model.Forward(batch, pass, &masks);
  Pass plain;
  EXPECT_NE(dropped, model.Forward(batch, plain)) << name << ": the masks changed nothing";
  model.grads.SetZero();
  model.Backward(batch, pass);
  std::vector<const MatD*> grads;
  model.grads.ForEach([&](const std::string&, const MatD& g, bool) { grads.push_back(&g); });
  std::size_t index = 0, checked = 0;
  const double eps = 1e-6;
  model.params.ForEach([&](const std::string& pname, MatD& w, bool) {
    const MatD& g = *grads[index++];
    for (Eigen::Index i = 0; i < w.size(); ++i) {
      const double saved = w.data()[i];
      Pass p;
      w.data()[i] = saved + eps;
      const double plus = model.Forward(batch, p, &masks);
      w.data()[i] = saved - eps;
      const double minus = model.Forward(batch, p, &masks);
      w.data()[i] = saved;
      const double numeric = (plus - minus) / (2 * eps);
      EXPECT_NEAR(g.data()[i], numeric, 1e-8 + 1e-5 * std::abs(numeric)) << name << " " << pname << "[" << i << "]";
      ++checked;
    }
  });
  EXPECT_EQ(checked, model.params.ParameterCount()) << name;
}

TEST(DropoutGradCheck, TaggerAndClassifierThroughFixedMasks) {
  for (CellKind cell : {CellKind::kLstm, CellKind::kGru}) {
    StructureConfig c;
    c.rnn = Config(cell, 2, true);
    c.classes = 3;
    c.kind = StructureKind::kTagger;
    CheckStructure<TaggerModel<double>, TaggerPass<double>>(c, std::string("tagger ") + std::string(CellName(cell)));
    c.kind = StructureKind::kClassifier;
    for (Readout r : {Readout::kLast, Readout::kMean}) {
      c.readout = r;
      CheckStructure<ClassifierModel<double>, ClassifierPass<double>>(
          c, "classifier " + std::string(CellName(cell)) + " " + ReadoutName(r));
    }
  }
}

// The float path (what trains) against double from the same weights and masks.
TEST(DropoutFloatPath, MatchesDouble) {
  for (const Case& k : Cases()) {
    ModelConfig c = k.config;
    c.hidden = 19;  // not a multiple of the SIMD width
    RnnModel<double> d(c, 5);
    RnnModel<float> f(c, 5);
    f.params.ForEach([&](const std::string& name, MatF& w, bool) {
      d.params.ForEach([&](const std::string& n2, MatD& wd, bool) {
        if (n2 == name) w = wd.cast<float>();
      });
    });
    const TokenBatch batch = RandomBatch(9, 4, c.vocab, 2);
    DropoutMasks<double> md;
    DropoutMasks<float> mf;
    MakeDropoutMasks(c, DropoutRates::All(0.35f), 9, 4, 77, md);
    MakeDropoutMasks(c, DropoutRates::All(0.35f), 9, 4, 77, mf);
    ForwardPass<double> pd;
    ForwardPass<float> pf;
    const double ld = d.Forward(batch, nullptr, pd, &md);
    const float lf = f.Forward(batch, nullptr, pf, &mf);
    EXPECT_NEAR(lf, ld, 1e-5 * std::abs(ld)) << k.name;
    d.grads.SetZero();
    f.grads.SetZero();
    d.Backward(batch, pd);
    f.Backward(batch, pf);
    std::vector<MatD> gd;
    d.grads.ForEach([&](const std::string&, const MatD& g, bool) { gd.push_back(g); });
    std::size_t i = 0;
    f.grads.ForEach([&](const std::string& name, const MatF& g, bool) {
      const MatD& ref = gd[i++];
      const double scale = std::max(1e-3, ref.cwiseAbs().maxCoeff());
      EXPECT_LT((g.cast<double>() - ref).cwiseAbs().maxCoeff() / scale, 1e-4) << k.name << " " << name;
    });
  }
}

// PyTorch autograd on the same weights with the same masks multiplied in where the
// word-language-model example drops: loss and every gradient.
TEST(DropoutParity, PyTorchGivenTheSameMasks) {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  const fs::path script = fs::path(RNNSCOPE_SOURCE_DIR) / "tests/parity/dropout_parity.py";
  double worst = 0;
  for (const Case& k : Cases()) {
    ModelConfig c = k.config;
    c.hidden = 6;
    c.vocab = 7;
    RnnModel<double> model(c, 13);
    const TokenBatch batch = RandomBatch(6, 3, c.vocab, 17);
    DropoutMasks<double> masks;
    MakeDropoutMasks(c, DropoutRates{0.2f, 0.3f, 0.4f}, 6, 3, 31, masks);
    ForwardPass<double> pass;
    const double loss = model.Forward(batch, nullptr, pass, &masks);
    model.grads.SetZero();
    model.Backward(batch, pass);

    const fs::path dir = fs::temp_directory_path() / ("rnnscope_dropout_" + k.name + "_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    TensorFile weights;
    SaveModelParams(model.params, weights, FloatDtype::kF64);
    weights.metadata = {{"cell", std::string(CellName(c.cell))},
                        {"layers", std::to_string(c.layers)},
                        {"bidirectional", c.bidirectional ? "1" : "0"}};
    WriteSafetensors(dir / "weights.safetensors", weights);
    TensorFile b;
    std::vector<int64_t> in(batch.input.size()), tg(batch.target.size());
    for (int bb = 0; bb < batch.B; ++bb)
      for (int t = 0; t < batch.T; ++t) {
        const std::size_t src = static_cast<std::size_t>(t * batch.B + bb), dst = static_cast<std::size_t>(bb * batch.T + t);
        in[dst] = batch.input[src];
        tg[dst] = batch.target[src] < 0 ? -100 : batch.target[src];
      }
    b.SetInt64("input_ids", {batch.B, batch.T}, in);
    b.SetInt64("target_ids", {batch.B, batch.T}, tg);
    WriteSafetensors(dir / "batch.safetensors", b);
    TensorFile m;
    m.SetMatrix("embedding", masks.embedding);
    m.SetMatrix("between_l1", masks.between[1]);
    m.SetMatrix("output", masks.output);
    WriteSafetensors(dir / "masks.safetensors", m);
    const std::string cmd = "/usr/bin/python3 " + script.string() + " " + dir.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const TensorFile expected = ReadSafetensors(dir / "expected.safetensors");
    const double torch_loss = expected.GetTensor<double>("loss").at(0);
    EXPECT_NEAR(loss, torch_loss, 1e-12 * std::abs(torch_loss)) << k.name;
    std::size_t compared = 0;
    model.grads.ForEach([&](const std::string& name, const MatD& g, bool) {
      const MatD ref = expected.GetMatrix<double>("grad." + name);
      ASSERT_EQ(ref.size(), g.size()) << name;
      const MatD ours = g.reshaped(ref.rows(), ref.cols());
      const double rel = (ours - ref).cwiseAbs().maxCoeff() / std::max(1e-12, ref.cwiseAbs().maxCoeff());
      worst = std::max(worst, rel);
      EXPECT_LT(rel, 1e-9) << k.name << " " << name;
      ++compared;
    });
    EXPECT_EQ(compared, expected.tensors.size() - 1);
    fs::remove_all(dir);
  }
  std::printf("worst relative difference against PyTorch with the same masks: %.3g\n", worst);
}

}  // namespace
}  // namespace rnnscope
