// Export (io/snapshot_export.h, io/checkpoint.h StateDictOnly): the CSV tables carry the
// snapshot's numbers under a header naming the axes; the trace written from a snapshot reads
// back tensor for tensor; the exported model is a strict PyTorch state_dict that, run through
// `rnnscope trace`'s ComputeTrace on the exported trace's own ids, reproduces the snapshot.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "train/checkpoint.h"
#include "model/model_io.h"
#include "io/safetensors.h"
#include "train/snapshot_export.h"
#include "train/char_lm_job.h"
#include "train/trainer_thread.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  return cells;
}

TEST(CsvText, QuotesCellsWithCommasQuotesAndNewlines) {
  CsvTable t{{"timestep", "token"}, {{"0", ","}, {"1", "\""}, {"2", "\n"}, {"3", "a"}}};
  EXPECT_EQ(ToCsv(t), "timestep,token\n0,\",\"\n1,\"\"\"\"\n2,\"\n\"\n3,a\n");
  EXPECT_EQ(CsvNumber(0.1f), "0.100000001");  // 9 digits: the float reads back exactly
  EXPECT_EQ(std::stof(CsvNumber(0.1f)), 0.1f);
}

Snapshot HandMadeSnapshot() {
  Snapshot s;
  s.probe_tokens = {"a", "b", "c"};
  LayerTrace trace;
  trace.gate_names = {"r", "z", "n"};
  for (int g = 0; g < 3; ++g) {
    MatF m(2, 3);  // (H, T)
    for (int u = 0; u < 2; ++u) {
      for (int t = 0; t < 3; ++t) m(u, t) = static_cast<float>(100 * g + 10 * u + t) + 0.25f;
    }
    trace.gates.push_back(m);
  }
  trace.hidden = trace.gates[2] * 0.5f;
  trace.grad_h_norm = {1.5f, 2.5f, 3.5f};
  s.layers.push_back(trace);
  s.history = {{10, 2.0f, NAN, 0.5f, false}, {20, 1.5f, 1.75f, 7.0f, true}};
  return s;
}

TEST(SnapshotCsv, GatesHaveOneRowPerTimestepAndUnitWithTheGateValues) {
  const CsvTable t = GatesCsv(HandMadeSnapshot(), 0, 0);
  EXPECT_EQ(t.header, (std::vector<std::string>{"timestep", "token", "unit", "r", "z", "n"}));
  ASSERT_EQ(t.rows.size(), 6u);
  // Row order: timestep-major, then unit. t = 2, unit 1: gates 12.25, 112.25, 212.25.
  EXPECT_EQ(t.rows[5], (std::vector<std::string>{"2", "c", "1", "12.25", "112.25", "212.25"}));
  // The same through the text: header line, then the rows.
  std::stringstream text(ToCsv(t));
  std::string line;
  std::getline(text, line);
  EXPECT_EQ(line, "timestep,token,unit,r,z,n");
  std::getline(text, line);
  EXPECT_EQ(Split(line), (std::vector<std::string>{"0", "a", "0", "0.25", "100.25", "200.25"}));
  // A layer the snapshot does not have: the header alone.
  EXPECT_TRUE(GatesCsv(HandMadeSnapshot(), 3, 0).rows.empty());
}

TEST(SnapshotCsv, StatesGradientFlowAndLoss) {
  const Snapshot s = HandMadeSnapshot();
  const CsvTable states = StatesCsv(s, 0, 0);
  EXPECT_EQ(states.header, (std::vector<std::string>{"timestep", "token", "unit", "h"}));  // no c: not an LSTM
  ASSERT_EQ(states.rows.size(), 6u);
  EXPECT_EQ(states.rows[1][4 - 1], CsvNumber(s.layers[0].hidden(1, 0)));

  const CsvTable grad = GradientFlowCsv(s);
  EXPECT_EQ(grad.header, (std::vector<std::string>{"timestep", "token", "grad_h_norm.l0"}));
  ASSERT_EQ(grad.rows.size(), 3u);
  EXPECT_EQ(grad.rows[2], (std::vector<std::string>{"2", "c", "3.5"}));

  const CsvTable loss = LossCsv(s);
  EXPECT_EQ(loss.header, (std::vector<std::string>{"branch", "step", "train_loss", "val_loss", "grad_norm", "clipped"}));
  ASSERT_EQ(loss.rows.size(), 2u);
  EXPECT_EQ(loss.rows[0], (std::vector<std::string>{"0", "10", "2", "", "0.5", "0"}));  // no validation: empty
  EXPECT_EQ(loss.rows[1], (std::vector<std::string>{"0", "20", "1.5", "1.75", "7", "1"}));
}

