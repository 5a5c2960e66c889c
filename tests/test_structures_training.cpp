// Each structure type trains from the same path as `rnnscope train` (MakeJob with a JobSpec,
// Job::Step) and beats chance clearly on held-out data; its checkpoint goes through LoadJob (as
// `eval --ckpt` does) and scores the same. Budgets are small so that each test stays within a
// few seconds in Release on two slow cores.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "train/classification_job.h"
#include "train/generation_job.h"
#include "train/job_factory.h"
#include "train/settings_json.h"
#include "train/tagging_job.h"
#include "train/trainer_thread.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

struct Trained {
  std::unique_ptr<Job> job;
  nlohmann::json metrics;  // test split
  double seconds = 0;
};

JobSpec Spec(const std::string& task) {
  JobSpec spec;
  spec.task = task;
  spec.model.cell = CellKind::kGru;
  spec.model.hidden = 32;
  spec.model.embed = 16;
  spec.settings.learning_rate = 1e-2f;
  spec.settings.batch = 32;
  spec.settings.seed = 3;
  return spec;
}

Trained Train(const JobSpec& spec, int steps) {
  Trained r;
  const auto start = std::chrono::steady_clock::now();
  r.job = MakeJob(spec);
  for (int i = 0; i < steps; ++i) {
    const StepResult s = r.job->Step(spec.settings);
    EXPECT_TRUE(s.non_finite.empty()) << s.non_finite;
  }
  auto* sj = dynamic_cast<StructureJob*>(r.job.get());
  EXPECT_NE(sj, nullptr);
  if (sj) r.metrics = sj->Evaluate(Split::kTest, 500, 99);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %d steps in %.1f s: %s\n", spec.task.c_str(), steps, r.seconds, r.metrics.dump().c_str());
  return r;
}

// Saves, reloads through LoadJob and checks the reloaded job scores exactly the same and
// snapshots without error.
void ExpectCheckpointRoundTrip(const Trained& t, const TrainSettings& settings) {
  const fs::path path = fs::temp_directory_path() / ("rnnscope_structures." + std::to_string(::getpid()) + ".safetensors");
  t.job->Save(path.string(), settings);
  TrainSettings loaded_settings;
  std::unique_ptr<Job> loaded = LoadJob(path.string(), &loaded_settings);
  fs::remove(path);
  ASSERT_EQ(loaded->Task(), t.job->Task());
  EXPECT_EQ(loaded->StepCount(), t.job->StepCount());
  EXPECT_EQ(loaded_settings.learning_rate, settings.learning_rate);
  auto* sj = dynamic_cast<StructureJob*>(loaded.get());
  ASSERT_NE(sj, nullptr);
  EXPECT_EQ(sj->Evaluate(Split::kTest, 500, 99), t.metrics);
  Snapshot snap;
  loaded->FillSnapshot("", settings, snap);
  EXPECT_FALSE(snap.layers.empty());
  EXPECT_GT(snap.layers.front().hidden.cols(), 0);
  EXPECT_EQ(snap.layers.front().hidden.cols(), static_cast<Eigen::Index>(snap.probe_tokens.size()));
  EXPECT_EQ(snap.probe_probs.cols(), static_cast<Eigen::Index>(snap.probe_tokens.size()));
  // In-memory checkpoints (time travel) replay bit for bit.
  auto a = t.job->SaveToBytes(settings);
  auto b = t.job->LoadFromBytes(a, nullptr);
  EXPECT_EQ(b->SaveToBytes(settings), a);
  TrainSettings s = settings;
  const float la = b->Step(s).loss;
  const float lb = loaded->Step(s).loss;
  EXPECT_EQ(la, lb) << "a reloaded job continues identically";
}

// ---------------------------------------------------------------- N→N tagging

TEST(StructureTraining, SlotFillingBidirectionalBeatsChance) {
  JobSpec spec = Spec("slots");
  spec.model.bidirectional = true;
  const Trained t = Train(spec, 300);
  // Always "O" is right on about half the words; slot F1 of a constant tagger is 0.
  EXPECT_GT(t.metrics.at("token_accuracy").get<double>(), 0.95);
  EXPECT_GT(t.metrics.at("f1").get<double>(), 0.9);
  for (const char* slot : {"from", "to", "date"}) EXPECT_GT(t.metrics.at("per_slot").at(slot).at("f1").get<double>(), 0.8) << slot;
  ExpectCheckpointRoundTrip(t, spec.settings);
  auto* tagger = dynamic_cast<TaggingJob*>(t.job.get());
  ASSERT_NE(tagger, nullptr);
  // The same city, two roles: the verb decides.
  const auto a = tagger->Tag("leave taipei on monday and arrive in tokyo");
  const auto b = tagger->Tag("arrive in taipei on monday and leave tokyo");
  EXPECT_EQ(a[1], "B-from");
  EXPECT_EQ(b[2], "B-to");
  // Right context: only the word after the first city tells its role.
  EXPECT_EQ(tagger->Tag("taipei to tokyo")[0], "B-from");
  EXPECT_EQ(tagger->Tag("taipei from tokyo")[0], "B-to");
}

