// Gradient contributions (model/gradient_contributions.h): G[t, t'] = ‖∂L_t/∂h_{t'}‖ (and the
// LSTM's ‖∂L_t/∂c_{t'}‖) against finite differences of L_t computed another way — a forward
// of the prefix up to t', the top layer's state perturbed, then a forward of the rest from that
// state — and against PyTorch autograd on the same weights (tests/parity/grad_contributions_parity.py).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/gradient_contributions.h"
#include "model/model_io.h"
#include "model/rnn_model.h"

#include "token_batch_test_util.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

TokenBatch RandomBatch(int T, int B, int vocab, uint64_t seed) { return test::RandomTokenBatch(T, B, vocab, seed, 7, 5); }

struct Case {
  std::string name;
  CellKind cell;
  int layers;
  int embed;
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (CellKind cell : {CellKind::kRnnTanh, CellKind::kGru, CellKind::kLstm})
    for (int layers : {1, 2})
      for (int embed : {0, 3})
        cases.push_back({std::string(CellName(cell)) + "_l" + std::to_string(layers) + (embed ? "_embed" : "_onehot"),
                         cell, layers, embed});
  return cases;
}

ModelConfig ConfigOf(const Case& k) {
  ModelConfig c;
  c.cell = k.cell;
  c.vocab = 5;
  c.embed = k.embed;
  c.hidden = 4;
  c.layers = k.layers;
  return c;
}

RnnModel<double> ModelOf(const Case& k, uint64_t seed) {
  RnnModel<double> model(ConfigOf(k), seed);
  // Larger recurrent weights than the default init, so gradients reach several steps back.
  for (auto& p : model.params.rnn) p.w_hh *= 2.5;
  return model;
}

// L_t as a function of the top layer's state (h, c) at t' ≤ t: the lower layers' states at t'
// come from `prefix` (a forward of the whole sequence, which does not depend on the top layer),
// then the tokens t'+1..t run from that state. t = t': fc on h directly.
double LossFromState(const RnnModel<double>& model, const TokenBatch& seq, const ForwardPass<double>& prefix,
                     int tp, int t, const Vec<double>& h, const Vec<double>* c) {
  const ModelConfig& cfg = model.config();
  const int target = seq.target[static_cast<std::size_t>(t)];
  if (t == tp) {
    const Vec<double> logits = model.params.fc_w * h + model.params.fc_b.col(0);
    const double m = logits.maxCoeff();
    return std::log((logits.array() - m).exp().sum()) + m - logits(target);
  }
  RecurrentState<double> init;
  for (int l = 0; l < cfg.layers; ++l) {
    const LayerCache<double>& k = prefix.layers[static_cast<std::size_t>(l)];
    const bool top = l == cfg.layers - 1;
    init.h.push_back(top ? MatD(h) : MatD(k.h.col(k.OutCol(tp))));
    if (HasCellState(cfg.cell)) init.c.push_back(top ? MatD(*c) : MatD(k.c.col(k.OutCol(tp))));
  }
  TokenBatch rest;
  rest.T = t - tp;
  rest.B = 1;
  rest.input.assign(seq.input.begin() + tp + 1, seq.input.begin() + t + 1);
  rest.target.assign(static_cast<std::size_t>(rest.T), -1);
  rest.target.back() = target;
  ForwardPass<double> pass;
  return model.Forward(rest, &init, pass);  // the mean over one counted position: L_t
}

