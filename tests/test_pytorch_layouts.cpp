// Published PyTorch layouts (model/pytorch_layout.h) against PyTorch itself: the generator
// tests/parity/make_layout_goldens.py rebuilds word_language_model's RNNModel (LSTM, GRU,
// RNN_TANH, RNN_RELU, tied), d2l's one-hot RNNModel, a DDP-prefixed model, a custom-named one
// a 13-word → 4-tag tagger and two N→1 classifiers (fc(output[:, -1]) and, bidirectional LSTM,
// fc(output.mean(dim=1)): --readout last|mean), and writes their state_dicts, a batch and autograd's answers.
//   Goldens/*        the committed goldens (no torch needed): layout detected, logits, loss and
//                    every gradient under the file's own names to 1e-5 relative, round trip
//   LiveGenerator    the generator run now with a new seed and random sizes; skipped without torch
//   BadInput         ambiguity, no layout, contradicting shapes, --map, --cell, --layout
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/model_io.h"
#include "model/pytorch_layout.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

const fs::path kGoldens = fs::path(RNNSCOPE_SOURCE_DIR) / "tests/parity/layout_goldens";
const fs::path kGenerator = fs::path(RNNSCOPE_SOURCE_DIR) / "tests/parity/make_layout_goldens.py";

// Max relative error with a floor of 1e-6 × the tensor's scale (as test_pytorch_parity.cpp) and
// of 1e-12: a gradient PyTorch computes as exactly zero (a reverse direction whose only counted
// step is its first, h0 = 0) is ~1e-17 rounding noise here.
double RelDiff(const std::vector<double>& a, const std::vector<double>& e) {
  double scale = 0, worst = 0;
  for (double v : e) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double rel = std::abs(a[i] - e[i]) / (std::abs(e[i]) + std::max(1e-6 * scale, 1e-12));
    worst = std::max(worst, std::isfinite(rel) ? rel : INFINITY);
  }
  return worst;
}

double Check(const TensorFile& ours, const std::string& name, const TensorFile& golden,
             const std::string& golden_name) {
  std::vector<int64_t> s1, s2;
  const std::vector<double> a = ours.GetTensor<double>(name, &s1);
  const std::vector<double> e = golden.GetTensor<double>(golden_name, &s2);
  EXPECT_EQ(s1, s2) << name;
  if (s1 != s2) return INFINITY;
  const double d = RelDiff(a, e);
  EXPECT_LE(d, 1e-5) << name;
  return d;
}

// One case: layout, forward logits, loss, every gradient, round trip. Returns the worst diff.
double CheckCase(const fs::path& dir) {
  SCOPED_TRACE(dir.filename().string());
  const TensorFile weights = ReadSafetensors(dir / "weights.safetensors");
  const TensorFile batch = ReadSafetensors(dir / "batch.safetensors");
  const TensorFile expected = ReadSafetensors(dir / "expected.safetensors");
  LayoutOptions options;
  if (!expected.metadata.at("cell_flag").empty())
    options.cell = ParseCellKind(expected.metadata.at("cell_flag"));
  const PyTorchLayout layout = ResolveLayout(weights, options);
  EXPECT_EQ(layout.name, expected.metadata.at("layout"));
  EXPECT_EQ(layout.tied, dir.filename().string().find("tied") != std::string::npos);

  const auto readout_flag = expected.metadata.find("readout");  // goldens older than --readout have none
  const bool classifier = readout_flag != expected.metadata.end() && !readout_flag->second.empty();
  const Readout readout = classifier ? ParseReadout(readout_flag->second) : Readout::kLast;
  EXPECT_EQ(IsClassifierBatch(batch), classifier);

  const TensorFile canonical = ToCanonical(weights, layout);
  const TensorFile grads =
      GradientsToFile(ComputeGradients(canonical, batch, layout.cell, FloatDtype::kF64, readout), layout);
  const TensorFile trace = ComputeTrace(canonical, batch, layout.cell, FloatDtype::kF64, readout);
  // A classifier's trace: the readout's logits [B, K] and its loss, as PyTorch computes them.
  double worst = std::max({Check(grads, "loss", expected, "loss"), Check(trace, "logits", expected, "logits"),
                           Check(trace, "loss", expected, "loss")});
  if (classifier) EXPECT_EQ(trace.metadata.at("readout"), readout_flag->second);
  std::size_t n_grads = 0;
  for (const auto& [name, t] : weights.tensors) {
    EXPECT_TRUE(grads.Has(name)) << "no gradient under the file's own name " << name;
    if (!grads.Has(name)) continue;
    worst = std::max(worst, Check(grads, name, expected, "grad." + name));
    ++n_grads;
  }
  EXPECT_EQ(n_grads + 1, grads.tensors.size()) << "gradients under names the file does not have";

  // Round trip: the canonical model written back in the file's layout is the same file.
  const TensorFile back = FromCanonical(canonical, layout);
  EXPECT_EQ(back.tensors.size(), weights.tensors.size());
  for (const auto& [name, t] : weights.tensors) {
    EXPECT_TRUE(back.Has(name)) << name;
    if (!back.Has(name)) continue;
    EXPECT_EQ(back.Get(name).shape, t.shape) << name;
    EXPECT_TRUE(back.Get(name).bytes == t.bytes) << name;
  }
  std::printf("  %-20s %-20s %-9s worst rel diff %.2e\n", dir.filename().c_str(), layout.name.c_str(),
              std::string(CellName(layout.cell)).c_str(), worst);
  return worst;
}

