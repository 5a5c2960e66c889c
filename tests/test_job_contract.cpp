// The contract every training job keeps (train/training_job.h), checked on every task the
// factory knows, unidirectional and (where the task allows it) bidirectional:
//   - a diverging step rolls back weights, optimizer state and step count, and a good step
//     continues from there;
//   - save → load (bytes for time travel, and a file) → the next loss is bit-identical, and the
//     loss history comes back point for point;
//   - every layer trace's initial state is the model's (zero) initial state, in every direction;
//   - every snapshot has weights and per-parameter norms with their gradient-norm history;
//   - an intervention changes the probe.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "io/safetensors.h"
#include "train/job_factory.h"
#include "train/task_registry.h"
#include "train/training_job.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

// Data files for the tasks that read one.
const fs::path& DataDir() {
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() / ("rnnscope_contract." + std::to_string(::getpid()));
    fs::create_directories(d);
    std::ofstream conll(d / "tags.conll");
    const char* names[] = {"alice", "bob", "carol", "dave"};
    Rng rng(5);
    for (int s = 0; s < 120; ++s) {
      const char* n = names[rng.UniformInt(4)];
      if (rng.UniformInt(2)) conll << "meet\tO\n" << n << "\tB-PER\nin\tO\nparis\tB-LOC\n\n";
      else conll << "visit\tO\n" << n << "\tB-LOC\n\n";
    }
    std::ofstream tsv(d / "pairs.tsv");
    const char* words[] = {"ab", "ba", "abc", "cab", "bca", "aab"};
    for (int s = 0; s < 200; ++s) {
      const std::string w = words[rng.UniformInt(6)];
      tsv << w << "\t" << std::string(w.rbegin(), w.rend()) << "\n";
    }
    return d;
  }();
  return dir;
}

struct Case {
  std::string task;
  bool bidirectional = false;
};

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return info.param.task + (info.param.bidirectional ? "_bidirectional" : "");
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (const std::string& task : KnownTasks()) {
    if (task == "seq2seq_weights") continue;  // needs a PyTorch file: tests/test_seq2seq_import.cpp
    cases.push_back({task, false});
    if (task != "charlm") cases.push_back({task, true});  // a bidirectional char LM is refused
  }
  return cases;
}

JobSpec SmallSpec(const Case& c) {
  JobSpec spec;
  spec.task = c.task;
  spec.model.cell = CellKind::kLstm;  // the cell with two states: both initial states are checked
  spec.model.hidden = 12;
  spec.model.embed = c.task == "charlm" ? 0 : 8;
  spec.model.bidirectional = c.bidirectional;
  spec.settings.batch = 4;
  spec.settings.seq_len = 16;
  spec.settings.seed = 11;
  spec.settings.learning_rate = 1e-2f;
  spec.settings.clip_mode = "none";
  // Where a task drops units, it does so here: its masks must replay bit for bit too.
  if (SettingsUsedBy(c.task).dropout) spec.settings.dropout = 0.3f;
  if (c.task == "conll") spec.data_path = (DataDir() / "tags.conll").string();
  if (c.task == "tsv") spec.data_path = (DataDir() / "pairs.tsv").string();
  return spec;
}

// Every tensor of a checkpoint but the metadata: weights and optimizer buffers.
std::vector<std::pair<std::string, MatF>> TrainingTensors(const TrainingJob& job, const TrainSettings& s) {
  const TensorFile file = job.CheckpointFile(s);
  std::vector<std::pair<std::string, MatF>> out;
  for (const auto& [name, tensor] : file.tensors) {
    if (name.rfind("state.", 0) == 0) continue;  // carried state: the char LM drops it on a rollback
    out.emplace_back(name, file.GetMatrix<float>(name));
  }
  return out;
}