TEST(GradientContributions, MatchFiniteDifferencesOfTheLossAtOnePosition) {
  const double eps = 1e-5;
  double worst = 0;
  for (const Case& k : Cases()) {
    const RnnModel<double> model = ModelOf(k, 3);
    const int T = 7, H = model.config().hidden;
    const TokenBatch seq = RandomBatch(T, 1, model.config().vocab, 5);
    const GradientContributions gc = ComputeGradientContributions(model, seq);
    ForwardPass<double> prefix;
    model.Forward(seq, nullptr, prefix);
    const LayerCache<double>& top = prefix.layers.back();
    const bool lstm = HasCellState(k.cell);
    ASSERT_EQ(gc.g_c.size(), lstm ? T * T : 0) << k.name;
    for (int t = 0; t < T; ++t) {
      const bool counted = seq.target[static_cast<std::size_t>(t)] >= 0;
      for (int tp = 0; tp < T; ++tp) {
        if (tp > t || !counted) {  // nothing flows back in time; no loss, no gradient
          EXPECT_EQ(gc.g(t, tp), 0.0) << k.name << " t=" << t << " t'=" << tp;
          EXPECT_EQ(gc.saliency(t, tp), 0.0) << k.name << " t=" << t << " t'=" << tp;
          continue;
        }
        const Vec<double> h = top.h.col(top.OutCol(tp));
        Vec<double> c = lstm ? Vec<double>(top.c.col(top.OutCol(tp))) : Vec<double>();
        Vec<double> dh(H), dc(H);
        for (int j = 0; j < H; ++j) {
          Vec<double> hp = h, hm = h;
          hp(j) += eps;
          hm(j) -= eps;
          dh(j) = (LossFromState(model, seq, prefix, tp, t, hp, lstm ? &c : nullptr) -
                   LossFromState(model, seq, prefix, tp, t, hm, lstm ? &c : nullptr)) / (2 * eps);
          if (lstm) {
            // c moved, h = o ⊙ tanh(c) following it (the o gate is the 4th block).
            const auto o = top.gates.block(3 * H, tp, H, 1).array();
            Vec<double> cp = c, cm = c;
            cp(j) += eps;
            cm(j) -= eps;
            const Vec<double> hcp = o * cp.array().tanh(), hcm = o * cm.array().tanh();
            dc(j) = (LossFromState(model, seq, prefix, tp, t, hcp, &cp) -
                     LossFromState(model, seq, prefix, tp, t, hcm, &cm)) / (2 * eps);
          }
        }
        const double rel = std::abs(gc.g(t, tp) - dh.norm()) / std::max(dh.norm(), 1e-8);
        worst = std::max(worst, rel);
        EXPECT_LT(rel, 1e-6) << k.name << " t=" << t << " t'=" << tp << " G=" << gc.g(t, tp) << " fd=" << dh.norm();
        EXPECT_GT(gc.saliency(t, tp), 0.0) << k.name;
        if (lstm) {
          const double rel_c = std::abs(gc.g_c(t, tp) - dc.norm()) / std::max(dc.norm(), 1e-8);
          worst = std::max(worst, rel_c);
          EXPECT_LT(rel_c, 1e-6) << k.name << " c t=" << t << " t'=" << tp;
        }
      }
    }
  }
  std::printf("worst relative difference against finite differences: %.3g\n", worst);
}

TEST(GradientContributions, OneSequenceOfABatchIsTheSequenceAlone) {
  const Case k{"gru", CellKind::kGru, 2, 3};
  const RnnModel<double> model = ModelOf(k, 8);
  const TokenBatch batch = RandomBatch(6, 3, model.config().vocab, 9);
  const TokenBatch one = SequenceOf(batch, 2);
  ASSERT_EQ(one.B, 1);
  for (int t = 0; t < 6; ++t) EXPECT_EQ(one.input[static_cast<std::size_t>(t)], batch.input[static_cast<std::size_t>(t * 3 + 2)]);
  EXPECT_THROW(ComputeGradientContributions(model, batch), ShapeError);
}

TEST(GradientContributions, PyTorchAutogradOnTheSameWeights) {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  const fs::path script = fs::path(RNNSCOPE_SOURCE_DIR) / "tests/parity/grad_contributions_parity.py";
  double worst = 0;
  for (const Case& k : Cases()) {
    const RnnModel<double> model = ModelOf(k, 21);
    const TokenBatch batch = RandomBatch(6, 2, model.config().vocab, 23);
    const fs::path dir = fs::temp_directory_path() / ("rnnscope_gradcontrib_" + k.name + "_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    TensorFile weights;
    weights.source = "weights";
    SaveModelParams(model.params, weights, FloatDtype::kF64);
    weights.metadata = {{"cell", std::string(CellName(k.cell))}, {"layers", std::to_string(k.layers)}};
    WriteSafetensors(dir / "weights.safetensors", weights);
    TensorFile b;
    b.source = "batch";
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
    // Ours through the file path `rnnscope trace --grad-contributions` takes.
    TensorFile ours;
    PutGradientContributions(weights, b, k.cell, FloatDtype::kF64, ours);
    const std::string cmd = "/usr/bin/python3 " + script.string() + " " + dir.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const TensorFile expected = ReadSafetensors(dir / "expected.safetensors");
    std::vector<std::string> names = {"grad_contributions", "input_saliency"};
    if (HasCellState(k.cell)) names.push_back("grad_contributions_c");
    EXPECT_EQ(ours.tensors.size(), names.size()) << k.name;
    for (const std::string& name : names) {
      const std::vector<double> ref = expected.GetTensor<double>(name), got = ours.GetTensor<double>(name);
      ASSERT_EQ(ref.size(), got.size()) << k.name << " " << name;
      ASSERT_EQ(got.size(), static_cast<std::size_t>(batch.B * batch.T * batch.T));
      double scale = 0;
      for (double v : ref) scale = std::max(scale, std::abs(v));
      ASSERT_GT(scale, 0) << k.name << " " << name;
      for (std::size_t i = 0; i < ref.size(); ++i) {
        // Relative per entry, with a floor far below the row's scale for the vanished ones.
        const double rel = std::abs(got[i] - ref[i]) / std::max(std::abs(ref[i]), 1e-6 * scale);
        worst = std::max(worst, rel);
        EXPECT_LT(rel, 1e-8) << k.name << " " << name << " [" << i << "] ours " << got[i] << " torch " << ref[i];
      }
    }
    fs::remove_all(dir);
  }
  std::printf("worst relative difference against PyTorch autograd: %.3g\n", worst);
}

}  // namespace
}  // namespace rnnscope
