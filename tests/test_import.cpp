// A PyTorch model (tests/data/make_import_fixture.py: state_dict as safetensors + vocabulary
// JSON) becomes a CharLmJob whose probe reproduces PyTorch's output, trains on, and fails with
// a message that says what was expected when the files do not fit.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/safetensors.h"
#include "train/char_lm_job.h"

namespace rnnscope {
namespace {

const std::string kData = std::string(RNNSCOPE_SOURCE_DIR) + "/tests/data/";

JobSpec ImportSpec(const std::string& cell) {
  JobSpec spec;
  spec.weights_path = kData + "import_" + cell + ".safetensors";
  spec.vocab_path = kData + "import_vocab.json";
  spec.settings.batch = 4;
  spec.settings.seq_len = 16;
  return spec;
}

nlohmann::json Expected() {
  std::ifstream in(kData + "import_expected.json");
  return nlohmann::json::parse(in);
}

class ImportParity : public ::testing::TestWithParam<std::string> {};

TEST_P(ImportParity, ProbeMatchesPyTorch) {
  const std::string cell = GetParam();
  CharLmJob job(ImportSpec(cell));
  const nlohmann::json expected = Expected().at(cell);
  Snapshot snap;
  job.FillSnapshot(expected.at("probe").get<std::string>(), ImportSpec(cell).settings, snap);
  const auto& probs = expected.at("probs");
  ASSERT_EQ(snap.probe_probs.cols(), static_cast<Eigen::Index>(probs.size()));
  ASSERT_EQ(snap.probe_probs.rows(), 35);
  for (std::size_t t = 0; t < probs.size(); ++t)
    for (std::size_t v = 0; v < probs[t].size(); ++v)
      ASSERT_NEAR(snap.probe_probs(static_cast<Eigen::Index>(v), static_cast<Eigen::Index>(t)),
                  probs[t][v].get<double>(), 2e-6)
          << cell << " t=" << t << " token " << v;
  EXPECT_EQ(snap.vocab.front(), "\n") << "ids are the vocabulary file's order";
  EXPECT_EQ(snap.probe_tokens.size(), probs.size());
}

INSTANTIATE_TEST_SUITE_P(Cells, ImportParity, ::testing::Values("lstm", "gru"));

TEST(Import, ShapesComeFromTheTensorsAndTrainingContinues) {
  CharLmJob job(ImportSpec("gru"));
  EXPECT_EQ(job.Model().cell, CellKind::kGru);
  EXPECT_EQ(job.Model().hidden, 12);
  EXPECT_EQ(job.Model().layers, 2);
  EXPECT_EQ(job.Model().embed, 0);
  EXPECT_EQ(job.Model().vocab, 35);
  // The built-in corpus (its capitals and a few marks skipped) is the training text.
  const float first = job.Step(ImportSpec("gru").settings).loss;
  float last = first;
  for (int i = 0; i < 60; ++i) last = job.Step(ImportSpec("gru").settings).loss;
  EXPECT_LT(last, first) << "training from the imported weights does not learn";
  // Time travel works on an imported model: the restored job shares the recoded corpus and
  // trains on exactly as the original does.
  const TrainSettings settings = ImportSpec("gru").settings;
  const std::vector<unsigned char> bytes = job.SaveToBytes(settings);
  std::unique_ptr<Job> restored = job.LoadFromBytes(bytes, nullptr);
  EXPECT_EQ(restored->StepCount(), job.StepCount());
  EXPECT_EQ(restored->Describe().imported_from, job.Describe().imported_from);
  EXPECT_EQ(restored->Step(settings).loss, job.Step(settings).loss);
}

TEST(Import, MismatchesSayWhatWasExpected) {
  JobSpec spec = ImportSpec("lstm");
  const std::string short_vocab = ::testing::TempDir() + "short_vocab.json";
  std::ofstream(short_vocab) << R"(["a", "b", "c"])";
  spec.vocab_path = short_vocab;
  try {
    CharLmJob job(spec);
    ADD_FAILURE() << "a 3-token vocabulary was accepted for a 35-row fc";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("fc.weight has 35 rows"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lists 3 tokens"), std::string::npos) << e.what();
  }

  // A state_dict with a stray tensor: the message lists the names that are expected.
  TensorFile file = ReadSafetensors(ImportSpec("lstm").weights_path);
  file.tensors["decoder.weight"] = file.tensors.at("fc.bias");
  const std::string odd = ::testing::TempDir() + "odd.safetensors";
  WriteSafetensors(odd, file);
  spec = ImportSpec("lstm");
  spec.weights_path = odd;
  try {
    CharLmJob job(spec);
    ADD_FAILURE() << "an unexpected tensor was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("decoder.weight"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rnn.weight_ih_l<k>"), std::string::npos) << e.what();
  }

  spec = ImportSpec("lstm");
  spec.vocab_path.clear();
  EXPECT_THROW(CharLmJob job(spec), ConfigError);
}

}  // namespace
}  // namespace rnnscope
