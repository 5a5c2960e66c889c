// The 3-bit flip-flop (tasks/flipflop_task.cpp) and what issue 17 asks of it: trained through
// the real job (MakeJob + Step, as `rnnscope train` runs it) to ≥ 0.95 validation accuracy, its
// recurrence for the no-pulse input has 8 stable fixed points, one per memory state (the
// per-step readout at each decodes to a different one of the 8), and saddles between them.
// Also the task itself (tags follow the last pulse, −1 before any) and `rnnscope dynamics` on a
// real checkpoint (its JSON, and a bad --input).
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "core/error.h"
#include "tasks/tagging_task.h"
#include "train/dynamics_source.h"
#include "train/job_factory.h"
#include "train/structure_job.h"
#include "run_command_test_util.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

TEST(FlipFlopTask, TagsAreTheLastPulsePerChannelAndMinusBeforeAny) {
  const auto task = MakeTaggingTask("flipflop", nlohmann::json::object());
  EXPECT_EQ(task->words().Size(), 4 + 27);  // the specials, then the 27 channel combinations
  ASSERT_EQ(task->tags().size(), 8u);
  std::string why;
  EXPECT_EQ(task->words().Token(task->RestInput(&why)), "000");
  Rng rng(7), again(7);
  int pulses = 0, steps = 0;
  for (int i = 0; i < 50; ++i) {
    const TaggingExample ex = task->Sample(rng, Split::kTrain);
    const TaggingExample same = task->Sample(again, Split::kTrain);
    EXPECT_EQ(ex.words, same.words);  // deterministic given the seed
    ASSERT_GE(ex.words.size(), 50u);
    ASSERT_LE(ex.words.size(), 100u);
    std::string memory = "---";
    for (std::size_t t = 0; t < ex.words.size(); ++t) {
      const std::string in = task->words().Token(ex.words[t]);
      for (int c = 0; c < 3; ++c)
        if (in[static_cast<std::size_t>(c)] != '0') memory[static_cast<std::size_t>(c)] = in[static_cast<std::size_t>(c)];
      pulses += in != "000";
      ++steps;
      EXPECT_EQ(task->tags()[static_cast<std::size_t>(ex.tags[t])], memory) << "example " << i << " step " << t;
    }
  }
  EXPECT_GT(pulses, steps / 12);  // 1 − 0.95³ ≈ 14% of steps carry a pulse
  EXPECT_LT(pulses, steps / 5);
}

// Trains flipflop with its defaults (GRU, 16 units) for `steps` steps of the real job.
std::unique_ptr<Job> TrainFlipFlop(int steps, uint64_t seed) {
  JobSpec spec;
  spec.task = "flipflop";
  spec.given = std::set<std::string>{};  // every model field the task's default
  spec.settings.seed = seed;
  std::unique_ptr<Job> job = MakeJob(spec);
  const TrainSettings settings = CheckedSpec(spec).settings;
  for (int i = 0; i < steps; ++i) job->Step(settings);
  return job;
}

struct Census {
  double accuracy = 0;
  int stable = 0, saddle = 0, fixed = 0;
  std::set<std::string> memories;  // the readout at each stable fixed point
  std::size_t points = 0;
};

// Trains `steps` steps, measures validation accuracy, searches the no-pulse map from `starts`
// held-out states with `iterations` LM iterations each, and decodes each stable point with fc.
Census TrainAndSearch(int steps, int starts, int iterations) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Job> job = TrainFlipFlop(steps, 1);
  auto* structure = dynamic_cast<StructureJob*>(job.get());
  EXPECT_NE(structure, nullptr);
  Census c;
  if (!structure) return c;
  c.accuracy = structure->Evaluate(Split::kValidation, 500, 3).at("token_accuracy").get<double>();
  const double trained = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const DynamicsSource source = job->Dynamics();
  EXPECT_TRUE(source.per_step_readout);
  EXPECT_EQ(source.tokens[static_cast<std::size_t>(source.default_input)], "000");
  const StateMap map(source.config, source.params);
  FixedPointOptions options;
  options.max_iterations = iterations;
  const FixedPointResult result = SearchFixedPoints(source, map, source.default_input, starts, options);
  c.points = result.points.size();
  for (const FixedPoint& p : result.points) {
    if (!p.fixed) continue;
    ++c.fixed;
    EXPECT_LE(p.q, 1e-12);
    if (p.stability == Stability::kSaddle) ++c.saddle;
    if (p.stability != Stability::kStable) continue;
    ++c.stable;
    const Eigen::VectorXd logits = source.params.fc_w * p.state.head(source.config.hidden) + source.params.fc_b.col(0);
    Eigen::Index tag = 0;
    logits.maxCoeff(&tag);
    c.memories.insert(source.outputs[static_cast<std::size_t>(tag)]);
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("flipflop: accuracy %.4f after %d steps (%.1f s); %d fixed (%d stable, %d saddle), %zu slow; "
              "%zu memories at stable points; %.1f s in all\n",
              c.accuracy, steps, trained, c.fixed, c.stable, c.saddle, c.points - static_cast<std::size_t>(c.fixed),
              c.memories.size(), total);
  return c;
}

