// io/model_io: PyTorch state_dicts ↔ ModelParams (config inferred from names and shapes),
// [batch, time] id tensors ↔ time-major TokenBatch, and bad input to `rnnscope grad` / `trace`:
// one line on stderr naming the file and the problem, exit code 1, never a crash.
//   RoundTrip     every cell/input/depth/direction (+ peephole, Jordan) saves, infers, loads
//   InferErrors   shapes that do not fit the cell, missing/unexpected tensors, non-finite weights
//   TokenBatch    layout conversion, ignore_index, out-of-vocabulary ids, bad shapes
//   Outputs       names and shapes of grad/trace output
//   Cli           the real binary on bad input (skipped when it is not built)
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/model_io.h"
#include "io/safetensors.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;
const fs::path kGoldenDir = fs::path(RNNSCOPE_SOURCE_DIR) / "tests/parity/goldens";

ModelConfig Config(CellKind cell, int embed, int layers, bool bidir, bool peephole = false) {
  ModelConfig c;
  c.cell = cell;
  c.vocab = 6;
  c.embed = embed;
  c.hidden = 5;
  c.layers = layers;
  c.bidirectional = bidir;
  c.peephole = peephole;
  return c;
}

TensorFile WeightsFile(const ModelConfig& c, uint64_t seed = 7) {
  ModelParams<float> p;
  p.InitRandom(c, seed);
  TensorFile f;
  SaveModelParams(p, f);
  f.source = "w.safetensors";
  return f;
}