std::vector<fs::path> Cases(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Goldens, EveryLayoutMatchesPyTorch) {
  const std::vector<fs::path> cases = Cases(kGoldens);
  ASSERT_EQ(cases.size(), 13u) << "regenerate with tests/parity/make_layout_goldens.py";
  for (const fs::path& c : cases) CheckCase(c);
}

TEST(Goldens, ReportSaysWhatMatchedWhat) {
  const PyTorchLayout wlm = ResolveLayout(ReadSafetensors(kGoldens / "wlm_lstm/weights.safetensors"));
  std::string report;
  for (const std::string& line : wlm.report) report += line + "\n";
  EXPECT_NE(report.find("encoder.weight → embedding ("), std::string::npos) << report;
  EXPECT_NE(report.find("rnn.* → lstm 2 layers H="), std::string::npos) << report;
  EXPECT_NE(report.find("decoder.* → output layer ("), std::string::npos) << report;

  const PyTorchLayout tanh = ResolveLayout(ReadSafetensors(kGoldens / "wlm_rnn_tanh/weights.safetensors"));
  EXPECT_EQ(tanh.cell, CellKind::kRnnTanh);
  bool assumed = false;
  for (const std::string& line : tanh.report)
    assumed = assumed || line.find("assumed tanh (nn.RNN's default); pass --cell rnn_relu") != std::string::npos;
  EXPECT_TRUE(assumed);

  const PyTorchLayout ddp = ResolveLayout(ReadSafetensors(kGoldens / "ddp_wlm_lstm/weights.safetensors"));
  EXPECT_EQ(ddp.wrapper, "module.");
  EXPECT_EQ(ddp.FileName("rnn.weight_hh_l0"), "module.rnn.weight_hh_l0");
  EXPECT_EQ(ddp.FileName("embedding.weight"), "module.encoder.weight");

  const PyTorchLayout tagger = ResolveLayout(ReadSafetensors(kGoldens / "tagger_lstm_bi/weights.safetensors"));
  const ModelConfig c = InferModelConfig(ToCanonical(ReadSafetensors(kGoldens / "tagger_lstm_bi/weights.safetensors"), tagger), tagger.cell);
  EXPECT_EQ(c.vocab, 13);
  EXPECT_EQ(c.Classes(), 4);
}

TEST(LiveGenerator, UnseenSizesMatchPyTorch) {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import torch; the committed goldens still ran";
  const fs::path dir = fs::temp_directory_path() / ("rnnscope_layouts_" + std::to_string(::getpid()));
  const unsigned seed = static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count() % 100000);
  const std::string cmd = "/usr/bin/python3 " + kGenerator.string() + " --random --seed " +
                          std::to_string(seed) + " --out " + dir.string() + " >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (const fs::path& c : Cases(dir)) CheckCase(c);
  fs::remove_all(dir);
}

// The real executable: report on stdout, gradients under the DDP file's own names.
TEST(Binary, GradPrintsTheMatchAndWritesTheFilesNames) {
  const fs::path binary = fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope";
  if (!fs::exists(binary)) GTEST_SKIP() << binary << " not built";
  const fs::path dir = kGoldens / "ddp_wlm_lstm";
  const fs::path out = fs::temp_directory_path() / ("rnnscope_layout_grad_" + std::to_string(::getpid()));
  const std::string cmd = binary.string() + " grad --dtype f64 --weights " + (dir / "weights.safetensors").string() +
                          " --batch " + (dir / "batch.safetensors").string() + " --out " +
                          (out / "g.safetensors").string() + " > " + (out / "stdout.txt").string();
  fs::create_directories(out);
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(out / "stdout.txt");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("module.encoder.weight → embedding ("), std::string::npos) << text;
  EXPECT_NE(text.find("module.rnn.* → lstm"), std::string::npos) << text;
  EXPECT_NE(text.find("prefix 'module.' stripped (DistributedDataParallel)"), std::string::npos) << text;
  const TensorFile grads = ReadSafetensors(out / "g.safetensors");
  const TensorFile expected = ReadSafetensors(dir / "expected.safetensors");
  const TensorFile weights = ReadSafetensors(dir / "weights.safetensors");
  for (const auto& [name, t] : weights.tensors) Check(grads, name, expected, "grad." + name);
  Check(grads, "loss", expected, "loss");
  fs::remove_all(out);
}