// Bounded (about 15 s): accuracy is reached within 1,500 steps, and each stable fixed point the
// search finds then already holds a memory state of its own. Measured (seed 1): 4 stable points
// — the other memories are still held by slow points, which 50–100-step sequences allow.
TEST(FlipFlopDynamics, AtAccuracyEachStableFixedPointHoldsItsOwnMemoryState) {
  const Census c = TrainAndSearch(1500, 64, 1000);
  EXPECT_GE(c.accuracy, 0.95);
  EXPECT_GE(c.stable, 2);
  EXPECT_EQ(c.memories.size(), static_cast<std::size_t>(c.stable));
}

// Issue 17's assertion: 8 stable fixed points, one per memory state, and saddles. It holds only
// after long training (measured with `rnnscope train --task flipflop --seconds 120`, 104,610
// steps: exactly 8 stable fixed points with 8 different readouts, with --iterations 1000; at
// 17,198 steps 4 stable and 53 saddles; at 8,000 steps 4 stable): longer than a test may run on
// this machine, hence disabled. Run it with --gtest_also_run_disabled_tests.
TEST(FlipFlopDynamics, DISABLED_LongTrainedModelHasEightStableFixedPointsOnePerMemoryState) {
  const Census c = TrainAndSearch(105000, 256, 1000);
  EXPECT_GE(c.accuracy, 0.95);
  EXPECT_EQ(c.stable, 8);
  EXPECT_GE(c.saddle, 1);
  EXPECT_EQ(c.memories.size(), 8u) << "each stable point should hold a different memory state";
}

// Which structure jobs have a state map: a unidirectional tagger or classifier does (its
// held-out sequences read from the zero state); a bidirectional one and a generator say why not.
TEST(StructureDynamics, UnidirectionalEncodersHaveOneAndTheOthersSayWhyNot) {
  auto make = [](const std::string& task, bool bidirectional) {
    JobSpec spec;
    spec.task = task;
    spec.given = bidirectional ? std::set<std::string>{"hidden", "bidirectional"} : std::set<std::string>{"hidden"};
    spec.model.hidden = 8;
    spec.model.bidirectional = bidirectional;
    return MakeJob(spec);
  };
  const DynamicsSource majority = make("majority", false)->Dynamics();
  EXPECT_FALSE(majority.per_step_readout);
  EXPECT_FALSE(majority.held_out.empty());
  EXPECT_LE(majority.held_out.size(), 256u);  // StructureJob::kDynamicsSequences
  EXPECT_NE(majority.tokens[static_cast<std::size_t>(majority.default_input)].front(), '<');
  const StateMap map(majority.config, majority.params);
  EXPECT_EQ(Trajectory(map, majority.held_out[0]).cols(), static_cast<Eigen::Index>(majority.held_out[0].size()));
  const DynamicsSource slots = make("slots", false)->Dynamics();
  EXPECT_TRUE(slots.per_step_readout);
  EXPECT_EQ(slots.outputs.size(), static_cast<std::size_t>(slots.params.fc_w.rows()));
  try {
    make("slots", true)->Dynamics();
    ADD_FAILURE() << "a bidirectional tagger has no state map";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bidirectional"), std::string::npos) << e.what();
  }
  std::unique_ptr<Job> spell = make("spell", false);
  try {
    spell->Dynamics();
    ADD_FAILURE() << "a generator has no constant input";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("conditioned"), std::string::npos) << e.what();
  }
}

using test::RunCommand;

TEST(DynamicsBinary, PrintsFixedPointsAsJsonAndRefusesAnUnknownInput) {
  const fs::path binary = fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope";
  if (!fs::exists(binary)) GTEST_SKIP() << binary << " not built";
  const fs::path dir = fs::temp_directory_path() / ("rnnscope_dynamics_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string ckpt = (dir / "lm.safetensors").string();
  int status = -1;
  const std::string trained =
      RunCommand(binary.string() + " train --hidden 8 --steps 20 --print-every 20 --ckpt " + ckpt, &status);
  ASSERT_EQ(status, 0) << trained;

  const std::string out = RunCommand(binary.string() + " dynamics --ckpt " + ckpt + " --starts 24 --json", &status, false);
  ASSERT_EQ(status, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j.at("task"), "charlm");
  EXPECT_EQ(j.at("input").at("token"), "space");  // the char LM's default input
  EXPECT_EQ(j.at("starts"), 24);
  EXPECT_EQ(j.at("state_size"), 16);  // LSTM: h and c of 8
  int fixed = 0;
  for (const auto& p : j.at("points")) {
    const std::string stability = p.at("stability");
    EXPECT_TRUE(stability == "stable" || stability == "saddle" || stability == "unstable") << stability;
    EXPECT_EQ(p.at("eigenvalue_moduli").size(), 16u);
    if (p.at("kind") == "fixed") {
      ++fixed;
      EXPECT_LE(p.at("q").get<double>(), 1e-12);
    } else {
      EXPECT_EQ(p.at("kind"), "slow");
    }
    EXPECT_TRUE(p.contains("nearest"));
  }
  EXPECT_EQ(fixed, j.at("fixed").get<int>());
  EXPECT_EQ(j.at("points").size() + j.at("dropped").get<std::size_t>() > 0, true);

  const std::string bad = RunCommand(binary.string() + " dynamics --ckpt " + ckpt + " --input nosuchtoken", &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(bad.find("--input: 'nosuchtoken' is not one of the model's"), std::string::npos) << bad;
  const std::string missing = RunCommand(binary.string() + " dynamics --ckpt " + (dir / "none.safetensors").string(), &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(missing.find("none.safetensors"), std::string::npos) << missing;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rnnscope
