// The seq2seq PyTorch layouts (model/seq2seq_pytorch_layouts.h) against PyTorch itself: the
// generator tests/parity/make_seq2seq_layout_goldens.py rebuilds the PyTorch tutorial's
// EncoderRNN + AttnDecoderRNN (two .pt files, two safetensors files, one {"encoder","decoder"} .pt)
// and d2l's Seq2SeqEncoder + Seq2SeqAttentionDecoder (1 layer; 2 layers with source lengths).
//   Goldens          committed goldens: layout, loss, logits, attention, encoder output, decoder
//                    states and every gradient under the file's own names to 1e-5 relative
//   LiveGenerator    the generator now with a new seed and sizes; skipped without torch
//   BadInput         mismatched sizes, a name fitting no layout, two encoders, tutorial lengths
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/safetensors.h"
#include "io/tensor_file_reader.h"
#include "model/seq2seq_io.h"
#include "model/seq2seq_pytorch_layouts.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

const fs::path kGoldens = fs::path(RNNSCOPE_SOURCE_DIR) / "tests/parity/seq2seq_layout_goldens";
const fs::path kGenerator = fs::path(RNNSCOPE_SOURCE_DIR) / "tests/parity/make_seq2seq_layout_goldens.py";

// As test_pytorch_layouts.cpp: relative with a floor of 1e-6 × the tensor's scale and 1e-12.
double RelDiff(const std::vector<double>& a, const std::vector<double>& e) {
  double scale = 0, worst = 0;
  for (double v : e) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double rel = std::abs(a[i] - e[i]) / (std::abs(e[i]) + std::max(1e-6 * scale, 1e-12));
    worst = std::max(worst, std::isfinite(rel) ? rel : INFINITY);
  }
  return worst;
}

// The tutorial's Va.bias adds the same number to every attention score, and the softmax cancels
// it: its gradient is exactly 0. rnnscope computes that 0; PyTorch sums T·S rounding errors
// (seen up to ~1e-16), which no relative figure can judge. So: ours must be exactly 0, PyTorch's
// mere noise, and the pair is left out of the worst relative difference.
bool IsSoftmaxCancelledBias(const std::string& name) { return name.ends_with("attention.Va.bias"); }

double Check(const TensorFile& ours, const std::string& name, const TensorFile& golden, const std::string& gname) {
  std::vector<int64_t> s1, s2;
  const std::vector<double> a = ours.GetTensor<double>(name, &s1);
  const std::vector<double> e = golden.GetTensor<double>(gname, &s2);
  EXPECT_EQ(s1, s2) << name;
  if (s1 != s2) return INFINITY;
  if (gname.starts_with("grad.") && IsSoftmaxCancelledBias(name)) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i], 0.0) << name;
      EXPECT_LE(std::abs(e[i]), 1e-13) << name << ": PyTorch's value is more than rounding noise";
    }
    return 0;
  }
  const double d = RelDiff(a, e);
  EXPECT_LE(d, 1e-5) << name;
  return d;
}

struct Opened {
  TensorFile merged;
  Seq2SeqLayout layout;
};

Opened Open(const fs::path& dir, const std::vector<std::string>& files) {
  std::vector<TensorFile> read;
  for (const std::string& f : files) read.push_back(ReadTensorFile(dir / f));
  std::vector<std::string> report;
  EXPECT_TRUE(LooksLikeSeq2Seq(read, {}));
  Opened o{MergeEncoderDecoder(read, report), {}};
  o.layout = ResolveSeq2SeqLayout(o.merged);
  if (files.size() == 2) {
    EXPECT_EQ(report.size(), 2u);
    EXPECT_NE(report[0].find("→ encoder (no attention.*)"), std::string::npos) << report[0];
  }
  return o;
}

double CheckCase(const fs::path& dir) {
  SCOPED_TRACE(dir.filename().string());
  const TensorFile batch = ReadSafetensors(dir / "batch.safetensors");
  const TensorFile expected = ReadSafetensors(dir / "expected.safetensors");
  std::vector<std::string> files;
  std::istringstream in(expected.metadata.at("weights"));
  for (std::string f; in >> f;) files.push_back(f);
  const Opened o = Open(dir, files);
  EXPECT_EQ(o.layout.name, expected.metadata.at("layout"));
  const TensorFile canonical = ToCanonical(o.merged, o.layout);
  const TensorFile grads = ComputeSeq2SeqGradients(canonical, o.layout, batch, FloatDtype::kF64);
  const TensorFile trace = ComputeSeq2SeqTrace(canonical, o.layout, batch, FloatDtype::kF64);
  double worst = Check(grads, "loss", expected, "loss");
  for (const char* t : {"loss", "logits", "attention", "encoder_output", "decoder_hidden", "h_n"})
    worst = std::max(worst, Check(trace, t, expected, t));
  std::size_t n = 0;
  for (const auto& [name, t] : expected.tensors) {
    if (!name.starts_with("grad.")) continue;
    const std::string own = name.substr(5);
    EXPECT_TRUE(grads.Has(own)) << "no gradient under the file's own name " << own;
    if (!grads.Has(own)) continue;
    worst = std::max(worst, Check(grads, own, expected, name));
    ++n;
  }
  EXPECT_EQ(n + 1, grads.tensors.size()) << "gradients under names the file does not have";
  EXPECT_EQ(n, o.merged.tensors.size());
  // Round trip: canonical back to the file's names gives the same tensors.
  const TensorFile back = FromCanonical(canonical, o.layout);
  EXPECT_EQ(back.tensors.size(), o.merged.tensors.size());
  for (const auto& [name, t] : o.merged.tensors) {
    EXPECT_TRUE(back.Has(name) && back.Get(name).bytes == t.bytes) << name;
  }
  std::printf("  %-26s %-17s worst rel diff %.2e\n", dir.filename().c_str(), o.layout.name.c_str(), worst);
  return worst;
}