class JobContract : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    spec_ = SmallSpec(GetParam());
    try {
      job_ = MakeJob(spec_);
    } catch (const ConfigError& e) {
      // The only refusal allowed here: a structure that has no bidirectional form, said so.
      ASSERT_TRUE(GetParam().bidirectional) << e.what();
      GTEST_SKIP() << GetParam().task << " refuses a bidirectional model: " << e.what();
    }
    training_ = dynamic_cast<TrainingJob*>(job_.get());
    ASSERT_NE(training_, nullptr) << GetParam().task << " does not derive from TrainingJob";
    ASSERT_EQ(job_->Describe().bidirectional, GetParam().bidirectional) << "the flag did not reach the model";
  }
  JobSpec spec_;
  std::unique_ptr<Job> job_;
  TrainingJob* training_ = nullptr;
};

TEST_P(JobContract, DivergingStepRollsBackWeightsOptimizerAndStepThenContinues) {
  const TrainSettings good = spec_.settings;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(job_->Step(good).non_finite.empty());
  const auto before = TrainingTensors(*training_, good);
  ASSERT_EQ(job_->StepCount(), 3);
  // An absurd rate: the update itself is finite, the weights it leaves behind are not usable.
  TrainSettings absurd = good;
  absurd.learning_rate = 3e38f;  // weights of ~1e38: the next forward overflows
  StepResult r = job_->Step(absurd);
  ASSERT_TRUE(r.non_finite.empty()) << "the absurd step itself should be finite: " << r.non_finite;
  EXPECT_EQ(job_->StepCount(), 4);
  r = job_->Step(good);
  ASSERT_FALSE(r.non_finite.empty()) << "weights of ~1e38 gave a finite loss " << r.loss;
  EXPECT_EQ(job_->StepCount(), 3) << "the step count did not roll back";
  ASSERT_EQ(job_->LossHistory().size(), 3u) << "the undone step 4 stayed on the loss curve";
  EXPECT_EQ(job_->LossHistory().Points().back().step, 3);
  const auto after = TrainingTensors(*training_, good);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t k = 0; k < after.size(); ++k) {
    EXPECT_EQ(after[k].first, before[k].first);
    EXPECT_TRUE(after[k].second == before[k].second) << after[k].first << " differs after the rollback";
  }
  r = job_->Step(good);
  EXPECT_TRUE(r.non_finite.empty()) << r.non_finite;
  EXPECT_TRUE(std::isfinite(r.loss));
  EXPECT_EQ(job_->StepCount(), 4);
  ASSERT_EQ(job_->LossHistory().size(), 4u);
  EXPECT_EQ(job_->LossHistory().Points().back().train_loss, r.loss);
}

TEST_P(JobContract, SaveLoadGivesTheSameNextLossBitForBit) {
  const TrainSettings s = spec_.settings;
  for (int i = 0; i < 3; ++i) job_->Step(s);
  const std::vector<unsigned char> bytes = job_->SaveToBytes(s);
  TrainSettings restored_settings;
  std::unique_ptr<Job> from_bytes = job_->LoadFromBytes(bytes, &restored_settings);
  const fs::path file = DataDir() / (GetParam().task + (GetParam().bidirectional ? "_bi" : "") + ".safetensors");
  job_->Save(file.string(), s);
  std::unique_ptr<Job> from_file = LoadJob(file.string(), nullptr);
  EXPECT_EQ(from_bytes->StepCount(), job_->StepCount());
  EXPECT_EQ(from_file->StepCount(), job_->StepCount());
  EXPECT_EQ(from_file->Describe().Line(), job_->Describe().Line());
  EXPECT_EQ(restored_settings.learning_rate, s.learning_rate);
  for (int i = 0; i < 2; ++i) {
    const float expected = job_->Step(s).loss;
    EXPECT_EQ(from_bytes->Step(s).loss, expected) << "time travel, step " << i;
    EXPECT_EQ(from_file->Step(s).loss, expected) << "file, step " << i;
  }
}

// Every field of every point, NaN (no val loss measured) equal to NaN.
void ExpectSameHistory(const std::vector<LossPoint>& got, const std::vector<LossPoint>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].step, want[k].step) << what << " point " << k;
    EXPECT_EQ(got[k].train_loss, want[k].train_loss) << what << " point " << k;
    EXPECT_EQ(std::isnan(got[k].val_loss), std::isnan(want[k].val_loss)) << what << " point " << k;
    if (!std::isnan(want[k].val_loss)) EXPECT_EQ(got[k].val_loss, want[k].val_loss) << what << " point " << k;
    EXPECT_EQ(got[k].grad_norm, want[k].grad_norm) << what << " point " << k;
    EXPECT_EQ(got[k].clipped, want[k].clipped) << what << " point " << k;
  }
}

