// Learning-rate schedules (train/lr_schedule.h): each schedule's rate at chosen steps, the
// reduce-on-plateau decisions on a sequence of validation losses, the settings' JSON (old
// files without the fields train at a constant rate), the marker texts, and a job: the schedule
// is applied in the training step and survives save → load bit for bit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "train/checkpoint.h"
#include "train/job_factory.h"
#include "train/lr_schedule.h"
#include "train/lr_schedule_cadence.h"
#include "train/settings_edit.h"
#include "train/settings_json.h"
#include "train/training_job.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

TrainSettings Schedule(const std::string& kind, float lr) {
  TrainSettings s;
  s.lr_schedule = kind;
  s.learning_rate = lr;
  return s;
}

TEST(LrSchedule, ConstantIsTheBaseRateAtEveryStep) {
  const TrainSettings s = Schedule("constant", 0.003f);
  PlateauState p;
  p.reductions = 5;  // ignored: only plateau reads it
  for (int64_t step : {0, 1, 999, 1000000}) EXPECT_EQ(LearningRateAt(s, step, p), 0.003f) << step;
  EXPECT_FALSE(ScheduleActive(s));
}

TEST(LrSchedule, StepMultipliesByGammaEveryNSteps) {
  TrainSettings s = Schedule("step", 0.1f);
  s.lr_step = 10;
  s.lr_gamma = 0.5f;
  const PlateauState p;
  EXPECT_EQ(LearningRateAt(s, 0, p), 0.1f);
  EXPECT_EQ(LearningRateAt(s, 9, p), 0.1f);
  EXPECT_EQ(LearningRateAt(s, 10, p), 0.05f);
  EXPECT_EQ(LearningRateAt(s, 19, p), 0.05f);
  EXPECT_EQ(LearningRateAt(s, 25, p), 0.025f);
  EXPECT_EQ(LearningRateAt(s, 30, p), 0.0125f);
  s.lr_gamma = 0.1f;
  EXPECT_FLOAT_EQ(LearningRateAt(s, 20, p), 0.001f);
  EXPECT_TRUE(ScheduleActive(s));
}

TEST(LrSchedule, CosineWarmsUpLinearlyThenFollowsTheCosineToTheMinimum) {
  TrainSettings s = Schedule("cosine", 1.0f);
  s.lr_warmup = 4;
  s.lr_total = 14;
  s.lr_min = 0.1f;
  const PlateauState p;
  EXPECT_EQ(LearningRateAt(s, 0, p), 0.25f);
  EXPECT_EQ(LearningRateAt(s, 1, p), 0.5f);
  EXPECT_EQ(LearningRateAt(s, 3, p), 1.0f);
  EXPECT_EQ(LearningRateAt(s, 4, p), 1.0f);           // warm-up done: the peak
  EXPECT_FLOAT_EQ(LearningRateAt(s, 9, p), 0.55f);    // halfway: (1 + 0.1) / 2
  // A fifth of the way: 0.1 + 0.9 (1 + cos(0.2π)) / 2 = 0.914058
  EXPECT_NEAR(LearningRateAt(s, 6, p), 0.914058, 1e-6);
  EXPECT_FLOAT_EQ(LearningRateAt(s, 14, p), 0.1f);
  EXPECT_FLOAT_EQ(LearningRateAt(s, 1000, p), 0.1f);  // stays at the minimum after lr_total
  s.lr_warmup = 0;                                    // no warm-up: starts at the peak
  EXPECT_EQ(LearningRateAt(s, 0, p), 1.0f);
}

