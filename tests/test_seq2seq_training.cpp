// Short end-to-end checks of the seq2seq job: training reverse for a bounded number of steps
// clearly improves held-out accuracy, and a checkpoint round-trips.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "train/seq2seq_job.h"

namespace rnnscope {
namespace {

TEST(Seq2SeqTraining, ReverseImprovesWithinBoundedSteps) {
  const nlohmann::json small = {{"hidden", 32}, {"embed", 16}, {"attention_size", 32},
                                {"min_length", 3}, {"max_length", 6}};
  Seq2SeqJob job("reverse", Seq2SeqOptionsFromJson("reverse", small));
  const Seq2SeqMetrics before = job.Evaluate(Split::kValidation, 200);
  TrainSettings s;
  s.batch = 32;
  s.learning_rate = 5e-3f;
  float first = 0, last = 0;
  for (int i = 0; i < 300; ++i) {
    const StepResult r = job.Step(s);
    ASSERT_TRUE(r.non_finite.empty()) << r.non_finite;
    if (i == 0) first = r.loss;
    last = r.loss;
  }
  const Seq2SeqMetrics after = job.Evaluate(Split::kValidation, 200);
  EXPECT_LT(last, 0.5f * first);
  EXPECT_LT(before.sequence_accuracy, 0.05);
  EXPECT_GT(after.sequence_accuracy, 0.5);
  EXPECT_GT(after.alignment_accuracy, before.alignment_accuracy + 0.3);
  EXPECT_GT(after.token_accuracy, before.token_accuracy + 0.3);
}

TEST(Seq2SeqTraining, TranslationLearnsTheReorderingWithAttentionOnTheRightWords) {
  // The toy translation with a small model (the whole suite also runs under ASan): within a
  // bounded number of steps the decoder gets most held-out sentences right and attends to the
  // word each output translates.
  const nlohmann::json small = {{"hidden", 32}, {"embed", 16}, {"attention_size", 32}};
  Seq2SeqJob job("translation", Seq2SeqOptionsFromJson("translation", small));
  TrainSettings s;
  s.batch = 16;
  s.learning_rate = 1e-2f;
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(job.Step(s).non_finite.empty());
  const Seq2SeqMetrics after = job.Evaluate(Split::kTest, 300);
  EXPECT_GT(after.token_accuracy, 0.9);
  EXPECT_GT(after.alignment_accuracy, 0.7);
  RecordProperty("sequence_accuracy", std::to_string(after.sequence_accuracy));
  RecordProperty("alignment_accuracy", std::to_string(after.alignment_accuracy));
}

TEST(Seq2SeqTraining, ZhEnLearnsCharactersToWordsWithAttentionInsideEachWordsSpan) {
  // Chinese characters in, English words out: each two-character noun must be attended to on
  // one of its own characters, and the time and place phrases found again after the verb.
  const nlohmann::json small = {{"hidden", 32}, {"embed", 16}, {"attention_size", 32}};
  Seq2SeqJob job("zh_en", Seq2SeqOptionsFromJson("zh_en", small));
  const Seq2SeqMetrics before = job.Evaluate(Split::kTest, 300);
  TrainSettings s;
  s.batch = 16;
  s.learning_rate = 1e-2f;
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(job.Step(s).non_finite.empty());
  const Seq2SeqMetrics after = job.Evaluate(Split::kTest, 300);
  EXPECT_LT(before.sequence_accuracy, 0.05);
  EXPECT_GT(after.token_accuracy, 0.9);
  EXPECT_GT(after.alignment_accuracy, 0.7);
  RecordProperty("sequence_accuracy", std::to_string(after.sequence_accuracy));
  RecordProperty("alignment_accuracy", std::to_string(after.alignment_accuracy));
}

TEST(Seq2SeqTraining, ResumeAndTimeTravelContinueBitForBit) {
  // Weights, Adam's moments and the RNG (batches, teacher forcing) all travel with the
  // checkpoint, on disk and in memory: the continuation repeats the original losses exactly.
  const nlohmann::json small = {{"hidden", 16}, {"embed", 8}, {"attention_size", 16}};
  Seq2SeqJob job("reverse", Seq2SeqOptionsFromJson("reverse", small));
  TrainSettings s;
  s.batch = 8;
  s.teacher_forcing = 0.5f;  // draws from the RNG inside the step too
  for (int i = 0; i < 5; ++i) job.Step(s);
  const auto path = std::filesystem::temp_directory_path() / "rnnscope_s2s_resume.safetensors";
  job.Save(path.string(), s);
  const std::vector<unsigned char> bytes = job.SaveToBytes(s);
  std::vector<float> original;
  for (int i = 0; i < 6; ++i) original.push_back(job.Step(s).loss);

  TrainSettings loaded_settings;
  auto resumed = Seq2SeqJob::Load(path.string(), &loaded_settings);
  std::filesystem::remove(path);
  EXPECT_EQ(loaded_settings.teacher_forcing, 0.5f);
  std::unique_ptr<Job> rewound = job.LoadFromBytes(bytes, nullptr);
  EXPECT_EQ(resumed->StepCount(), 5);
  EXPECT_EQ(rewound->StepCount(), 5);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(resumed->Step(s).loss, original[static_cast<std::size_t>(i)]) << "resumed, step " << 6 + i;
    EXPECT_EQ(rewound->Step(s).loss, original[static_cast<std::size_t>(i)]) << "rewound, step " << 6 + i;
  }
}

TEST(Seq2SeqTraining, CheckpointRoundTripAndSnapshot) {
  const nlohmann::json small = {{"hidden", 8}, {"embed", 4}, {"attention_size", 8}, {"cell", "lstm"}};
  Seq2SeqJob job("dates", Seq2SeqOptionsFromJson("dates", small));
  TrainSettings s;
  job.Step(s);
  const auto path = std::filesystem::temp_directory_path() / "rnnscope_s2s_test.safetensors";
  job.Save(path.string(), s);
  auto loaded = Seq2SeqJob::Load(path.string(), nullptr);
  std::filesystem::remove(path);
  EXPECT_EQ(loaded->StepCount(), 1);
  const Translation a = job.Translate("3 May 1987", 3), b = loaded->Translate("3 May 1987", 3);
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.beam_outputs, b.beam_outputs);
  EXPECT_EQ(a.attention.rows(), static_cast<Eigen::Index>(a.output_tokens.size()));
  EXPECT_EQ(a.attention.cols(), 11);  // "3 May 1987" + <eos>
  Snapshot snap;
  job.FillSnapshot("", s, snap);
  ASSERT_FALSE(snap.attention.empty());
  EXPECT_EQ(snap.attention[0].weights.cols(), static_cast<Eigen::Index>(snap.attention[0].source_tokens.size()));
  EXPECT_FALSE(snap.attention[0].beam_outputs.empty());
  ASSERT_EQ(snap.layers.size(), 3u);  // encoder forward, encoder reverse, decoder
  EXPECT_EQ(snap.layers[0].hidden.cols(), static_cast<Eigen::Index>(snap.probe_tokens.size()));
  EXPECT_EQ(snap.layers[2].gate_names.size(), 4u);
}

TEST(Seq2SeqTraining, UnknownTaskAndOptionAreClearErrors) {
  EXPECT_THROW(MakeSeq2SeqJob("nope"), ConfigError);
  const nlohmann::json bad = {{"hiddn", 3}};
  EXPECT_THROW(MakeSeq2SeqJob("reverse", &bad), ConfigError);
}

}  // namespace
}  // namespace rnnscope