TEST_P(JobContract, SaveLoadKeepsTheLossHistory) {
  const TrainSettings s = spec_.settings;
  std::vector<float> losses;
  for (int i = 0; i < 6; ++i) {
    losses.push_back(job_->Step(s).loss);
    if (job_->StepCount() % 3 == 0) job_->RecordValidation(job_->StepCount(), job_->ValidationLoss());
  }
  const std::vector<LossPoint> saved = job_->LossHistory().Points();
  ASSERT_EQ(saved.size(), 6u);
  for (std::size_t k = 0; k < saved.size(); ++k) {
    EXPECT_EQ(saved[k].step, static_cast<int64_t>(k) + 1);
    EXPECT_EQ(saved[k].train_loss, losses[k]) << "Step's loss is the point's";
    EXPECT_EQ(std::isnan(saved[k].val_loss), saved[k].step % 3 != 0) << "val only where recorded, step " << saved[k].step;
  }
  const fs::path file = DataDir() / (GetParam().task + (GetParam().bidirectional ? "_bi" : "") + "_history.safetensors");
  job_->Save(file.string(), s);
  std::unique_ptr<Job> from_file = LoadJob(file.string(), nullptr);
  std::unique_ptr<Job> from_bytes = job_->LoadFromBytes(job_->SaveToBytes(s), nullptr);
  ExpectSameHistory(from_file->LossHistory().Points(), saved, "file");
  ExpectSameHistory(from_bytes->LossHistory().Points(), saved, "bytes");
  // Training on continues the curve.
  const float next = from_file->Step(s).loss;
  const std::vector<LossPoint> grown = from_file->LossHistory().Points();
  ASSERT_EQ(grown.size(), 7u);
  EXPECT_EQ(grown.back().step, 7);
  EXPECT_EQ(grown.back().train_loss, next);
}

TEST_P(JobContract, TracesStartFromTheInitialStateInEveryDirection) {
  job_->Step(spec_.settings);
  Snapshot snap;
  job_->FillSnapshot("", spec_.settings, snap);
  ASSERT_FALSE(snap.layers.empty());
  const RunningModel running = job_->Describe();
  const int encoder_layers = running.layers * (running.bidirectional ? 2 : 1);
  int directions_seen[2] = {0, 0};
  for (std::size_t k = 0; k < snap.layers.size(); ++k) {
    const LayerTrace& t = snap.layers[k];
    ASSERT_GT(t.hidden.cols(), 0);
    ++directions_seen[t.direction];
    // A seq2seq decoder starts from the encoder's summary, not zero: only the encoder is checked.
    if (running.seq2seq && static_cast<int>(k) >= encoder_layers) continue;
    EXPECT_TRUE(t.hidden_prev0.isZero()) << "layer " << t.layer << " direction " << t.direction
                                         << ": initial h is not the zero state";
    if (t.cell_prev0.size() > 0)
      EXPECT_TRUE(t.cell_prev0.isZero()) << "layer " << t.layer << " direction " << t.direction << ": initial c";
    // The first state the direction computed comes from that initial state: non-zero.
    const Eigen::Index first = t.direction == 1 ? t.hidden.cols() - 1 : 0;
    EXPECT_GT(t.hidden.col(first).norm(), 0.0f);
  }
  EXPECT_GT(directions_seen[0], 0);
  EXPECT_EQ(directions_seen[1] > 0, GetParam().bidirectional);
}

TEST_P(JobContract, SnapshotHasWeightsAndPerParameterNorms) {
  for (int i = 0; i < 3; ++i) job_->Step(spec_.settings);
  Snapshot snap;
  job_->FillSnapshot("", spec_.settings, snap);
  ASSERT_FALSE(snap.params.empty());
  ASSERT_FALSE(snap.weights.empty());
  for (const ParamStat& p : snap.params) {
    EXPECT_GT(p.norm, 0.0f) << p.name;
    EXPECT_TRUE(std::isfinite(p.grad_norm)) << p.name;
    EXPECT_EQ(p.grad_norm_history.size(), 3u) << p.name << ": one gradient norm per step";
  }
  for (const WeightView& w : snap.weights) EXPECT_GT(w.value.size(), 0) << w.name;
}