// `rnnscope trace --readout mean` on the bidirectional classifier: logits [B, K] and loss as PyTorch.
TEST(Binary, TraceReadoutMeanWritesTheClassifiersLogits) {
  const fs::path binary = fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope";
  if (!fs::exists(binary)) GTEST_SKIP() << binary << " not built";
  const fs::path dir = kGoldens / "classifier_lstm_bi_mean";
  const fs::path out = fs::temp_directory_path() / ("rnnscope_layout_trace_" + std::to_string(::getpid()));
  fs::create_directories(out);
  const std::string cmd = binary.string() + " trace --readout mean --dtype f64 --weights " +
                          (dir / "weights.safetensors").string() + " --batch " + (dir / "batch.safetensors").string() +
                          " --out " + (out / "t.safetensors").string() + " > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const TensorFile trace = ReadSafetensors(out / "t.safetensors");
  const TensorFile expected = ReadSafetensors(dir / "expected.safetensors");
  EXPECT_EQ(trace.Get("logits").shape.size(), 2u);
  Check(trace, "logits", expected, "logits");
  Check(trace, "loss", expected, "loss");
  EXPECT_FALSE(trace.Has("trace.l0.grad_h_norm")) << "gradient norms follow the last-step readout only";
  fs::remove_all(out);
}

// ---------------------------------------------------------------- bad input
NamedTensor F32(std::vector<int64_t> shape) {
  NamedTensor t;
  t.dtype = "F32";
  t.shape = shape;
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  t.bytes.assign(static_cast<std::size_t>(n * 4), 0);
  return t;
}

// A 1-layer GRU (hidden 4, embed 3, vocab 6) under the given module names.
TensorFile Gru(const std::string& emb, const std::string& rnn, const std::string& out) {
  TensorFile f;
  f.source = "w.safetensors";
  if (!emb.empty()) f.tensors[emb + ".weight"] = F32({6, 3});
  f.tensors[rnn + ".weight_ih_l0"] = F32({12, emb.empty() ? 6 : 3});
  f.tensors[rnn + ".weight_hh_l0"] = F32({12, 4});
  f.tensors[rnn + ".bias_ih_l0"] = F32({12});
  f.tensors[rnn + ".bias_hh_l0"] = F32({12});
  f.tensors[out + ".weight"] = F32({6, 4});
  f.tensors[out + ".bias"] = F32({6});
  return f;
}

template <class E, class F>
void ExpectError(F f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const E& e) {
    for (const std::string& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "'" << p << "' not in: " << e.what();
  }
}

TEST(BadInput, MessagesNameTheTensorsAndTheExpectation) {
  // Two recurrent modules.
  TensorFile two = Gru("embedding", "rnn", "fc");
  two.tensors["rnn2.weight_ih_l0"] = F32({12, 3});
  ExpectError<InputError>([&] { ResolveLayout(two); },
                          {"w.safetensors", "ambiguous recurrent module", "rnn.weight_ih_l0", "rnn2.weight_ih_l0"});
  // No recurrent module at all.
  TensorFile none;
  none.source = "w.safetensors";
  none.tensors["fc.weight"] = F32({3, 3});
  ExpectError<InputError>([&] { ResolveLayout(none); }, {"no recurrent module", "fc.weight", "expected one of"});
  // Output layer of the wrong width contradicts weight_hh.
  TensorFile wide = Gru("embedding", "rnn", "fc");
  wide.tensors["fc.weight"] = F32({6, 5});
  ExpectError<ShapeError>([&] { ResolveLayout(wide); }, {"'fc.weight' [6, 5]", "'rnn.weight_hh_l0' [12, 4]", "= 4"});
  // Embedding width contradicts weight_ih.
  TensorFile emb = Gru("embedding", "rnn", "fc");
  emb.tensors["embedding.weight"] = F32({6, 5});
  ExpectError<ShapeError>([&] { ResolveLayout(emb); }, {"'embedding.weight' [6, 5]", "'rnn.weight_ih_l0' [12, 3]"});
  // A stray tensor.
  TensorFile stray = Gru("embedding", "rnn", "fc");
  stray.tensors["norm.bias"] = F32({4});
  ExpectError<InputError>([&] { ResolveLayout(stray); }, {"unexpected tensor norm.bias", "output layer 'fc'"});
  // --cell contradicting the gate count.
  LayoutOptions lstm;
  lstm.cell = CellKind::kLstm;
  ExpectError<ShapeError>(
      [&] {
        const TensorFile f = Gru("embedding", "rnn", "fc");
        const PyTorchLayout l = ResolveLayout(f, lstm);
        InferModelConfig(ToCanonical(f, l), l.cell);
      },
      {"rnn.weight_hh_l0", "[12, 4]", "lstm"});
  // --map naming nothing, --layout not matching.
  LayoutOptions map;
  map.map = {{"lstm", "rnn"}};
  ExpectError<InputError>([&] { ResolveLayout(Gru("embedding", "rnn", "fc"), map); },
                          {"--map lstm=rnn", "no tensor or module 'lstm'", "rnn.bias_hh_l0"});
  LayoutOptions d2l;
  d2l.layout = "d2l";
  ExpectError<InputError>([&] { ResolveLayout(Gru("embedding", "rnn", "fc"), d2l); },
                          {"--layout d2l expects", "are rnnscope"});
  ExpectError<ConfigError>([] { ParseMapFlag("lstm"); }, {"expected old=new"});
  ExpectError<ConfigError>([] { ParseLayoutName("keras"); }, {"unknown --layout 'keras'"});
}

