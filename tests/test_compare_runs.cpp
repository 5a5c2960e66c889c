// Side-by-side runs (docs/compare.md) rest on one property: jobs built with the same task and
// seed draw the same batches whatever their cell or learning rate, so any difference between
// the runs' curves comes from the model, not from the data. The app builds every run through
// MakeJob exactly as here (one TrainerThread each).
#include <gtest/gtest.h>

#include "model/cell_kind.h"
#include "train/job_factory.h"

namespace rnnscope {
namespace {

JobSpec Spec(const std::string& task, const std::string& cell, uint64_t seed) {
  JobSpec spec;
  spec.task = task;
  spec.model.cell = ParseCellKind(cell);
  spec.model.hidden = 16;
  spec.settings.seed = seed;
  spec.settings.batch = 8;
  spec.settings.seq_len = 16;
  spec.model_from_user = true;
  return spec;
}

// Brackets strings have random lengths, so the tokens per batch trace the data stream.
std::vector<int64_t> TokensPerStep(Job& job, const TrainSettings& settings, int steps) {
  std::vector<int64_t> tokens;
  for (int i = 0; i < steps; ++i) tokens.push_back(job.Step(settings).tokens);
  return tokens;
}

TEST(CompareRuns, SameSeedSameBatchesAcrossCells) {
  const JobSpec rnn = Spec("brackets", "rnn_tanh", 7), lstm = Spec("brackets", "lstm", 7);
  auto a = MakeJob(rnn), b = MakeJob(lstm);
  const auto ta = TokensPerStep(*a, rnn.settings, 12), tb = TokensPerStep(*b, lstm.settings, 12);
  EXPECT_EQ(ta, tb);
  // The probe (the first validation example) is the same string too.
  Snapshot sa, sb;
  a->FillSnapshot("", rnn.settings, sa);
  b->FillSnapshot("", lstm.settings, sb);
  EXPECT_EQ(sa.probe_tokens, sb.probe_tokens);
  EXPECT_FALSE(sa.probe_tokens.empty());
  // The check has teeth: another seed draws other strings.
  auto c = MakeJob(Spec("brackets", "rnn_tanh", 8));
  EXPECT_NE(ta, TokensPerStep(*c, rnn.settings, 12));
}

TEST(CompareRuns, SameSeedSameFirstStepAcrossLearningRates) {
  // Same cell, same seed: same initial weights and same first batch, so the first step's loss
  // is identical; the second differs because the learning rates moved the weights apart.
  JobSpec slow = Spec("charlm", "lstm", 3), fast = Spec("charlm", "lstm", 3);
  slow.settings.learning_rate = 0.002f;
  fast.settings.learning_rate = 0.02f;
  auto a = MakeJob(slow), b = MakeJob(fast);
  EXPECT_EQ(a->Step(slow.settings).loss, b->Step(fast.settings).loss);
  EXPECT_NE(a->Step(slow.settings).loss, b->Step(fast.settings).loss);
}

}  // namespace
}  // namespace rnnscope