TEST(StructureTraining, SlotFillingUnidirectionalAndPlainTagsTrain) {
  JobSpec spec = Spec("slots");
  spec.tags = "plain";
  const Trained t = Train(spec, 300);
  EXPECT_GT(t.metrics.at("token_accuracy").get<double>(), 0.85);
  EXPECT_GT(t.metrics.at("f1").get<double>(), 0.7);
  EXPECT_TRUE(t.metrics.at("per_slot").contains("date"));
  // A unidirectional tagger tags the first word before it has seen the second: "taipei to …"
  // and "taipei from …" must get the same first tag, so one of them is wrong.
  auto* tagger = dynamic_cast<TaggingJob*>(t.job.get());
  ASSERT_NE(tagger, nullptr);
  EXPECT_EQ(tagger->Tag("taipei to tokyo")[0], tagger->Tag("taipei from tokyo")[0]);
  EXPECT_EQ(tagger->Tag("leave taipei")[1], "from");
  EXPECT_EQ(tagger->Tag("arrive in taipei")[2], "to");
}

TEST(StructureTraining, ConllFileTrains) {
  // A tiny two-column file: the tag of a word is decided by the word before it.
  const fs::path path = fs::temp_directory_path() / ("rnnscope_conll." + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(path);
    const char* names[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
    Rng rng(5);
    for (int s = 0; s < 200; ++s) {
      const char* n = names[rng.UniformInt(6)];
      if (rng.UniformInt(2)) out << "meet\tO\n" << n << "\tB-PER\nin\tO\nparis\tB-LOC\n\n";
      else out << "visit\tO\n" << n << "\tB-LOC\n\n";
    }
  }
  JobSpec spec = Spec("conll");
  spec.data_path = path.string();
  const Trained t = Train(spec, 150);
  EXPECT_GT(t.metrics.at("token_accuracy").get<double>(), 0.9);
  // A file is scored on its own test sentences, each once (not 500 draws).
  EXPECT_GT(t.metrics.at("examples").get<int>(), 0);
  EXPECT_LT(t.metrics.at("examples").get<int>(), 200);
  // Twelve distinct sentences: the test split is empty and borrows the training sentences.
  EXPECT_NE(t.metrics.value("note", "").find("no test sentences"), std::string::npos) << t.metrics.dump();
  ExpectCheckpointRoundTrip(t, spec.settings);
  fs::remove(path);
}

// ---------------------------------------------------------------- N→1 classification

TEST(StructureTraining, MajorityMeanReadoutBeatsChance) {
  JobSpec spec = Spec("majority");
  spec.readout = "mean";
  const Trained t = Train(spec, 400);
  const double chance = t.metrics.at("chance").get<double>();
  EXPECT_LT(chance, 0.45);
  EXPECT_GT(t.metrics.at("accuracy").get<double>(), 0.8);
  for (const char* c : {"a", "b", "c"}) EXPECT_GT(t.metrics.at("per_class").at(c).at("accuracy").get<double>(), 0.6) << c;
  ExpectCheckpointRoundTrip(t, spec.settings);
}

TEST(StructureTraining, BracketsLastReadoutBeatsChance) {
  JobSpec spec = Spec("brackets");
  spec.readout = "last";
  const Trained t = Train(spec, 600);
  EXPECT_GT(t.metrics.at("accuracy").get<double>(), 0.75);  // chance 0.5
  for (const char* c : {"balanced", "unbalanced"})
    EXPECT_GT(t.metrics.at("per_class").at(c).at("accuracy").get<double>(), 0.6) << c;
  ExpectCheckpointRoundTrip(t, spec.settings);
}

// ---------------------------------------------------------------- 1→N generation

TEST(StructureTraining, SpellConditionedAtEveryStep) {
  JobSpec spec = Spec("spell");
  spec.condition = "every";
  const Trained t = Train(spec, 300);
  // Chance: 1 in 20 words; guessing the most common letters gets no whole word right.
  EXPECT_GT(t.metrics.at("sequence_accuracy").get<double>(), 0.9);
  EXPECT_GT(t.metrics.at("token_accuracy").get<double>(), 0.95);
  ExpectCheckpointRoundTrip(t, spec.settings);
  auto* gen = dynamic_cast<GenerationJob*>(t.job.get());
  ASSERT_NE(gen, nullptr);
  EXPECT_EQ(gen->Generate("seventeen"), "seventeen");
}

TEST(StructureTraining, SpellConditionedAtTheFirstStep) {
  JobSpec spec = Spec("spell");
  spec.condition = "first";
  const Trained t = Train(spec, 400);
  EXPECT_GT(t.metrics.at("sequence_accuracy").get<double>(), 0.8);
}

// numbers (0..99 → "forty two"): conditioning at every step learns faster than at the first
// step only, where both digits must be carried in the state for up to 13 steps. (Measured here
// at 400 steps with these settings, H = 32: every 0.982, first 0.268 sequence accuracy.)
TEST(StructureTraining, NumbersEveryStepConditioningLearnsFaster) {
  JobSpec spec = Spec("numbers");
  spec.model.hidden = 32;
  spec.settings.learning_rate = 3e-3f;
  spec.condition = "every";
  const Trained every = Train(spec, 400);
  spec.condition = "first";
  const Trained first = Train(spec, 400);
  EXPECT_GT(every.metrics.at("sequence_accuracy").get<double>(), 0.9);
  EXPECT_GT(first.metrics.at("sequence_accuracy").get<double>(), 0.1);  // chance 0.01
  EXPECT_GT(every.metrics.at("sequence_accuracy").get<double>(), first.metrics.at("sequence_accuracy").get<double>() + 0.3);
}

// ---------------------------------------------------------------- the GUI's trainer thread

// Polls (never blocking the trainer) until the latest snapshot satisfies pred; fails after 60 s.
std::shared_ptr<const Snapshot> WaitFor(const TrainerThread& trainer, const std::function<bool(const Snapshot&)>& pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto s = trainer.Latest();
    if (s && pred(*s)) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ADD_FAILURE() << "condition not reached within 60 s";
  return trainer.Latest();
}

// The window drives every job through TrainerThread: it trains, publishes the probe's layer
// traces (one column per probe token) and keeps in-memory checkpoints for time travel.
TEST(StructureTraining, TrainerThreadPublishesTraces) {
  for (const char* task : {"slots", "brackets", "spell"}) {
    SCOPED_TRACE(task);
    TrainerOptions o;
    o.spec = Spec(task);
    o.spec.model.bidirectional = std::string(task) == "slots";
    o.spec.readout = "mean";
    o.publish_interval_ms = 5;
    o.validate_interval_ms = 50;
    TrainerThread trainer(o);
    trainer.Start();
    auto s = WaitFor(trainer, [](const Snapshot& x) { return x.step >= 5 && !x.layers.empty(); });
    ASSERT_TRUE(s);
    EXPECT_EQ(s->task, task);
    EXPECT_TRUE(s->error.empty()) << s->error;
    ASSERT_FALSE(s->layers.empty());
    const auto T = static_cast<Eigen::Index>(s->probe_tokens.size());
    for (const LayerTrace& l : s->layers) {
      EXPECT_EQ(l.hidden.cols(), T);
      EXPECT_EQ(l.gates.size(), 3u);  // GRU r, z, n
      EXPECT_EQ(l.gates[0].cols(), T);
    }
    EXPECT_EQ(s->layers.size(), std::string(task) == "slots" ? 2u : 1u);
    EXPECT_EQ(s->probe_probs.cols(), T);
    EXPECT_FALSE(s->sample.empty());
    EXPECT_FALSE(s->params.empty());
  }
}

// ---------------------------------------------------------------- the real binary

// `rnnscope train --task T ... --ckpt C` then `rnnscope eval --ckpt C --json`.
TEST(StructureTraining, TrainAndEvalThroughTheBinary) {
  const fs::path binary = fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope";
  if (!fs::exists(binary)) GTEST_SKIP() << binary << " is not built";
  const fs::path ckpt = fs::temp_directory_path() / ("rnnscope_cli." + std::to_string(::getpid()) + ".safetensors");
  auto run = [](const std::string& cmd, std::string& out) {
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return -1;
    char buf[512];
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    const int status = ::pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string out;
  ASSERT_EQ(run(binary.string() + " train --task majority --readout mean --steps 150 --lr 0.01 --print-every 150 --ckpt " +
                    ckpt.string() + " 2>&1", out), 0) << out;
  EXPECT_NE(out.find("model: majority"), std::string::npos) << out;
  std::string json;
  ASSERT_EQ(run(binary.string() + " eval --ckpt " + ckpt.string() + " --json --n 300", json), 0) << json;
  const nlohmann::json m = nlohmann::json::parse(json);
  EXPECT_EQ(m.at("task"), "majority");
  EXPECT_EQ(m.at("step"), 150);
  EXPECT_EQ(m.at("examples"), 300);
  EXPECT_GT(m.at("accuracy").get<double>(), 0.6);  // chance ≈ 0.4
  EXPECT_TRUE(m.at("per_class").contains("a"));
  std::string text;
  ASSERT_EQ(run(binary.string() + " eval --ckpt " + ckpt.string() + " --n 100", text), 0) << text;
  EXPECT_NE(text.find("accuracy"), std::string::npos) << text;
  fs::remove(ckpt);
}

// ---------------------------------------------------------------- options

TEST(StructureTraining, BadOptionsAreConfigErrors) {
  JobSpec spec = Spec("conll");
  EXPECT_THROW(MakeJob(spec), ConfigError);  // no --data
  spec = Spec("majority");
  spec.readout = "max";
  EXPECT_THROW(MakeJob(spec), ConfigError);
  spec = Spec("spell");
  spec.model.bidirectional = true;
  EXPECT_THROW(MakeJob(spec), ConfigError);
}

}  // namespace
}  // namespace rnnscope