TEST(SnapshotCsv, CellFinderRankingOneRowPerSignalAndRank) {
  Snapshot s;
  s.cell_finder.signals.push_back({"inside quotes", {{{0, 0, 7, true}, -0.5f}, {{0, 0, 2, false}, 0.25f}}, {}, {}});
  const CsvTable t = CellFinderCsv(s);
  EXPECT_EQ(t.header, (std::vector<std::string>{"signal", "rank", "layer", "direction", "unit", "state", "correlation"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"inside quotes", "1", "0", "0", "7", "c", "-0.5"}));
  EXPECT_EQ(t.rows[1][5], "h");
}

// A small trained char LM and its snapshot on a probe text.
struct TrainedLm {
  JobSpec spec;
  std::unique_ptr<CharLmJob> job;
  Snapshot snapshot;

  TrainedLm() {
    spec.model.cell = CellKind::kLstm;
    spec.model.hidden = 16;
    spec.settings.batch = 8;
    spec.settings.seq_len = 16;
    spec.settings.seed = 5;
    job = std::make_unique<CharLmJob>(spec);
    for (int i = 0; i < 5; ++i) job->Step(spec.settings);
    job->FillSnapshot("the cat (sat)", spec.settings, snapshot);
    snapshot.config = job->Model();
  }
};

TEST(SnapshotCsv, RealSnapshotGatesMatchTheTrace) {
  const TrainedLm lm;
  const LayerTrace& trace = lm.snapshot.layers.at(0);
  const CsvTable t = GatesCsv(lm.snapshot, 0, 0);
  EXPECT_EQ(t.header, (std::vector<std::string>{"timestep", "token", "unit", "i", "f", "g", "o"}));
  const auto H = trace.hidden.rows(), T = trace.hidden.cols();
  ASSERT_EQ(t.rows.size(), static_cast<std::size_t>(H * T));
  for (const auto& row : t.rows) {
    const int time = std::stoi(row[0]), unit = std::stoi(row[2]);
    EXPECT_EQ(row[1], lm.snapshot.probe_tokens[static_cast<std::size_t>(time)]);
    for (int g = 0; g < 4; ++g) {
      ASSERT_EQ(std::stof(row[static_cast<std::size_t>(3 + g)]), trace.gates[static_cast<std::size_t>(g)](unit, time))
          << "gate " << g << " t " << time << " unit " << unit;
    }
  }
  const CsvTable states = StatesCsv(lm.snapshot, 0, 0);
  EXPECT_EQ(states.header, (std::vector<std::string>{"timestep", "token", "unit", "c", "h"}));
  EXPECT_EQ(std::stof(states.rows.back()[4]), trace.hidden(H - 1, T - 1));
}

TEST(TraceExport, RoundTripsThroughSafetensors) {
  const TrainedLm lm;
  const TensorFile written = TraceFromSnapshot(lm.snapshot);
  const TensorFile read = ParseSafetensors(SerializeSafetensors(written), "trace");
  EXPECT_EQ(read.metadata.at("format"), "rnnscope trace 1");
  EXPECT_EQ(read.metadata.at("cell"), "lstm");
  const LayerTrace& trace = lm.snapshot.layers.at(0);
  const auto H = trace.hidden.rows(), T = trace.hidden.cols();
  std::vector<int64_t> shape;
  for (std::size_t g = 0; g < 4; ++g) {
    const std::vector<float> v = read.GetTensor<float>("trace.l0.gates." + trace.gate_names[g], &shape);
    ASSERT_EQ(shape, (std::vector<int64_t>{1, T, H}));
    for (Eigen::Index t = 0; t < T; ++t) {
      for (Eigen::Index u = 0; u < H; ++u) ASSERT_EQ(v[static_cast<std::size_t>(t * H + u)], trace.gates[g](u, t));
    }
  }
  EXPECT_EQ(read.GetTensor<float>("trace.l0.grad_h_norm"), trace.grad_h_norm);
  EXPECT_EQ(read.GetTensor<float>("trace.l0.grad_c_norm"), trace.grad_c_norm);
  const std::vector<int64_t> ids = read.GetInt64("input_ids", &shape);
  ASSERT_EQ(shape, (std::vector<int64_t>{1, T}));
  for (Eigen::Index t = 0; t < T; ++t) {
    EXPECT_EQ(lm.snapshot.vocab[static_cast<std::size_t>(ids[static_cast<std::size_t>(t)])],
              lm.snapshot.probe_tokens[static_cast<std::size_t>(t)]);
  }
  EXPECT_EQ(read.GetInt64("target_ids").back(), -100);  // the last token has no target
}