TEST(LrSchedule, PlateauDividesAfterEachEvaluationWithoutImprovement) {
  // The word-language-model example: lr /= 4 whenever the val loss is not the best so far.
  TrainSettings s = Schedule("plateau", 0.002f);
  s.lr_patience = 0;
  s.lr_factor = 4.0f;
  s.lr_min = 1e-5f;
  PlateauState p;
  const float losses[] = {5.0f, 4.0f, 4.5f, 3.9f, 3.9f, 4.0f};
  const bool reduced[] = {false, false, true, false, true, true};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(p.Observe(losses[i], s), reduced[i]) << "evaluation " << i;
  EXPECT_EQ(p.reductions, 3);
  EXPECT_EQ(p.best, 3.9f);
  EXPECT_FLOAT_EQ(LearningRateAt(s, 0, p), 0.002f / 64);  // 3.125e-5
  EXPECT_TRUE(p.Observe(4.0f, s));
  EXPECT_EQ(LearningRateAt(s, 0, p), 1e-5f);  // 0.002 / 256 = 7.8e-6 is below lr_min
}

TEST(LrSchedule, PlateauWaitsForPatienceAndCountsNaNAsNoImprovement) {
  TrainSettings s = Schedule("plateau", 0.01f);
  s.lr_patience = 2;
  s.lr_factor = 10.0f;
  PlateauState p;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(p.Observe(1.0f, s));
  EXPECT_FALSE(p.Observe(2.0f, s));  // 1 bad
  EXPECT_FALSE(p.Observe(nan, s));   // 2 bad
  EXPECT_TRUE(p.Observe(1.0f, s));   // 3 bad > patience 2 (equal is not better)
  EXPECT_EQ(p.bad_evaluations, 0);   // the count starts again after a reduction
  EXPECT_FLOAT_EQ(LearningRateAt(s, 0, p), 0.001f);
  EXPECT_FALSE(p.Observe(0.5f, s));  // improvement resets the count
  EXPECT_FALSE(p.Observe(0.6f, s));
  EXPECT_FALSE(p.Observe(0.6f, s));
  EXPECT_EQ(p.bad_evaluations, 2);
  EXPECT_EQ(p.reductions, 1);
}

TEST(LrSchedule, OtherSchedulesTrackTheBestButNeverReduce) {
  TrainSettings s = Schedule("constant", 0.01f);
  PlateauState p;
  for (float v : {1.0f, 2.0f, 3.0f, 4.0f}) EXPECT_FALSE(p.Observe(v, s));
  EXPECT_EQ(p.best, 1.0f);
  EXPECT_EQ(p.reductions, 0);
  EXPECT_EQ(p.bad_evaluations, 0);
}

TEST(LrSchedule, MarkersNameTheDecision) {
  TrainSettings s = Schedule("step", 0.002f);
  s.lr_step = 100;
  s.lr_gamma = 0.25f;
  EXPECT_EQ(ScheduleMarker(s, 100, 0.002f, 0.0005f, false), "lr 0.002 \u2192 0.0005 (step)");
  EXPECT_EQ(ScheduleMarker(s, 101, 0.0005f, 0.0005f, false), "");
  s.lr_schedule = "plateau";
  EXPECT_EQ(ScheduleMarker(s, 37, 0.002f, 0.0005f, true), "lr 0.002 \u2192 0.0005 (plateau)");
  EXPECT_EQ(ScheduleMarker(s, 37, 0.002f, 0.002f, false), "");
  s.lr_schedule = "cosine";
  s.lr_warmup = 50;
  EXPECT_EQ(ScheduleMarker(s, 50, 0.00196f, 0.002f, false), "lr 0.002 warm-up done (cosine)");
  EXPECT_EQ(ScheduleMarker(s, 51, 0.002f, 0.0019999f, false), "");  // the decay itself: no marker
}