std::vector<fs::path> Cases(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Goldens, BothLayoutsMatchPyTorch) {
  const std::vector<fs::path> cases = Cases(kGoldens);
  ASSERT_EQ(cases.size(), 5u) << "regenerate with tests/parity/make_seq2seq_layout_goldens.py";
  for (const fs::path& c : cases) CheckCase(c);
}

TEST(Goldens, ReportAndConfig) {
  const Opened t = Open(kGoldens / "tutorial_two_pt", {"decoder.pt", "encoder.pt"});
  EXPECT_TRUE(t.layout.config.attention_bias);
  EXPECT_FALSE(t.layout.config.context_first);
  EXPECT_EQ(t.layout.FileName("attention.query.weight"), "decoder.attention.Wa.weight");
  EXPECT_EQ(t.layout.FileName("encoder.rnn.weight_hh_l0"), "encoder.gru.weight_hh_l0");
  std::string report;
  for (const std::string& l : t.layout.report) report += l + "\n";
  EXPECT_NE(report.find("layout: pytorch_tutorial"), std::string::npos) << report;
  EXPECT_NE(report.find("decoder.gru.* → decoder gru 1 layer"), std::string::npos) << report;
  EXPECT_NE(report.find("decoder.out.* → output layer"), std::string::npos) << report;
  const Opened d = Open(kGoldens / "d2l_2layers_lengths", {"weights.safetensors"});
  EXPECT_EQ(d.layout.config.decoder_layers, 2);
  EXPECT_TRUE(d.layout.config.context_first);
  EXPECT_EQ(d.layout.FileName("encoder.rnn.weight_ih_l1"), "encoder.rnn.rnn.weight_ih_l1");
  EXPECT_EQ(d.layout.FileName("decoder.rnn.weight_ih_l1"), "decoder.rnn.weight_ih_l1");
  EXPECT_EQ(d.layout.FileName("decoder.fc.bias"), "decoder.dense.bias");
}

TEST(LiveGenerator, UnseenSizesMatchPyTorch) {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import torch; the committed goldens still ran";
  const fs::path dir = fs::temp_directory_path() / ("rnnscope_s2s_layouts_" + std::to_string(::getpid()));
  const unsigned seed = static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count() % 100000);
  const std::string cmd = "/usr/bin/python3 " + kGenerator.string() + " --random --seed " + std::to_string(seed) +
                          " --out " + dir.string() + " >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (const fs::path& c : Cases(dir)) CheckCase(c);
  fs::remove_all(dir);
}

// The real executable: --weights twice (decoder first), the report on stdout, gradients under
// encoder.<name> / decoder.<name>, and trace's tensors.
TEST(Binary, GradAndTraceWithTwoWeightsFiles) {
  const fs::path binary = fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope";
  if (!fs::exists(binary)) GTEST_SKIP() << binary << " not built";
  const fs::path dir = kGoldens / "tutorial_two_pt";
  const fs::path out = fs::temp_directory_path() / ("rnnscope_s2s_grad_" + std::to_string(::getpid()));
  fs::create_directories(out);
  const std::string args = " --dtype f64 --weights " + (dir / "decoder.pt").string() + " --weights " +
                           (dir / "encoder.pt").string() + " --batch " + (dir / "batch.safetensors").string();
  const std::string grad = binary.string() + " grad" + args + " --out " + (out / "g.safetensors").string() + " > " +
                           (out / "stdout.txt").string();
  ASSERT_EQ(std::system(grad.c_str()), 0) << grad;
  const std::string trace = binary.string() + " trace" + args + " --out " + (out / "t.safetensors").string() + " >/dev/null";
  ASSERT_EQ(std::system(trace.c_str()), 0) << trace;
  std::ifstream in(out / "stdout.txt");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("encoder.pt → encoder (no attention.*)"), std::string::npos) << text;
  EXPECT_NE(text.find("layout: pytorch_tutorial"), std::string::npos) << text;
  const TensorFile expected = ReadSafetensors(dir / "expected.safetensors");
  const TensorFile g = ReadSafetensors(out / "g.safetensors");
  const TensorFile t = ReadSafetensors(out / "t.safetensors");
  Check(g, "loss", expected, "loss");
  Check(g, "decoder.attention.Wa.weight", expected, "grad.decoder.attention.Wa.weight");
  Check(g, "encoder.gru.weight_hh_l0", expected, "grad.encoder.gru.weight_hh_l0");
  for (const char* n : {"logits", "attention", "encoder_output", "decoder_hidden", "h_n", "loss"}) Check(t, n, expected, n);
  fs::remove_all(out);
}

