// The trainer thread with a real char-LM job: commands apply at step boundaries, snapshots are
// immutable and monotonic, and a UI-like reader hammering it never blocks it. Built and run
// under ThreadSanitizer in CI (RNNSCOPE_SANITIZE=thread).
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "train/job_factory.h"
#include "train/trainer_thread.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

using namespace std::chrono_literals;

using test::SmallOptions;

// Polls until pred(snapshot) holds; fails the test after `timeout`.
using test::WaitFor;

TEST(TrainerThread, TrainsAndPublishesProbeTraces) {
  TrainerThread trainer(SmallOptions());
  trainer.Start();
  auto s = WaitFor(trainer, [](const Snapshot& x) { return x.step >= 5; });
  ASSERT_TRUE(s);
  EXPECT_EQ(s->task, "charlm");
  ASSERT_EQ(s->layers.size(), 1u);
  EXPECT_EQ(s->layers[0].gates.size(), 4u);
  EXPECT_EQ(s->layers[0].gates[0].rows(), 16);
  EXPECT_EQ(s->layers[0].gates[0].cols(), static_cast<Eigen::Index>(s->probe_tokens.size()));
  EXPECT_EQ(s->layers[0].grad_h_norm.size(), s->probe_tokens.size());
  EXPECT_FALSE(s->history.empty());
  EXPECT_FALSE(s->sample.empty());
}

TEST(TrainerThread, PauseStepAndSettingsApplyAtTheNextStep) {
  TrainerOptions o = SmallOptions();
  o.start_paused = true;
  TrainerThread trainer(o);
  trainer.Start();
  auto s = WaitFor(trainer, [](const Snapshot& x) { return x.paused; });
  EXPECT_EQ(s->step, 0);
  trainer.Send(StepCommand{3});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.step == 3; });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(trainer.Latest()->step, 3) << "a paused trainer kept training";

  TrainSettings changed = s->settings;
  changed.learning_rate = 0.01f;
  trainer.Send(SetSettingsCommand{changed});
  trainer.Send(StepCommand{1});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.step == 4; });
  EXPECT_FLOAT_EQ(s->settings.learning_rate, 0.01f);
  ASSERT_EQ(s->markers.size(), 1u);
  EXPECT_EQ(s->markers[0].step, 3) << "the change applies from the step after step 3";
  EXPECT_NE(s->markers[0].what.find("lr"), std::string::npos);
}

// A run trained headless and opened in the window shows the curve that led there (the
// checkpoint's loss history), then the new steps continuing it.
TEST(TrainerThread, StartedFromACheckpointShowsItsCurveAndContinuesIt) {
  TrainerOptions o = SmallOptions();
  std::unique_ptr<Job> headless = MakeJob(o.spec);
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(headless->Step(o.spec.settings).non_finite.empty());
  headless->RecordValidation(25, headless->ValidationLoss());
  const std::vector<LossPoint> saved = headless->LossHistory().Points();
  ASSERT_EQ(saved.size(), 25u);
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("rnnscope_thread_history." + std::to_string(::getpid()) + ".safetensors");
  headless->Save(path.string(), o.spec.settings);

  o.checkpoint = path.string();
  TrainerThread trainer(o);
  trainer.Start();
  // A checkpoint opens paused at its step, its curve already there.
  auto s = WaitFor(trainer, [](const Snapshot& x) { return x.has_job && x.paused && x.step == 25; });
  ASSERT_EQ(s->history.size(), saved.size());
  for (std::size_t k = 0; k < saved.size(); ++k) {
    EXPECT_EQ(s->history[k].step, saved[k].step) << k;
    EXPECT_EQ(s->history[k].train_loss, saved[k].train_loss) << k;
  }
  EXPECT_EQ(s->history.back().val_loss, saved.back().val_loss) << "the val point came along";
  trainer.Send(StepCommand{10});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.step == 35 && x.history.size() == 35; });
  for (std::size_t k = 0; k < saved.size(); ++k) EXPECT_EQ(s->history[k].train_loss, saved[k].train_loss) << k;
  for (std::size_t k = 25; k < 35; ++k) EXPECT_EQ(s->history[k].step, static_cast<int64_t>(k) + 1);
  trainer.Stop();
  std::filesystem::remove(path);
}

TEST(TrainerThread, RebuildAndBadRebuild) {
  TrainerThread trainer(SmallOptions());
  trainer.Start();
  WaitFor(trainer, [](const Snapshot& x) { return x.step >= 1; });
  RebuildCommand rebuild;
  rebuild.task = "charlm";
  rebuild.model.cell = CellKind::kGru;
  rebuild.model.hidden = 8;
  rebuild.settings = SmallOptions().spec.settings;
  trainer.Send(rebuild);
  auto s = WaitFor(trainer, [](const Snapshot& x) { return x.config.cell == CellKind::kGru && x.step >= 2; });
  EXPECT_EQ(s->layers[0].gate_names, (std::vector<std::string>{"r", "z", "n"}));
  rebuild.task = "no-such-task";
  trainer.Send(rebuild);
  s = WaitFor(trainer, [](const Snapshot& x) { return !x.error.empty(); });
  EXPECT_NE(s->error.find("unknown task"), std::string::npos) << s->error;
  EXPECT_EQ(s->config.cell, CellKind::kGru) << "a failed rebuild must keep the old model";
}