// Expects fn to throw E whose message starts with the file name and contains every fragment.
template <class E, class Fn>
void ExpectError(Fn fn, const std::string& source, const std::vector<std::string>& fragments) {
  try {
    fn();
    ADD_FAILURE() << "no exception; expected one mentioning " << fragments.front();
  } catch (const E& e) {
    const std::string what = e.what();
    EXPECT_TRUE(what.starts_with(source + ": ")) << what;
    for (const std::string& f : fragments) EXPECT_NE(what.find(f), std::string::npos) << "'" << f << "' not in: " << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

// ---------------------------------------------------------------- RoundTrip
TEST(RoundTrip, EveryShapeInfersAndLoadsExactly) {
  std::vector<ModelConfig> configs;
  for (CellKind cell : {CellKind::kLstm, CellKind::kGru, CellKind::kRnnTanh, CellKind::kRnnRelu,
                        CellKind::kJordan})
    for (int embed : {0, 3})
      for (int layers : {1, 3})
        for (bool bidir : {false, true})
          if (!(bidir && cell == CellKind::kJordan)) configs.push_back(Config(cell, embed, layers, bidir));
  configs.push_back(Config(CellKind::kLstm, 4, 2, true, /*peephole=*/true));
  for (const ModelConfig& c : configs) {
    SCOPED_TRACE(ToJson(c).dump());
    ModelParams<float> saved;
    saved.InitRandom(c, 11);
    TensorFile file;
    SaveModelParams(saved, file, FloatDtype::kF32);
    // Through the bytes, as a user's file would arrive.
    const TensorFile parsed = ParseSafetensors(SerializeSafetensors(file), "w.safetensors");
    const ModelConfig inferred = InferModelConfig(parsed, c.cell);
    EXPECT_EQ(ToJson(inferred).dump(), ToJson(c).dump());
    ModelParams<double> loaded;
    LoadModelParams(parsed, inferred, loaded);
    std::vector<Mat<double>> a;
    loaded.ForEach([&](const std::string&, const Mat<double>& m, bool) { a.push_back(m); });
    std::size_t i = 0;
    saved.ForEach([&](const std::string& name, const Mat<float>& m, bool) {
      ASSERT_LT(i, a.size());
      EXPECT_TRUE(a[i++] == m.cast<double>()) << name;
    });
    EXPECT_EQ(i, a.size());
  }
}

TEST(RoundTrip, PrefixSelectsASubsetAndF64Saves) {
  const ModelConfig c = Config(CellKind::kGru, 0, 2, true);
  ModelParams<double> p;
  p.InitRandom(c, 3);
  TensorFile f;
  SaveModelParams(p, f, FloatDtype::kF64, "model.");
  f.SetTensor<double>("optim.step", {}, {4.0});  // other tensors outside the prefix are ignored
  EXPECT_EQ(f.Get("model.rnn.weight_ih_l1_reverse").dtype, "F64");
  const ModelConfig inferred = InferModelConfig(f, CellKind::kGru, "model.");
  EXPECT_EQ(ToJson(inferred).dump(), ToJson(c).dump());
  ModelParams<double> q;
  LoadModelParams(f, inferred, q, "model.");
  EXPECT_TRUE(q.rnn[3].w_hh == p.rnn[3].w_hh);
}

// ---------------------------------------------------------------- InferErrors
TEST(InferErrors, GateCountDoesNotFitTheCell) {
  // A GRU with H = 5 has 15-row weight_ih: not a multiple of the LSTM's 4 gates.
  const TensorFile gru = WeightsFile(Config(CellKind::kGru, 3, 1, false));
  ExpectError<ShapeError>([&] { InferModelConfig(gru, CellKind::kLstm); }, "w.safetensors",
                          {"rnn.weight_ih_l0", "15 rows", "multiple of the 4 gates", "lstm"});
  // An LSTM (20 rows) read as a GRU: 20 % 3 != 0.
  const TensorFile lstm = WeightsFile(Config(CellKind::kLstm, 0, 1, false));
  ExpectError<ShapeError>([&] { InferModelConfig(lstm, CellKind::kGru); }, "w.safetensors",
                          {"multiple of the 3 gates"});
  // An LSTM read as a plain RNN: rows divide, but weight_hh is then not [H, H].
  ExpectError<ShapeError>([&] { InferModelConfig(lstm, CellKind::kRnnTanh); }, "w.safetensors",
                          {"rnn.weight_hh_l0", "[20, 5]", "expected [20, 20]"});
}

TEST(InferErrors, InconsistentHiddenSizes) {
  TensorFile f = WeightsFile(Config(CellKind::kLstm, 3, 2, false));
  f.SetMatrix<float>("rnn.weight_hh_l1", MatF::Zero(20, 4));
  ExpectError<ShapeError>([&] { InferModelConfig(f, CellKind::kLstm); }, "w.safetensors",
                          {"rnn.weight_hh_l1", "[20, 4]", "expected [20, 5]"});
  TensorFile g = WeightsFile(Config(CellKind::kGru, 0, 2, true));
  g.SetMatrix<float>("rnn.weight_ih_l1_reverse", MatF::Zero(15, 5));  // input must be 2·5
  ExpectError<ShapeError>([&] { InferModelConfig(g, CellKind::kGru); }, "w.safetensors",
                          {"rnn.weight_ih_l1_reverse", "expected [15, 10]", "2 directions"});
  TensorFile h = WeightsFile(Config(CellKind::kGru, 0, 1, false));
  h.SetMatrix<float>("fc.bias", MatF::Zero(7, 1), true);
  ExpectError<ShapeError>([&] { InferModelConfig(h, CellKind::kGru); }, "w.safetensors",
                          {"fc.bias", "[7]", "expected [6]"});
}

TEST(InferErrors, InputWidthMustMatchEmbeddingOrVocabulary) {
  TensorFile f = WeightsFile(Config(CellKind::kRnnTanh, 0, 1, false));
  f.SetMatrix<float>("rnn.weight_ih_l0", MatF::Zero(5, 4));
  ExpectError<ShapeError>([&] { InferModelConfig(f, CellKind::kRnnTanh); }, "w.safetensors",
                          {"no embedding.weight", "one-hot", "4 columns"});
  TensorFile g = WeightsFile(Config(CellKind::kRnnTanh, 3, 1, false));
  g.SetMatrix<float>("embedding.weight", MatF::Zero(9, 3));
  // An embedding of another size than the output layer is a tagger (V_in = 9 words, K tags).
  const ModelConfig tagger = InferModelConfig(g, CellKind::kRnnTanh);
  EXPECT_EQ(tagger.vocab, 9);
  EXPECT_NE(tagger.Classes(), 9);
}

TEST(InferErrors, MissingAndUnexpectedTensors) {
  TensorFile f = WeightsFile(Config(CellKind::kLstm, 3, 2, true));
  f.tensors.erase("rnn.bias_hh_l1_reverse");
  f.tensors.erase("rnn.weight_hh_l1");
  ExpectError<InputError>([&] { InferModelConfig(f, CellKind::kLstm); }, "w.safetensors",
                          {"missing tensors", "rnn.weight_hh_l1", "rnn.bias_hh_l1_reverse"});
  TensorFile g = WeightsFile(Config(CellKind::kLstm, 3, 1, false));
  g.tensors.erase("fc.weight");
  ExpectError<InputError>([&] { InferModelConfig(g, CellKind::kLstm); }, "w.safetensors",
                          {"missing tensor 'fc.weight'", "nn.Linear"});
  TensorFile h = WeightsFile(Config(CellKind::kGru, 3, 1, false));
  h.SetMatrix<float>("decoder.weight", MatF::Zero(2, 2));
  ExpectError<InputError>([&] { InferModelConfig(h, CellKind::kGru); }, "w.safetensors",
                          {"unexpected tensor 'decoder.weight'"});
  TensorFile p = WeightsFile(Config(CellKind::kLstm, 3, 1, false));
  p.SetMatrix<float>("rnn.weight_hr_l0", MatF::Zero(2, 5));
  ExpectError<ShapeError>([&] { InferModelConfig(p, CellKind::kLstm); }, "w.safetensors",
                          {"proj_size"});
  TensorFile q = WeightsFile(Config(CellKind::kGru, 3, 1, false));
  q.SetMatrix<float>("rnn.weight_peep_l0", MatF::Zero(5, 3));
  ExpectError<ShapeError>([&] { InferModelConfig(q, CellKind::kGru); }, "w.safetensors",
                          {"peephole", "--cell lstm"});
  TensorFile j = WeightsFile(Config(CellKind::kRnnTanh, 3, 1, false));
  j.SetMatrix<float>("rnn.weight_hy_l0", MatF::Zero(5, 5));
  ExpectError<InputError>([&] { InferModelConfig(j, CellKind::kRnnTanh); }, "w.safetensors",
                          {"unexpected tensor 'rnn.weight_hy_l0'", "--cell jordan"});
  TensorFile empty;
  empty.source = "w.safetensors";
  ExpectError<InputError>([&] { InferModelConfig(empty, CellKind::kGru); }, "w.safetensors",
                          {"no tensors", "fc.weight"});
}

TEST(InferErrors, NonFiniteAndIntegerWeights) {
  const ModelConfig c = Config(CellKind::kGru, 3, 1, false);
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    TensorFile f = WeightsFile(c);
    MatF w = f.GetMatrix<float>("rnn.weight_hh_l0");
    w(4, 2) = bad;
    f.SetMatrix<float>("rnn.weight_hh_l0", w);
    ModelParams<double> p;
    ExpectError<InputError>([&] { LoadModelParams(f, InferModelConfig(f, c.cell), p); },
                            "w.safetensors",
                            {"rnn.weight_hh_l0", "[4, 2]", std::isnan(bad) ? "NaN" : "infinite"});
  }
  TensorFile g = WeightsFile(c);
  g.SetTensor<int64_t>("fc.bias", {6}, std::vector<int64_t>(6, 1));
  ModelParams<double> p;
  ExpectError<InputError>([&] { LoadModelParams(g, InferModelConfig(g, c.cell), p); },
                          "w.safetensors", {"fc.bias", "I64", "float"});
}

// ---------------------------------------------------------------- TokenBatch
TensorFile BatchFile(std::vector<int64_t> shape, std::vector<int64_t> ids,
                     std::vector<int64_t> targets) {
  TensorFile f;
  f.source = "b.safetensors";
  f.SetInt64("input_ids", shape, ids);
  if (!targets.empty()) f.SetInt64("target_ids", shape, targets);
  return f;
}

TEST(TokenBatchIo, BatchFirstBecomesTimeMajor) {
  // input_ids[b][t] = 10·b + t (with vocab 30) lands at index t·B + b.
  const TensorFile f = BatchFile({2, 3}, {0, 1, 2, 10, 11, 12}, {5, -100, 7, 8, 9, 3});
  const TokenBatch b = LoadTokenBatch(f, 30, true);
  EXPECT_EQ(b.B, 2);
  EXPECT_EQ(b.T, 3);
  EXPECT_EQ(b.input, (std::vector<int32_t>{0, 10, 1, 11, 2, 12}));
  EXPECT_EQ(b.target, (std::vector<int32_t>{5, 8, -1, 9, 7, 3}));
  const TokenBatch no_targets = LoadTokenBatch(BatchFile({2, 3}, {0, 1, 2, 10, 11, 12}, {}), 30, false);
  EXPECT_EQ(no_targets.target, std::vector<int32_t>(6, -1));
}

TEST(TokenBatchIo, BadIdsAndShapes) {
  ExpectError<InputError>([] { LoadTokenBatch(BatchFile({2, 3}, {0, 1, 2, 3, 4, 9}, {}), 7, false); },
                          "b.safetensors", {"input_ids[1, 2] = 9", "[0, 7)"});
  ExpectError<InputError>([] { LoadTokenBatch(BatchFile({1, 2}, {0, -1}, {}), 7, false); },
                          "b.safetensors", {"input_ids[0, 1] = -1"});
  ExpectError<InputError>([] { LoadTokenBatch(BatchFile({1, 2}, {0, 1}, {1, 7}), 7, true); },
                          "b.safetensors", {"target_ids[0, 1] = 7", "-100 = ignore"});
  ExpectError<InputError>([] { LoadTokenBatch(BatchFile({1, 2}, {0, 1}, {-100, -100}), 7, true); },
                          "b.safetensors", {"every target_ids position is -100"});
  ExpectError<InputError>([] { LoadTokenBatch(BatchFile({1, 2}, {0, 1}, {}), 7, true); },
                          "b.safetensors", {"no tensor 'target_ids'"});
  ExpectError<ShapeError>([] { LoadTokenBatch(BatchFile({6}, {0, 1, 2, 3, 4, 5}, {}), 7, false); },
                          "b.safetensors", {"input_ids", "[6]", "[batch, time]"});
  ExpectError<ShapeError>([] { LoadTokenBatch(BatchFile({0, 3}, {}, {}), 7, false); },
                          "b.safetensors", {"[0, 3]"});
  TensorFile mismatch = BatchFile({2, 2}, {0, 1, 2, 3}, {});
  mismatch.SetInt64("target_ids", {4, 1}, {0, 1, 2, 3});
  ExpectError<ShapeError>([&] { LoadTokenBatch(mismatch, 7, true); }, "b.safetensors",
                          {"target_ids", "[4, 1]", "input_ids' shape [2, 2]"});
  TensorFile floats;
  floats.source = "b.safetensors";
  floats.SetTensor<float>("input_ids", {1, 2}, {0.0f, 1.0f});
  ExpectError<InputError>([&] { LoadTokenBatch(floats, 7, false); }, "b.safetensors",
                          {"input_ids", "F32", "integer"});
}

// ---------------------------------------------------------------- Outputs
TEST(Outputs, GradWritesLossAndEveryParameter) {
  const ModelConfig c = Config(CellKind::kLstm, 3, 2, true);
  const TensorFile w = WeightsFile(c);
  const TensorFile b = BatchFile({2, 4}, {0, 1, 2, 3, 4, 5, 0, 1}, {1, 2, 3, 4, 5, 0, 1, 2});
  const TensorFile g = ComputeGradients(w, b, c.cell);
  EXPECT_TRUE(g.Get("loss").shape.empty());
  EXPECT_EQ(g.Get("loss").dtype, "F32");
  EXPECT_GT(g.GetTensor<double>("loss")[0], 0.0);
  EXPECT_EQ(g.tensors.size(), w.tensors.size() + 1);
  for (const auto& [name, t] : w.tensors) EXPECT_EQ(g.Get(name).shape, t.shape) << name;
  EXPECT_EQ(ComputeGradients(w, b, c.cell, FloatDtype::kF64).Get("fc.weight").dtype, "F64");
}

TEST(Outputs, TraceShapesAndNoGradientsWithoutTargets) {
  const ModelConfig c = Config(CellKind::kGru, 0, 2, true);
  const TensorFile w = WeightsFile(c);
  const TensorFile with = ComputeTrace(w, BatchFile({2, 4}, {0, 1, 2, 3, 4, 5, 0, 1}, {1, 2, 3, 4, 5, 0, 1, 2}), c.cell);
  EXPECT_EQ(with.Get("logits").shape, (std::vector<int64_t>{2, 4, 6}));
  EXPECT_EQ(with.Get("output").shape, (std::vector<int64_t>{2, 4, 10}));
  EXPECT_EQ(with.Get("h_n").shape, (std::vector<int64_t>{4, 2, 5}));
  EXPECT_FALSE(with.Has("c_n"));
  EXPECT_EQ(with.Get("trace.l1_reverse.gates.n").shape, (std::vector<int64_t>{2, 4, 5}));
  EXPECT_EQ(with.Get("trace.l0.grad_h_norm").shape, (std::vector<int64_t>{4}));
  EXPECT_TRUE(with.Has("loss"));
  EXPECT_EQ(with.metadata.at("cell"), "gru");
  const TensorFile without = ComputeTrace(w, BatchFile({2, 4}, {0, 1, 2, 3, 4, 5, 0, 1}, {}), c.cell);
  EXPECT_FALSE(without.Has("loss"));
  EXPECT_FALSE(without.Has("trace.l0.grad_h_norm"));
  EXPECT_EQ(without.GetTensor<float>("logits"), with.GetTensor<float>("logits"));
}

// ---------------------------------------------------------------- Cli
struct CliResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string err;
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope";
    if (!fs::exists(binary_)) GTEST_SKIP() << binary_ << " is not built";
    dir_ = fs::temp_directory_path() /
           ("rnnscope_model_io_" + std::to_string(::getpid()) + "_" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  CliResult Run(const std::string& args) {
    const fs::path err = dir_ / "stderr.txt";
    const std::string cmd = binary_.string() + " " + args + " >/dev/null 2>" + err.string();
    const int status = std::system(cmd.c_str());
    CliResult r;
    if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    std::ifstream in(err);
    std::stringstream ss;
    ss << in.rdbuf();
    r.err = ss.str();
    return r;
  }

  // Both commands must fail the same clean way: exit 1, one line "rnnscope: ..." with every
  // fragment (the file name and the problem).
  void ExpectCleanFailure(const std::string& args, const std::vector<std::string>& fragments) {
    for (const char* command : {"grad", "trace"}) {
      SCOPED_TRACE(std::string(command) + " " + args);
      const CliResult r = Run(std::string(command) + " " + args + " --out " + (dir_ / "out.safetensors").string());
      EXPECT_EQ(r.exit_code, 1) << r.err;
      EXPECT_TRUE(r.err.starts_with("rnnscope: ")) << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
      for (const std::string& f : fragments) EXPECT_NE(r.err.find(f), std::string::npos) << "'" << f << "' not in: " << r.err;
      EXPECT_FALSE(fs::exists(dir_ / "out.safetensors")) << "no output on failure";
    }
  }

  fs::path Golden(const std::string& config, const char* file) const {
    return kGoldenDir / config / file;
  }
  std::string Write(const std::string& name, const TensorFile& f) {
    const fs::path p = dir_ / name;
    WriteSafetensors(p, f);
    return p.string();
  }

  fs::path binary_, dir_;
};

TEST_F(Cli, MissingWeightsFile) {
  const std::string missing = (dir_ / "nope.safetensors").string();
  ExpectCleanFailure("--cell lstm --weights " + missing + " --batch " +
                         Golden("lstm_emb_l1_uni", "batch.safetensors").string(),
                     {missing});
}

TEST_F(Cli, TruncatedWeightsFile) {
  std::ifstream in(Golden("lstm_emb_l1_uni", "weights.safetensors"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const fs::path truncated = dir_ / "truncated.safetensors";
  for (std::size_t keep : {bytes.size() / 2, std::size_t{5}}) {
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, keep);
    ExpectCleanFailure("--cell lstm --weights " + truncated.string() + " --batch " +
                           Golden("lstm_emb_l1_uni", "batch.safetensors").string(),
                       {truncated.string()});
  }
}

TEST_F(Cli, ShapesThatDoNotFitTheCell) {
  // gru_emb_l1_uni has H = 6: weight_ih has 18 rows, not a multiple of the LSTM's 4 gates.
  const std::string w = Golden("gru_emb_l1_uni", "weights.safetensors").string();
  ExpectCleanFailure("--cell lstm --weights " + w + " --batch " +
                         Golden("gru_emb_l1_uni", "batch.safetensors").string(),
                     {w, "rnn.weight_ih_l0", "multiple of the 4 gates"});
}

TEST_F(Cli, UnknownCellName) {
  ExpectCleanFailure("--cell transformer --weights " +
                         Golden("gru_emb_l1_uni", "weights.safetensors").string() + " --batch " +
                         Golden("gru_emb_l1_uni", "batch.safetensors").string(),
                     {"unknown cell 'transformer'", "lstm, gru"});
}

TEST_F(Cli, IdsOutsideTheVocabulary) {
  // The goldens have V = 7.
  const std::string b = Write("oov.safetensors", BatchFile({1, 3}, {0, 7, 1}, {1, 2, 3}));
  ExpectCleanFailure("--cell gru --weights " + Golden("gru_emb_l1_uni", "weights.safetensors").string() +
                         " --batch " + b,
                     {b, "input_ids[0, 1] = 7", "[0, 7)"});
}

TEST_F(Cli, NonFiniteWeightsAndWrongBatchFile) {
  TensorFile w = ReadSafetensors(Golden("rnn_tanh_emb_l1_uni", "weights.safetensors"));
  MatF fc = w.GetMatrix<float>("fc.weight");
  fc(1, 1) = std::numeric_limits<float>::quiet_NaN();
  w.SetMatrix<float>("fc.weight", fc);
  const std::string nan = Write("nan.safetensors", w);
  const std::string batch = Golden("rnn_tanh_emb_l1_uni", "batch.safetensors").string();
  ExpectCleanFailure("--cell rnn_tanh --weights " + nan + " --batch " + batch,
                     {nan, "fc.weight", "NaN"});
  // Weights given where the batch belongs.
  const std::string weights = Golden("rnn_tanh_emb_l1_uni", "weights.safetensors").string();
  ExpectCleanFailure("--cell rnn_tanh --weights " + weights + " --batch " + weights,
                     {weights, "no tensor 'input_ids'"});
}

TEST_F(Cli, BadDtypeAndUnwritableOutput) {
  const std::string args = "--cell lstm --weights " + Golden("lstm_emb_l1_uni", "weights.safetensors").string() +
                           " --batch " + Golden("lstm_emb_l1_uni", "batch.safetensors").string();
  ExpectCleanFailure(args + " --dtype f16", {"unknown dtype 'f16'"});
  const std::string out = (dir_ / "no_such_dir" / "g.safetensors").string();
  const CliResult r = Run("grad " + args + " --out " + out);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(out), std::string::npos) << r.err;
}

TEST_F(Cli, GoodInputSucceeds) {
  const std::string args = "--cell lstm --weights " + Golden("lstm_emb_l1_uni", "weights.safetensors").string() +
                           " --batch " + Golden("lstm_emb_l1_uni", "batch.safetensors").string();
  const fs::path out = dir_ / "t.safetensors";
  const CliResult r = Run("trace " + args + " --dtype f64 --out " + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadSafetensors(out).Get("trace.l0.gates.f").dtype, "F64");
}

}  // namespace
}  // namespace rnnscope