// ---------------------------------------------------------------- bad input
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

TensorFile Golden(const std::string& name) { return ReadSafetensors(kGoldens / "d2l_1layer" / name); }

TEST(BadInput, MessagesNameTheTensors) {
  const TensorFile good = Golden("weights.safetensors");
  const std::vector<int64_t> emb = good.Get("decoder.embedding.weight").shape;
  // Source and target embeddings of different widths.
  TensorFile e = good;
  e.SetTensor<float>("decoder.embedding.weight", {emb[0], emb[1] + 1},
                     std::vector<float>(static_cast<std::size_t>(emb[0] * (emb[1] + 1)), 0.f));
  ExpectError<ShapeError>([&] { ResolveSeq2SeqLayout(e); },
                          {"'encoder.embedding.weight'", "'decoder.embedding.weight'", "one embedding width"});
  // Encoder and decoder hidden sizes differ.
  TensorFile h = good;
  const std::vector<int64_t> hh = good.Get("decoder.rnn.weight_hh_l0").shape;
  h.SetTensor<float>("decoder.rnn.weight_hh_l0", {hh[0] + 3, hh[1] + 1},
                     std::vector<float>(static_cast<std::size_t>((hh[0] + 3) * (hh[1] + 1)), 0.f));
  ExpectError<ShapeError>([&] { ResolveSeq2SeqLayout(h); },
                          {"'encoder.rnn.rnn.weight_hh_l0'", "'decoder.rnn.weight_hh_l0'", "different hidden sizes"});
  // A name that fits no layout.
  TensorFile odd = good;
  odd.tensors["decoder.attention.W_x.weight"] = odd.tensors.at("decoder.attention.W_q.weight");
  ExpectError<InputError>([&] { ResolveSeq2SeqLayout(odd); },
                          {"unexpected tensor decoder.attention.W_x.weight", "d2l_seq2seq", "pytorch_tutorial:"});
  TensorFile none = good;
  none.tensors.erase("decoder.attention.W_q.weight");
  ExpectError<InputError>([&] { ResolveSeq2SeqLayout(none); }, {"fit no seq2seq layout"});
  // --layout contradicting the names.
  LayoutOptions tut;
  tut.layout = "pytorch_tutorial";
  ExpectError<InputError>([&] { ResolveSeq2SeqLayout(good, tut); }, {"--layout pytorch_tutorial expects", "are d2l_seq2seq"});
  LayoutOptions s2s;
  s2s.layout = "d2l_seq2seq";
  ExpectError<InputError>([&] { ResolveLayout(good, s2s); }, {"--layout d2l_seq2seq is a seq2seq layout"});
  // Two files, neither a decoder.
  const fs::path t = kGoldens / "tutorial_two_safetensors";
  std::vector<std::string> report;
  const TensorFile enc = ReadTensorFile(t / "encoder.safetensors");
  ExpectError<InputError>([&] { MergeEncoderDecoder({enc, enc}, report); }, {"neither has an attention module"});
  // A DDP prefix is stripped.
  TensorFile ddp;
  ddp.source = good.source;
  for (const auto& [n, x] : good.tensors) ddp.tensors["module." + n] = x;
  const Seq2SeqLayout l = ResolveSeq2SeqLayout(ddp);
  EXPECT_EQ(l.wrapper, "module.");
  EXPECT_EQ(l.FileName("decoder.fc.weight"), "module.decoder.dense.weight");
}

TEST(BadInput, Batches) {
  const Seq2SeqLayout tut =
      ResolveSeq2SeqLayout(ReadTensorFile(kGoldens / "tutorial_one_pt" / "weights.pt"));
  TensorFile b = ReadSafetensors(kGoldens / "tutorial_one_pt" / "batch.safetensors");
  std::vector<int64_t> shape;
  const std::vector<int64_t> src = b.GetInt64("source_ids", &shape);
  std::vector<int64_t> lens(static_cast<std::size_t>(shape[0]), shape[1]);
  lens[0] = 1;
  TensorFile with_len = b;
  with_len.SetInt64("source_lengths", {shape[0]}, lens);
  if (shape[1] > 1)
    ExpectError<InputError>([&] { LoadSeq2SeqBatch(with_len, tut, true); }, {"source_lengths[0] = 1", "no mask"});
  TensorFile bad = b;
  std::vector<int64_t> s2 = src;
  s2[0] = 999;
  bad.SetInt64("source_ids", shape, s2);
  ExpectError<InputError>([&] { LoadSeq2SeqBatch(bad, tut, true); }, {"source_ids[0, 0] = 999", "source vocabulary"});
  TensorFile no_dec = b;
  no_dec.tensors.erase("decoder_input_ids");
  ExpectError<InputError>([&] { LoadSeq2SeqBatch(no_dec, tut, true); }, {"decoder_input_ids"});
}

}  // namespace
}  // namespace rnnscope
