// Time travel: the ring keeps evenly spread checkpoints under its memory cap; a job restored
// from in-memory bytes replays the same losses bit for bit; and through the trainer thread a
// rewind replays exactly, or branches with other settings while the abandoned future stays
// as its own loss curve.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "io/safetensors.h"
#include "train/char_lm_job.h"
#include "train/checkpoint_ring.h"
#include "train/trainer_thread.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

using namespace std::chrono_literals;

std::vector<unsigned char> Blob(std::size_t n) { return std::vector<unsigned char>(n, 7); }

TEST(CheckpointRing, StaysUnderCapKeepingFirstAndNewestEvenlySpread) {
  CheckpointRing ring(10, 1000);
  for (int64_t step = 0; step <= 1000; step += 10) {
    ASSERT_TRUE(ring.Due(step));
    ring.Add(step, Blob(100));
    EXPECT_LE(ring.bytes(), 1000);
    EXPECT_FALSE(ring.Due(step)) << "already kept";
  }
  const std::vector<int64_t> steps = ring.Steps();
  ASSERT_EQ(steps.size(), 10u);
  EXPECT_EQ(steps.front(), 0) << "the start stays reachable";
  EXPECT_EQ(steps.back(), 1000) << "the newest is always kept";
  // Evenly thinned: no gap is more than 4x another (a FIFO would keep 910..1000 only).
  int64_t lo = 1 << 30, hi = 0;
  for (std::size_t k = 1; k < steps.size(); ++k) {
    lo = std::min(lo, steps[k] - steps[k - 1]);
    hi = std::max(hi, steps[k] - steps[k - 1]);
  }
  EXPECT_LE(hi, 4 * lo) << "gaps between " << lo << " and " << hi;
  EXPECT_FALSE(ring.Due(15)) << "off the interval";
}