TEST(LrSchedule, SettingsJsonRoundTripsAndOldJsonIsConstant) {
  TrainSettings s = Schedule("cosine", 0.004f);
  s.lr_step = 7;
  s.lr_gamma = 0.3f;
  s.lr_patience = 3;
  s.lr_factor = 2.5f;
  s.lr_warmup = 11;
  s.lr_total = 1234;
  s.lr_min = 2e-6f;
  const TrainSettings back = TrainSettingsFromJson(ToJson(s));
  EXPECT_EQ(back.lr_schedule, "cosine");
  EXPECT_EQ(back.lr_step, 7);
  EXPECT_EQ(back.lr_gamma, 0.3f);
  EXPECT_EQ(back.lr_patience, 3);
  EXPECT_EQ(back.lr_factor, 2.5f);
  EXPECT_EQ(back.lr_warmup, 11);
  EXPECT_EQ(back.lr_total, 1234);
  EXPECT_EQ(back.lr_min, 2e-6f);
  nlohmann::json old = ToJson(s);
  for (const char* key : {"lr_schedule", "lr_step", "lr_gamma", "lr_patience", "lr_factor", "lr_warmup",
                          "lr_total", "lr_min"})
    ASSERT_EQ(old.erase(key), 1u) << key;
  const TrainSettings legacy = TrainSettingsFromJson(old);
  EXPECT_EQ(legacy.lr_schedule, "constant");
  EXPECT_EQ(legacy.learning_rate, 0.004f);
  EXPECT_EQ(LearningRateAt(legacy, 5000, PlateauState{}), 0.004f);
  EXPECT_NO_THROW(ValidateSettings(legacy));
}

