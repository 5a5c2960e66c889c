// The char-LM job end to end: learning on the built-in corpus for every cell, bit-exact
// checkpoint resume, and divergence handling.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "io/safetensors.h"
#include "train/char_lm_job.h"

namespace rnnscope {
namespace {

JobSpec SmallSpec(CellKind cell) {
  JobSpec spec;
  spec.model.cell = cell;
  spec.model.hidden = 64;
  spec.settings.batch = 16;
  spec.settings.seq_len = 32;
  spec.settings.learning_rate = cell == CellKind::kRnnRelu ? 1e-3f : 5e-3f;
  spec.settings.seed = 3;
  return spec;
}

class CharLmLearns : public ::testing::TestWithParam<CellKind> {};

TEST_P(CharLmLearns, LossFallsWellBelowUnigramEntropy) {
  CharLmJob job(SmallSpec(GetParam()));
  const float initial = job.ValidationLoss();
  TrainSettings settings = SmallSpec(GetParam()).settings;
  for (int i = 0; i < 400; ++i) {
    const StepResult r = job.Step(settings);
    ASSERT_TRUE(r.non_finite.empty()) << r.non_finite;
  }
  const float val = job.ValidationLoss();
  const double unigram = job.UnigramEntropy();
  EXPECT_LT(val, unigram - 0.5) << CellName(GetParam()) << ": val " << val << " vs unigram " << unigram
                                << " (initial " << initial << ")";
  EXPECT_LT(val, initial);
}

INSTANTIATE_TEST_SUITE_P(AllCells, CharLmLearns,
                         ::testing::Values(CellKind::kLstm, CellKind::kGru, CellKind::kRnnTanh,
                                           CellKind::kRnnRelu, CellKind::kJordan),
                         [](const auto& info) { return std::string(CellName(info.param)); });

TEST(CharLmCheckpoint, ResumeGivesIdenticalNextLoss) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "rnnscope_test_ckpt";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "a.safetensors").string();
  JobSpec spec = SmallSpec(CellKind::kLstm);
  spec.model.hidden = 32;
  spec.settings.optimizer = "adam";
  CharLmJob job(spec);
  for (int i = 0; i < 20; ++i) job.Step(spec.settings);
  job.Save(path, spec.settings);
  TrainSettings loaded_settings;
  auto resumed = CharLmJob::Load(path, &loaded_settings);
  EXPECT_EQ(resumed->StepCount(), 20);
  for (int i = 0; i < 5; ++i) {
    const StepResult a = job.Step(spec.settings);
    const StepResult b = resumed->Step(loaded_settings);
    EXPECT_EQ(a.loss, b.loss) << "step " << i;  // bit-exact
    EXPECT_EQ(a.grad_norm, b.grad_norm);
  }
  // The checkpoint holds the weights under PyTorch names.
  const TensorFile file = ReadSafetensors(path);
  EXPECT_TRUE(file.Has("rnn.weight_ih_l0"));
  EXPECT_TRUE(file.Has("fc.weight"));
  EXPECT_TRUE(file.Has("optim.fc.weight.exp_avg"));
  std::filesystem::remove_all(dir);
}

TEST(CharLmDivergence, HugeLearningRateIsDetectedAndWeightsStayFinite) {
  JobSpec spec = SmallSpec(CellKind::kRnnRelu);
  spec.settings.optimizer = "sgd";
  spec.settings.learning_rate = 1e6f;
  spec.settings.clip_mode = "none";
  CharLmJob job(spec);
  std::string bad;
  for (int i = 0; i < 50 && bad.empty(); ++i) bad = job.Step(spec.settings).non_finite;
  ASSERT_FALSE(bad.empty()) << "lr 1e6 with relu never diverged";
  bool finite = true;
  job.model().params.ForEach([&](const std::string&, MatF& m, bool) { finite = finite && m.allFinite(); });
  EXPECT_TRUE(finite) << "a non-finite update was applied";
}

}  // namespace
}  // namespace rnnscope
