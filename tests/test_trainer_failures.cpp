// Failure paths of the trainer thread (docs/architecture.md §2): a command that needs a model
// when none was built answers with a message, a NaN step drops the steps still pending, and a
// Seed edit reaches the next Reset. Threaded: run under TSan by .ci/sanitizers.sh.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "train/trainer_thread.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

using namespace std::chrono_literals;
using test::WaitFor;

TrainerOptions SmallOptions() {
  TrainerOptions o = test::SmallOptions();
  o.start_paused = true;
  return o;
}

// `screenshot --cell jordan --bidirectional --export-model m.safetensors` segfaulted: Save ran on
// the job that failed to build.
TEST(TrainerFailures, SaveAndResetWithoutAJobGiveAMessage) {
  TrainerOptions o = SmallOptions();
  o.spec.model.cell = CellKind::kJordan;
  o.spec.model.bidirectional = true;
  TrainerThread trainer(o);
  trainer.Start();
  auto s = WaitFor(trainer, [](const Snapshot& x) { return !x.error.empty(); });
  EXPECT_FALSE(s->has_job);
  const std::string path = (std::filesystem::temp_directory_path() / "rnnscope_no_job.safetensors").string();
  std::filesystem::remove(path);
  for (bool state_dict : {false, true}) {
    trainer.Send(SaveCommand{path, state_dict});
    s = WaitFor(trainer, [](const Snapshot& x) { return x.error.find("no model is running") != std::string::npos; });
    EXPECT_NE(s->error.find(state_dict ? "export model" : "save checkpoint"), std::string::npos) << s->error;
    trainer.Send(PauseCommand{false});  // clears the error for the next round
    WaitFor(trainer, [](const Snapshot& x) { return x.error.empty(); });
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  trainer.Send(StepCommand{3});
  trainer.Send(ResetCommand{});
  s = WaitFor(trainer, [](const Snapshot& x) { return !x.error.empty(); });
  EXPECT_FALSE(s->has_job);
  EXPECT_EQ(s->step, 0);
}

// A Step N that hits a NaN stops there: the steps after it must not run once the user changes
// the learning rate (before, they did — on weights the user had not looked at yet).
TEST(TrainerFailures, NanStepClearsPendingSteps) {
  TrainerOptions o = SmallOptions();
  o.spec.model.cell = CellKind::kRnnRelu;  // unbounded: lr 1e6 blows up at once
  o.spec.model.hidden = 64;
  o.spec.settings.batch = 16;
  o.spec.settings.optimizer = "sgd";
  o.spec.settings.clip_mode = "none";
  o.spec.settings.learning_rate = 1e6f;
  TrainerThread trainer(o);
  trainer.Start();
  WaitFor(trainer, [](const Snapshot& x) { return x.has_job; });
  trainer.Send(StepCommand{1000000});
  auto s = WaitFor(trainer, [](const Snapshot& x) { return x.error.find("NaN") != std::string::npos; });
  ASSERT_TRUE(s->paused);
  TrainSettings sane = s->settings;
  sane.learning_rate = 1e-3f;
  trainer.Send(SetSettingsCommand{sane});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.settings.learning_rate < 1.0f; });
  const int64_t step = s->step;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(trainer.Latest()->step, step) << "pending steps ran on after the NaN";
}

// The Seed in Controls is a SetSettingsCommand; a Reset then starts from it. Before, a change of
// the seed alone counted as "no change" and was dropped.
TEST(TrainerFailures, SeedEditTakesEffectOnReset) {
  TrainerOptions seven = SmallOptions();
  seven.spec.settings.seed = 7;
  TrainerThread reference(seven);
  reference.Start();
  const auto want = WaitFor(reference, [](const Snapshot& x) { return x.has_job && !x.params.empty(); });

  TrainerThread trainer(SmallOptions());  // seed 1
  trainer.Start();
  auto s = WaitFor(trainer, [](const Snapshot& x) { return x.has_job && !x.params.empty(); });
  ASSERT_NE(s->params.front().norm, want->params.front().norm) << "seeds 1 and 7 gave the same weights";
  TrainSettings edited = s->settings;
  edited.seed = 7;
  trainer.Send(SetSettingsCommand{edited});
  trainer.Send(ResetCommand{});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.status.find("seed 7") != std::string::npos; });
  EXPECT_EQ(s->settings.seed, 7u);
  ASSERT_EQ(s->params.size(), want->params.size());
  for (std::size_t i = 0; i < s->params.size(); ++i) {
    EXPECT_EQ(s->params[i].norm, want->params[i].norm) << s->params[i].name;
  }
}

}  // namespace
}  // namespace rnnscope