TEST(BadInput, ClassifierLabels) {
  TensorFile b;
  b.source = "b.safetensors";
  b.SetInt64("input_ids", {2, 3}, {0, 1, 2, 3, 4, 5});
  b.SetInt64("label", {3}, {0, 1, 2});
  ExpectError<ShapeError>([&] { LoadTokenBatch(b, 6, true, 3); },
                          {"b.safetensors", "'label' has shape [3]", "expected [batch] = [2]"});
  b.SetInt64("label", {2}, {0, 3});
  ExpectError<InputError>([&] { LoadTokenBatch(b, 6, true, 3); }, {"label[1, 2] = 3", "output classes [0, 3)"});
  b.SetInt64("label", {2}, {2, 1});
  const TokenBatch ok = LoadTokenBatch(b, 6, true, 3);
  // Time-major t*B + b: only the last step (t = 2) carries the labels.
  EXPECT_EQ(ok.target, (std::vector<int32_t>{-1, -1, -1, -1, 2, 1}));
}

// --readout mean reads one label per sequence through an embedding; anything else is refused.
TEST(BadInput, MeanReadout) {
  const TensorFile weights = ReadSafetensors(kGoldens / "classifier_lstm_bi_mean/weights.safetensors");
  const PyTorchLayout layout = ResolveLayout(weights);
  const TensorFile canonical = ToCanonical(weights, layout);
  TensorFile b;
  b.source = "b.safetensors";
  b.SetInt64("input_ids", {1, 2}, {0, 1});
  b.SetInt64("target_ids", {1, 2}, {0, 1});
  ExpectError<InputError>([&] { ComputeGradients(canonical, b, layout.cell, FloatDtype::kF64, Readout::kMean); },
                          {"b.safetensors", "--readout mean", "expected 'label' [batch]"});
  TensorFile onehot = Gru("", "rnn", "fc");
  b.tensors.erase("target_ids");
  b.SetInt64("label", {1}, {3});
  ExpectError<InputError>([&] { ComputeTrace(ToCanonical(onehot, ResolveLayout(onehot)), b, CellKind::kGru,
                                             FloatDtype::kF64, Readout::kMean); },
                          {"w.safetensors", "--readout mean needs a model with an embedding"});
  ExpectError<ConfigError>([] { ParseReadout("max"); }, {"readout 'max' unknown"});
}

TEST(Map, RenamesModulesAndTensors) {
  // Two linear pairs of the right width are ambiguous until --map names the output layer.
  TensorFile f = Gru("", "enc", "proj");
  f.tensors["aux.weight"] = F32({6, 4});
  f.tensors["aux.bias"] = F32({6});
  ExpectError<InputError>([&] { ResolveLayout(f); }, {"ambiguous output layer", "aux.weight", "proj.weight"});
  LayoutOptions o;
  f.tensors.erase("aux.weight");
  f.tensors.erase("aux.bias");
  o.map = {{"proj", "fc"}, {"enc", "rnn"}};
  const PyTorchLayout l = ResolveLayout(f, o);
  EXPECT_EQ(l.name, "rnnscope");  // after --map: rnn.*, fc.*, no embedding
  EXPECT_EQ(l.FileName("fc.weight"), "proj.weight");
  EXPECT_EQ(l.FileName("rnn.weight_ih_l0"), "enc.weight_ih_l0");
  EXPECT_EQ(l.cell, CellKind::kGru);
}

}  // namespace
}  // namespace rnnscope