// A UI thread that reads every field of the newest snapshot and sends commands as fast as it
// can, while the trainer trains and publishes every 1 ms. Neither side may stall the other.
TEST(TrainerThread, StressReaderAndCommandsNeverBlockTraining) {
  TrainerOptions o = SmallOptions();
  o.publish_interval_ms = 1;
  TrainerThread trainer(o);
  trainer.Start();
  WaitFor(trainer, [](const Snapshot& x) { return x.step >= 1; });
  std::atomic<bool> done{false};
  std::atomic<long> frames{0};
  auto ui = [&](int id) {
    uint64_t last_version = 0;
    double sink = 0;
    while (!done) {
      auto s = trainer.Latest();
      ASSERT_GE(s->version, last_version);
      last_version = s->version;
      for (const LayerTrace& l : s->layers)
        for (const MatF& g : l.gates) sink += static_cast<double>(g.sum());
      for (const LossPoint& p : s->history) sink += static_cast<double>(p.train_loss);
      sink += static_cast<double>(s->sample.size());
      if (++frames % 97 == 0) {
        TrainSettings settings = s->settings;
        settings.learning_rate = id == 0 ? 0.003f : 0.002f;
        trainer.Send(SetSettingsCommand{settings});
        trainer.Send(ProbeCommand{id == 0 ? "(hello \"world\")" : ""});
      }
    }
    EXPECT_TRUE(std::isfinite(sink));
  };
  const int64_t start_step = trainer.Latest()->step;
  std::thread a(ui, 0), b(ui, 1);
  std::this_thread::sleep_for(3s);
  done = true;
  a.join();
  b.join();
  const int64_t steps = trainer.Latest()->step - start_step;
  EXPECT_GT(steps, 10) << "training stalled under UI load";
  EXPECT_GT(frames.load(), 100);
  trainer.Stop();
}

}  // namespace
}  // namespace rnnscope

namespace rnnscope {
namespace {

// The Attention panel's "Force": a decoder prefix reaches the probe's greedy output and beam,
// both start with it, the snapshot says so; a token the target side lacks is refused in the
// status line; "" frees the decoder again; a char LM has no decoder and says so.
TEST(TrainerThread, ADecoderPrefixForcesTheProbesDecodingAndEmptyFreesIt) {
  TrainerOptions o = test::SmallOptions();
  o.spec.task = "reverse";
  o.spec.model = {};
  TrainerThread trainer(o);
  trainer.Start();
  trainer.Send(ProbeCommand{"abcd"});
  test::WaitFor(trainer, [](const Snapshot& s) { return s.step > 1 && !s.attention.empty(); });
  trainer.Send(DecoderPrefixCommand{"zz"});
  auto s = test::WaitFor(trainer, [](const Snapshot& s) {
    return !s.attention.empty() && s.attention[0].forced_prefix_tokens == 2;
  });
  const AttentionTrace& a = s->attention[0];
  EXPECT_EQ(a.forced_prefix, "zz");
  ASSERT_GE(a.output_tokens.size(), 3u);
  EXPECT_EQ(a.output_tokens[0], "z");
  EXPECT_EQ(a.output_tokens[1], "z");
  EXPECT_EQ(a.weights.rows(), static_cast<Eigen::Index>(a.output_tokens.size())) << "one attention row per output";
  for (const std::string& b : a.beam_outputs) EXPECT_EQ(b.rfind("zz", 0), 0u) << b;
  trainer.Send(DecoderPrefixCommand{"z!"});
  s = test::WaitFor(trainer, [](const Snapshot& s) { return s.status.find("'!' is not in the") != std::string::npos; });
  EXPECT_NE(s->status.find("prefix character 2"), std::string::npos) << s->status;
  trainer.Send(DecoderPrefixCommand{""});
  test::WaitFor(trainer, [](const Snapshot& s) { return !s.attention.empty() && s.attention[0].forced_prefix.empty(); });
  trainer.Stop();

  TrainerThread lm(test::SmallOptions());
  lm.Start();
  test::WaitFor(lm, [](const Snapshot& s) { return s.step > 0; });
  lm.Send(DecoderPrefixCommand{"ab"});
  test::WaitFor(lm, [](const Snapshot& s) { return s.status.find("has no decoder") != std::string::npos; });
  lm.Stop();
}

}  // namespace
}  // namespace rnnscope