TEST(ModelExport, StateDictIsStrictAndReproducesTheTrace) {
  const TrainedLm lm;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "rnnscope_test_export";
  std::filesystem::create_directories(dir);
  const auto path = dir / "model.safetensors";
  lm.job->Save(path.string(), lm.spec.settings);
  WriteSafetensors(path, StateDictOnly(ReadSafetensors(path)));
  const TensorFile weights = ReadSafetensors(path);
  for (const auto& [name, tensor] : weights.tensors) {
    EXPECT_TRUE(name.rfind("optim.", 0) != 0 && name.rfind("state.", 0) != 0) << name;
  }
  // Strict load: LoadModelParams refuses any tensor it does not expect.
  const ModelConfig config = InferModelConfig(weights, CellKind::kLstm);
  EXPECT_EQ(config.hidden, 16);
  ModelParams<float> params;
  params.Allocate(config);
  EXPECT_NO_THROW(LoadModelParams(weights, config, params));

  // `rnnscope trace` on the exported model and the exported trace's ids = the snapshot's trace.
  const TensorFile batch = TraceFromSnapshot(lm.snapshot);
  const TensorFile again = ComputeTrace(weights, batch, CellKind::kLstm);
  for (const char* name : {"trace.l0.gates.f", "trace.l0.h", "trace.l0.c", "trace.l0.grad_h_norm"}) {
    const std::vector<float> want = batch.GetTensor<float>(name), got = again.GetTensor<float>(name);
    ASSERT_EQ(want.size(), got.size()) << name;
    for (std::size_t i = 0; i < want.size(); ++i) {
      ASSERT_NEAR(got[i], want[i], 1e-4 * (1.0 + std::abs(want[i]))) << name << " element " << i;
    }
  }
  EXPECT_NEAR(again.GetTensor<float>("loss").at(0), lm.snapshot.probe_loss, 1e-4);
  std::filesystem::remove_all(dir);
}

// The GUI's path: File > Export model sends SaveCommand{state_dict_only}, File > Open PyTorch
// model a RebuildCommand with weights_path/vocab_path; a mismatch reaches the snapshot's error.
TEST(ModelExport, TrainerExportsAndReopensAStateDict) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "rnnscope_test_export_trainer";
  std::filesystem::create_directories(dir);
  const std::string model = (dir / "model.safetensors").string();
  TrainerOptions o;
  o.spec.model.hidden = 12;
  o.spec.settings.batch = 4;
  o.spec.settings.seq_len = 8;
  o.start_paused = true;
  TrainerThread trainer(o);
  trainer.Start();
  trainer.Send(StepCommand{3});
  const auto trained = test::WaitFor(trainer, [](const Snapshot& s) { return s.paused && s.step == 3; });
  trainer.Send(SaveCommand{model, true});
  test::WaitFor(trainer, [](const Snapshot& s) { return s.status.rfind("exported state_dict", 0) == 0; });
  const TensorFile weights = ReadSafetensors(model);
  EXPECT_TRUE(weights.Has("fc.weight"));
  for (const auto& [name, tensor] : weights.tensors) EXPECT_EQ(name.find("optim."), std::string::npos) << name;

  auto write_vocab = [&](const std::string& name, std::size_t drop) {
    std::vector<std::string> vocab(trained->vocab.begin(), trained->vocab.end() - static_cast<std::ptrdiff_t>(drop));
    std::ofstream((dir / name).string()) << nlohmann::json(vocab).dump();
    return (dir / name).string();
  };
  RebuildCommand open{"charlm", trained->config, trained->settings};
  open.weights_path = model;
  open.vocab_path = write_vocab("vocab.json", 0);
  trainer.Send(open);
  const auto opened = test::WaitFor(trainer, [](const Snapshot& s) { return s.status.rfind("opened ", 0) == 0; });
  EXPECT_EQ(opened->step, 0);
  EXPECT_EQ(opened->config.hidden, 12);
  EXPECT_TRUE(opened->error.empty()) << opened->error;
  // The same layers, so the same probe numbers as the model that was exported.
  ASSERT_EQ(opened->layers.size(), trained->layers.size());
  EXPECT_TRUE(opened->layers[0].hidden.isApprox(trained->layers[0].hidden, 1e-5f));

  open.vocab_path = write_vocab("short.json", 1);
  trainer.Send(open);
  const auto refused = test::WaitFor(trainer, [](const Snapshot& s) { return !s.error.empty(); });
  EXPECT_NE(refused->error.find("expected one row per token"), std::string::npos) << refused->error;
  trainer.Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rnnscope