TEST(CheckpointRing, AtOrBeforeDropAfterAndConfigure) {
  CheckpointRing ring(5, 1 << 20);
  for (int64_t s : {0, 5, 10, 15}) ring.Add(s, Blob(10));
  ASSERT_NE(ring.AtOrBefore(12), nullptr);
  EXPECT_EQ(ring.AtOrBefore(12)->step, 10);
  EXPECT_EQ(ring.AtOrBefore(15)->step, 15);
  EXPECT_EQ(ring.AtOrBefore(-1), nullptr);
  ring.DropAfter(7);
  EXPECT_EQ(ring.Steps(), (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(ring.bytes(), 20);
  ring.Add(5, Blob(30));  // same step: replaced, not duplicated
  EXPECT_EQ(ring.bytes(), 40);
  ring.Configure(5, 30);
  EXPECT_EQ(ring.Steps(), (std::vector<int64_t>{5})) << "a smaller cap evicts at once";
  ring.Configure(0, 30);
  EXPECT_FALSE(ring.Due(10)) << "interval 0 is off";
  EXPECT_THROW(ring.Configure(-1, 30), ConfigError);
}

JobSpec SmallSpec() {
  JobSpec spec;
  spec.model.cell = CellKind::kLstm;
  spec.model.hidden = 16;
  spec.settings.batch = 4;
  spec.settings.seq_len = 16;
  return spec;
}

TEST(CheckpointRing, JobRestoredFromBytesReplaysTheSameLossesExactly) {
  CharLmJob job(SmallSpec());
  const TrainSettings settings = SmallSpec().settings;
  for (int i = 0; i < 10; ++i) job.Step(settings);
  const std::vector<unsigned char> bytes = job.SaveToBytes(settings);
  std::vector<float> original;
  for (int i = 0; i < 15; ++i) original.push_back(job.Step(settings).loss);
  TrainSettings restored_settings;
  std::unique_ptr<Job> restored = job.LoadFromBytes(bytes, &restored_settings);
  EXPECT_EQ(restored->StepCount(), 10);
  EXPECT_EQ(restored_settings.batch, settings.batch);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(restored->Step(settings).loss, original[static_cast<std::size_t>(i)]) << "step " << 11 + i;
}

// Every checkpoint (a ring entry too) carries the loss history: bounded however long the run,
// oldest steps averaged, and read back within the same bound.
TEST(CheckpointRing, LossHistoryStaysBoundedInEveryCheckpoint) {
  JobSpec spec = SmallSpec();
  spec.model.hidden = 4;
  spec.settings.batch = 1;
  spec.settings.seq_len = 2;
  CharLmJob job(spec);
  const int64_t steps = 3 * static_cast<int64_t>(TrainingJob::kLossHistoryCapacity);
  for (int64_t i = 0; i < steps; ++i) ASSERT_TRUE(job.Step(spec.settings).non_finite.empty());
  EXPECT_LE(job.LossHistory().size(), TrainingJob::kLossHistoryCapacity);
  EXPECT_EQ(job.LossHistory().total_added(), static_cast<uint64_t>(steps));
  const std::vector<unsigned char> bytes = job.SaveToBytes(spec.settings);
  const nlohmann::json meta = nlohmann::json::parse(ParseSafetensors(bytes, "ring").metadata.at("rnnscope"));
  const nlohmann::json& history = meta.at("history");
  EXPECT_EQ(history.size(), job.LossHistory().size());
  EXPECT_GT(history.size(), TrainingJob::kLossHistoryCapacity / 2) << "decimated far below its bound";
  EXPECT_EQ(history.back().at(0).get<int64_t>(), steps);
  EXPECT_LT(history.front().at(0).get<int64_t>(), 16) << "the start of the run is still on the curve";
  const std::size_t json_bytes = history.dump().size();
  EXPECT_LT(json_bytes, 100u << 10) << "a full history should stay near 36 bytes a point";
  std::printf("full loss history: %zu points, %zu bytes of JSON\n", history.size(), json_bytes);
  std::unique_ptr<Job> restored = job.LoadFromBytes(bytes, nullptr);
  const std::vector<LossPoint> points = restored->LossHistory().Points();
  EXPECT_LE(points.size(), TrainingJob::kLossHistoryCapacity);
  EXPECT_EQ(points.back().step, steps);
  EXPECT_EQ(points.back().train_loss, job.LossHistory().Points().back().train_loss);
}

// The app's default model (LSTM, H = 64, one layer, one-hot input, Adam, batch 32): what one
// ring entry costs and how many the default cap holds.
TEST(CheckpointRing, DefaultModelFitsHundredsOfCheckpointsUnderTheDefaultCap) {
  JobSpec spec;
  spec.model.hidden = 64;
  CharLmJob job(spec);
  job.Step(spec.settings);  // Adam's moments exist from the first step on
  const std::vector<unsigned char> bytes = job.SaveToBytes(spec.settings);
  // Weights + Adam m and v (3 × ~33k floats) + carried h, c: about 400 KB.
  EXPECT_GT(bytes.size(), 300u << 10);
  EXPECT_LT(bytes.size(), 600u << 10);
  CheckpointRing ring;
  for (int64_t k = 0; k < 1000; ++k) ring.Add(k * CheckpointRing::kDefaultInterval, bytes);
  EXPECT_LE(ring.bytes(), CheckpointRing::kDefaultCapBytes);
  EXPECT_GT(ring.bytes(), CheckpointRing::kDefaultCapBytes - static_cast<int64_t>(bytes.size()));
  RecordProperty("checkpoint_bytes", static_cast<int>(bytes.size()));
  RecordProperty("ring_entries_at_cap", static_cast<int>(ring.size()));
  std::printf("default LSTM checkpoint %zu bytes; ring at its %lld MiB cap holds %zu of them\n",
              bytes.size(), static_cast<long long>(CheckpointRing::kDefaultCapBytes >> 20), ring.size());
}

TrainerOptions SmallOptions() {
  TrainerOptions o;
  o.spec = SmallSpec();
  o.publish_interval_ms = 5;
  o.validate_interval_ms = 1000000;
  o.start_paused = true;
  o.ring_interval = 10;
  return o;
}

using test::WaitFor;

std::vector<float> LossesAfter(const Snapshot& s, int64_t step) {
  std::vector<float> out;
  for (const LossPoint& p : s.history)
    if (p.step > step) out.push_back(p.train_loss);
  return out;
}

TEST(TimeTravel, RewindReplaysBitIdenticallyAndBranchesKeepTheOldFuture) {
  TrainerThread trainer(SmallOptions());
  trainer.Start();
  trainer.Send(StepCommand{40});
  auto s = WaitFor(trainer, [](const Snapshot& x) { return x.step == 40 && x.history.size() == 40; });
  EXPECT_EQ(s->ring_steps, (std::vector<int64_t>{0, 10, 20, 30, 40}));
  EXPECT_GT(s->ring_bytes, 0);
  EXPECT_EQ(s->ring_interval, 10);
  const std::vector<float> original = LossesAfter(*s, 20);
  ASSERT_EQ(original.size(), 20u);

  // Replay from a kept step: the same batches, so the same losses, bit for bit.
  trainer.Send(RewindCommand{25, false, false, {}, ""});  // newest kept at or before 25 is 20
  s = WaitFor(trainer, [](const Snapshot& x) { return x.step == 20; });
  EXPECT_EQ(s->history.size(), 20u) << "the future was cut off";
  EXPECT_EQ(s->ring_steps, (std::vector<int64_t>{0, 10, 20}));
  EXPECT_TRUE(s->branches.empty()) << "a replay is not a branch";
  trainer.Send(StepCommand{20});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.step == 40 && x.history.size() == 40; });
  EXPECT_EQ(LossesAfter(*s, 20), original);

  // Branch with a changed learning rate: the old future becomes its own curve.
  RewindCommand branch;
  branch.step = 20;
  branch.branch = true;
  branch.change_settings = true;
  branch.settings = s->settings;
  branch.settings.learning_rate = 0.05f;
  trainer.Send(branch);
  trainer.Send(StepCommand{20});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.active_branch == 1 && x.step == 40 && x.history.size() == 40; });
  ASSERT_EQ(s->branches.size(), 1u);
  const BranchHistory& old = s->branches[0];
  EXPECT_EQ(old.id, 0);
  EXPECT_EQ(old.parent_step, 20);
  ASSERT_EQ(old.history.size(), 20u);
  for (std::size_t k = 0; k < 20; ++k) EXPECT_EQ(old.history[k].train_loss, original[k]);
  EXPECT_FLOAT_EQ(s->settings.learning_rate, 0.05f);
  EXPECT_NE(s->active_branch_label.find("lr"), std::string::npos) << s->active_branch_label;
  EXPECT_NE(LossesAfter(*s, 20), original) << "a different learning rate gave the same losses";
  EXPECT_EQ(LossesAfter(*s, 20).front(), original.front())
      << "step 21's loss is computed before the new learning rate is used";

  // Rewinding before every kept checkpoint is an error that names the kept steps.
  trainer.Send(RewindCommand{-5, false, false, {}, ""});
  s = WaitFor(trainer, [](const Snapshot& x) { return !x.error.empty(); });
  EXPECT_NE(s->error.find("kept: 0"), std::string::npos) << s->error;
}

}  // namespace
}  // namespace rnnscope