void ExpectRefused(const TrainSettings& s, const std::string& part) {
  try {
    ValidateSettings(s);
    ADD_FAILURE() << "accepted; expected an error naming " << part;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(LrSchedule, ValidationNamesTheBadField) {
  TrainSettings s = Schedule("linear", 0.01f);
  ExpectRefused(s, "lr schedule 'linear' is not one of constant, step, plateau, cosine");
  s = Schedule("step", 0.01f);
  s.lr_step = 0;
  ExpectRefused(s, "lr-step must be >= 1");
  s.lr_step = 5;
  s.lr_gamma = 1.5f;
  ExpectRefused(s, "lr-gamma must be in (0, 1]");
  s = Schedule("plateau", 0.01f);
  s.lr_factor = 1.0f;
  ExpectRefused(s, "lr-factor must be > 1");
  s.lr_factor = 4.0f;
  s.lr_min = 0.02f;
  ExpectRefused(s, "lr-min (0.02) must be below the learning rate (0.01)");
  s.lr_min = 0.0f;
  ExpectRefused(s, "lr-min must be > 0 for the plateau schedule");
  s = Schedule("cosine", 0.01f);
  s.lr_warmup = 100;
  s.lr_total = 100;
  ExpectRefused(s, "lr-total (100) must be greater than lr-warmup (100)");
  for (const char* ok : {"constant", "step", "plateau", "cosine"}) EXPECT_NO_THROW(ValidateSettings(Schedule(ok, 0.01f))) << ok;
}

JobSpec SmallCharLm() {
  JobSpec spec;
  spec.task = "charlm";
  spec.model.cell = CellKind::kLstm;
  spec.model.hidden = 12;
  spec.settings.batch = 4;
  spec.settings.seq_len = 16;
  spec.settings.seed = 11;
  spec.settings.learning_rate = 1e-2f;
  return spec;
}

TEST(LrScheduleJob, TheStepAppliesTheScheduledRate) {
  JobSpec spec = SmallCharLm();
  std::unique_ptr<Job> constant = MakeJob(spec);
  spec.settings.lr_schedule = "step";
  spec.settings.lr_step = 2;
  spec.settings.lr_gamma = 0.1f;
  std::unique_ptr<Job> stepped = MakeJob(spec);
  EXPECT_EQ(stepped->ScheduledLearningRate(spec.settings), 1e-2f);
  // Steps 0 and 1 run at the same rate: the same weights, the same third loss.
  for (int i = 0; i < 2; ++i) EXPECT_EQ(stepped->Step(spec.settings).loss, constant->Step(SmallCharLm().settings).loss);
  EXPECT_EQ(stepped->Step(spec.settings).loss, constant->Step(SmallCharLm().settings).loss);
  EXPECT_FLOAT_EQ(stepped->ScheduledLearningRate(spec.settings), 1e-3f);
  // Step 2 ran at a tenth of the rate: the weights differ, so the next loss does.
  EXPECT_NE(stepped->Step(spec.settings).loss, constant->Step(SmallCharLm().settings).loss);
}

TEST(LrScheduleJob, SaveLoadGivesTheSameNextRateAndLossBitForBit) {
  for (const char* kind : {"step", "plateau"}) {
    SCOPED_TRACE(kind);
    JobSpec spec = SmallCharLm();
    TrainSettings& s = spec.settings;
    s.lr_schedule = kind;
    s.lr_step = 3;
    s.lr_gamma = 0.5f;
    s.lr_patience = 0;
    s.lr_factor = 4.0f;
    std::unique_ptr<Job> job = MakeJob(spec);
    for (int i = 0; i < 4; ++i) job->Step(s);
    // Two evaluations: the first is the best, the second no better → one reduction.
    job->RecordValidation(job->StepCount(), 3.0f);
    job->RecordValidation(job->StepCount(), 3.5f);
    const float expected_lr = s.lr_schedule == "step" ? 5e-3f : 2.5e-3f;
    EXPECT_FLOAT_EQ(job->ScheduledLearningRate(s), expected_lr);
    TrainSettings restored;
    std::unique_ptr<Job> from_bytes = job->LoadFromBytes(job->SaveToBytes(s), &restored);
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("rnnscope_lr." + std::to_string(::getpid()) + kind + ".safetensors");
    job->Save(file.string(), s);
    std::unique_ptr<Job> from_file = LoadJob(file.string(), nullptr);
    std::filesystem::remove(file);
    EXPECT_EQ(restored.lr_schedule, kind);
    EXPECT_EQ(from_bytes->ScheduledLearningRate(restored), job->ScheduledLearningRate(s));
    EXPECT_EQ(from_file->ScheduledLearningRate(restored), job->ScheduledLearningRate(s));
    for (int i = 0; i < 3; ++i) {  // across the step schedule's next boundary (step 6)
      const float expected = job->Step(s).loss;
      EXPECT_EQ(from_bytes->Step(restored).loss, expected) << "bytes, step " << i;
      EXPECT_EQ(from_file->Step(restored).loss, expected) << "file, step " << i;
      EXPECT_EQ(from_file->ScheduledLearningRate(restored), job->ScheduledLearningRate(s));
    }
    // The plateau memory came back too: a worse loss divides again, a better one does not.
    job->RecordValidation(job->StepCount(), 3.2f);
    from_file->RecordValidation(from_file->StepCount(), 3.2f);
    EXPECT_EQ(from_file->ScheduledLearningRate(restored), job->ScheduledLearningRate(s));
  }
}

// A checkpoint written before schedules has no "lr_plateau": it loads with a fresh plateau
// state; a damaged one is refused naming the file and the field.
TEST(LrScheduleJob, CheckpointPlateauStateOldAndDamaged) {
  JobSpec spec = SmallCharLm();
  spec.settings.lr_schedule = "plateau";
  std::unique_ptr<Job> job = MakeJob(spec);
  job->Step(spec.settings);
  job->RecordValidation(1, 3.0f);
  job->RecordValidation(1, 3.5f);  // one reduction
  const auto& training = dynamic_cast<const TrainingJob&>(*job);
  TensorFile file = training.CheckpointFile(spec.settings);
  nlohmann::json meta = GetMetadata(file);
  ASSERT_EQ(meta.at("lr_plateau").at("reductions"), 1);
  EXPECT_EQ(meta.at("lr_plateau").at("best_val_loss"), 3.0f);

  nlohmann::json old = meta;
  old.erase("lr_plateau");
  old["settings"].erase("lr_schedule");
  PutMetadata(old, file);
  std::unique_ptr<Job> legacy = LoadJobFrom(file, nullptr, nullptr);
  EXPECT_EQ(legacy->ScheduledLearningRate(spec.settings), spec.settings.learning_rate) << "no reductions recorded";

  nlohmann::json bad = meta;
  bad["lr_plateau"]["reductions"] = -3;
  PutMetadata(bad, file);
  file.source = "damaged.safetensors";
  try {
    LoadJobFrom(file, nullptr, nullptr);
    ADD_FAILURE() << "loaded a negative reduction count";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("damaged.safetensors: lr_plateau has bad_evaluations 0, reductions -3"),
              std::string::npos) << e.what();
  }
}

// torch.optim.lr_scheduler on the same cases (tests/parity/lr_schedule_oracle.py): StepLR,
// ReduceLROnPlateau (threshold 0) and LinearLR warm-up followed by CosineAnnealingLR.
TEST(LrScheduleParity, PyTorchSchedulersGiveTheSameRates) {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  const std::string script = std::string(RNNSCOPE_SOURCE_DIR) + "/tests/parity/lr_schedule_oracle.py";
  FILE* pipe = ::popen(("/usr/bin/python3 " + script + " 2>/dev/null").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) text.append(buf, n);
  ASSERT_EQ(::pclose(pipe), 0) << text;
  const nlohmann::json torch = nlohmann::json::parse(text);
  auto near = [](double ours, double theirs, const std::string& what) {
    EXPECT_NEAR(ours, theirs, 1e-6 * theirs) << what;
  };
  struct PlateauCase {
    const char* name;
    float lr, factor, min;
    int patience;
    std::vector<float> losses;
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const PlateauCase& c : {PlateauCase{"plateau_a", 0.002f, 4.0f, 1e-5f, 0, {5, 4, 4.5f, 3.9f, 3.9f, 4, 4, 3, 3.5f}},
                               PlateauCase{"plateau_b", 0.01f, 10.0f, 1e-8f, 2, {1, 2, nan, 1, 0.5f, 0.6f, 0.6f, 0.7f, 0.4f}}}) {
    TrainSettings s = Schedule("plateau", c.lr);
    s.lr_factor = c.factor;
    s.lr_patience = c.patience;
    s.lr_min = c.min;
    PlateauState p;
    ASSERT_EQ(torch.at(c.name).size(), c.losses.size());
    for (std::size_t i = 0; i < c.losses.size(); ++i) {
      p.Observe(c.losses[i], s);
      near(LearningRateAt(s, 0, p), torch.at(c.name)[i].get<double>(), std::string(c.name) + " evaluation " + std::to_string(i));
    }
  }
  TrainSettings step = Schedule("step", 0.1f);
  step.lr_step = 10;
  step.lr_gamma = 0.5f;
  for (std::size_t i = 0; i < torch.at("step").size(); ++i)
    near(LearningRateAt(step, static_cast<int64_t>(i), {}), torch.at("step")[i].get<double>(), "step " + std::to_string(i));
  TrainSettings cosine = Schedule("cosine", 1.0f);
  cosine.lr_warmup = 4;
  cosine.lr_total = 14;
  cosine.lr_min = 0.1f;
  ASSERT_EQ(torch.at("cosine").size(), 15u);
  for (std::size_t i = 0; i < torch.at("cosine").size(); ++i)
    near(LearningRateAt(cosine, static_cast<int64_t>(i), {}), torch.at("cosine")[i].get<double>(), "cosine " + std::to_string(i));
}

TEST(LrSchedule, SettingsEditsCarryTheScheduleFields) {
  const TrainSettings shown;
  TrainSettings edited = shown;
  edited.lr_schedule = "plateau";
  edited.lr_factor = 2.0f;
  TrainSettings run;
  run.learning_rate = 0.05f;
  const TrainSettings out = ApplySettingsEdit(run, shown, edited);
  EXPECT_EQ(out.lr_schedule, "plateau");
  EXPECT_EQ(out.lr_factor, 2.0f);
  EXPECT_EQ(out.learning_rate, 0.05f);  // not edited: the run's own
}

TEST(LrScheduleTrainer, StepDecaysAreMarkedAndTheEffectiveRateIsPublished) {
  TrainerOptions o = test::SmallOptions();
  o.start_paused = true;
  o.spec.settings.learning_rate = 0.002f;
  o.spec.settings.lr_schedule = "step";
  o.spec.settings.lr_step = 2;
  o.spec.settings.lr_gamma = 0.5f;
  TrainerThread trainer(o);
  trainer.Start();
  auto s = test::WaitFor(trainer, [](const Snapshot& x) { return x.paused && x.has_job; });
  EXPECT_EQ(s->effective_lr, 0.002f);
  trainer.Send(StepCommand{5});
  s = test::WaitFor(trainer, [](const Snapshot& x) { return x.step == 5; });
  EXPECT_EQ(s->effective_lr, 0.0005f);
  EXPECT_EQ(s->settings.learning_rate, 0.002f) << "the base rate stays";
  ASSERT_EQ(s->markers.size(), 2u);
  EXPECT_EQ(s->markers[0].step, 2);
  EXPECT_EQ(s->markers[0].what, "lr 0.002 \u2192 0.001 (step)");
  EXPECT_EQ(s->markers[1].step, 4);
  EXPECT_EQ(s->markers[1].what, "lr 0.001 \u2192 0.0005 (step)");

  // A schedule that does not make sense is refused with the reason; the old one keeps running.
  TrainSettings bad = s->settings;
  bad.lr_schedule = "cosine";
  bad.lr_warmup = 50;
  bad.lr_total = 10;
  trainer.Send(SetSettingsCommand{bad});
  s = test::WaitFor(trainer, [](const Snapshot& x) { return !x.error.empty(); });
  EXPECT_NE(s->error.find("lr-total (10) must be greater than lr-warmup (50)"), std::string::npos) << s->error;
  EXPECT_EQ(s->settings.lr_schedule, "step");
}

TEST(LrSchedule, PlateauDecidesEveryLrStepSteps) {
  TrainSettings s = Schedule("plateau", 0.01f);
  s.lr_step = 50;
  EXPECT_FALSE(PlateauDecidesAfter(s, 0));
  EXPECT_FALSE(PlateauDecidesAfter(s, 49));
  EXPECT_TRUE(PlateauDecidesAfter(s, 50));
  EXPECT_TRUE(PlateauDecidesAfter(s, 100));
  s.lr_schedule = "step";
  EXPECT_FALSE(PlateauDecidesAfter(s, 50));
}

// The window's trainer validates a plateau run at the steps it decides on, never on its time
// budget (so a rewind replays the decisions): val points at steps 3 and 6 of 7, nowhere else.
TEST(LrScheduleTrainer, PlateauValidatesAtFixedSteps) {
  TrainerOptions o = test::SmallOptions();
  o.start_paused = true;
  o.validate_interval_ms = 0;  // the time budget alone would validate after every step
  o.spec.settings.lr_schedule = "plateau";
  o.spec.settings.lr_step = 3;
  TrainerThread trainer(o);
  trainer.Start();
  test::WaitFor(trainer, [](const Snapshot& x) { return x.paused && x.has_job; });
  trainer.Send(StepCommand{7});
  auto s = test::WaitFor(trainer, [](const Snapshot& x) { return x.step == 7; });
  ASSERT_EQ(s->history.size(), 7u);
  for (const LossPoint& p : s->history)
    EXPECT_EQ(std::isnan(p.val_loss), p.step != 3 && p.step != 6) << "step " << p.step;
}

}  // namespace
}  // namespace rnnscope