TEST_P(JobContract, AnInterventionChangesTheProbe) {
  job_->Step(spec_.settings);
  Snapshot plain;
  job_->FillSnapshot("", spec_.settings, plain);
  Intervention pin;
  pin.layer = 0;
  pin.target = InterventionTarget::kHidden;
  pin.value = 0.9f;  // every unit of layer 0, both directions, probe only
  ASSERT_TRUE(job_->SetInterventions({pin})) << GetParam().task << " cannot apply a hidden-state pin";
  Snapshot pinned;
  job_->FillSnapshot("", spec_.settings, pinned);
  ASSERT_FALSE(pinned.layers.empty());
  EXPECT_TRUE((pinned.layers[0].hidden.array() == 0.9f).all()) << "layer 0's states were not pinned";
  EXPECT_NE(pinned.probe_loss, plain.probe_loss) << "the pin did not reach the output";
  // A pin for the probe only leaves training alone.
  JobSpec again = spec_;
  std::unique_ptr<Job> twin = MakeJob(again);
  twin->Step(spec_.settings);
  EXPECT_EQ(twin->Step(spec_.settings).loss, job_->Step(spec_.settings).loss);
}

// Time travel restores from the running job's data: deleting the file the run read does not
// stop a rewind (the char LM's text, seq2seq's TSV and the tagger's CoNLL sentences are shared
// with the restored job). And a checkpoint opened later without its file (no running job to
// share from) still opens: it shows its probe, measures the validation examples it saved —
// the same loss the run measured — and refuses to train, naming the missing file.
TEST(TimeTravel, NeverRereadsTheDataFile) {
  for (const std::string task : {"charlm", "tsv", "conll"}) {
    SCOPED_TRACE(task);
    JobSpec spec = SmallSpec({task, false});
    const fs::path copy = DataDir() / ("deleted_" + task + ".txt");
    if (task == "charlm") {
      std::ofstream(copy) << std::string(2000, 'a') + "the quick brown fox jumps over the lazy dog\n";
      spec.text_path = copy.string();
    } else {
      fs::copy_file(spec.data_path, copy, fs::copy_options::overwrite_existing);
      spec.data_path = copy.string();
    }
    std::unique_ptr<Job> job = MakeJob(spec);
    job->Step(spec.settings);
    const std::vector<unsigned char> bytes = job->SaveToBytes(spec.settings);
    fs::remove(copy);
    std::unique_ptr<Job> restored = job->LoadFromBytes(bytes, nullptr);
    EXPECT_EQ(restored->Step(spec.settings).loss, job->Step(spec.settings).loss);

    std::unique_ptr<Job> opened = LoadJobFrom(ParseSafetensors(bytes, "ckpt"), nullptr, nullptr);
    ASSERT_NE(opened, nullptr);
    EXPECT_EQ(opened->StepCount(), 1);
    try {
      opened->Step(spec.settings);
      ADD_FAILURE() << "trained without its data file";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(copy.filename().string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("no longer exists"), std::string::npos) << e.what();
    }
    EXPECT_EQ(opened->StepCount(), 1) << "a refused step must not count";
    Snapshot snap;
    opened->FillSnapshot("", spec.settings, snap);
    EXPECT_FALSE(snap.probe_tokens.empty());
    EXPECT_FALSE(snap.layers.empty());
    if (task != "charlm") {  // the char LM keeps its probe text, not the whole validation split
      std::unique_ptr<Job> at_save = job->LoadFromBytes(bytes, nullptr);
      EXPECT_EQ(opened->ValidationLoss(), at_save->ValidationLoss()) << "not the validation examples the run measured";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryTask, JobContract, ::testing::ValuesIn(Cases()), CaseName);

}  // namespace
}  // namespace rnnscope
