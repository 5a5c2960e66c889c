// Model export in the layout it came from (train/checkpoint.h ExportModel): a word_language_model
// state_dict imported as a char LM (plain, DistributedDataParallel's module. prefix, tied), saved
// as a checkpoint, loaded again and exported gives the file's own names and the very same tensors,
// in safetensors and torch.save's format; --layout rnnscope gives rnnscope's; a model that was
// not imported has no source layout.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "io/safetensors.h"
#include "io/tensor_file_reader.h"
#include "io/tensor_file_writer.h"
#include "train/char_lm_job.h"
#include "train/checkpoint.h"
#include "train/job_factory.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

const fs::path kGoldens = fs::path(RNNSCOPE_SOURCE_DIR) / "tests/parity/layout_goldens";

fs::path Dir() {
  const fs::path dir = fs::path(::testing::TempDir()) / ("model_export_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

// A char LM on `case_name`'s weights: a vocabulary of its decoder's rows (a–e, space, f, g, …)
// and a text in it.
JobSpec ImportSpec(const std::string& case_name) {
  const fs::path dir = Dir();
  const TensorFile weights = ReadSafetensors(kGoldens / case_name / "weights.safetensors");
  int64_t rows = 0;
  for (const auto& [name, t] : weights.tensors)
    if (name.ends_with("decoder.bias")) rows = t.shape.at(0);
  const std::string letters = "abcde fghijklmnopqrstuvwxyz";
  nlohmann::json vocab = nlohmann::json::array();
  for (int64_t i = 0; i < rows; ++i) vocab.push_back(std::string(1, letters.at(static_cast<std::size_t>(i))));
  const std::string vocab_path = (dir / (case_name + ".vocab.json")).string();
  std::ofstream(vocab_path) << vocab.dump();
  std::ofstream text(dir / "text.txt");
  for (int i = 0; i < 200; ++i) text << "abc de eda bca dd ee ";
  text.close();
  JobSpec spec;
  spec.task = "charlm";
  spec.weights_path = (kGoldens / case_name / "weights.safetensors").string();
  spec.vocab_path = vocab_path;
  spec.text_path = (dir / "text.txt").string();
  spec.settings.batch = 2;
  spec.settings.seq_len = 8;
  return spec;
}

// The checkpoint of a job built from spec, saved and read back (as `rnnscope export` reads it).
TensorFile CheckpointOf(const JobSpec& spec, const std::string& name) {
  std::unique_ptr<Job> job = MakeJob(spec);
  const fs::path path = Dir() / (name + ".ckpt.safetensors");
  job->Save(path.string(), spec.settings);
  // Loaded into a job again and saved once more: the layout survives the round trip.
  TrainSettings settings;
  std::unique_ptr<Job> again = LoadJob(path.string(), &settings);
  again->Save(path.string(), settings);
  return ReadSafetensors(path);
}

void ExpectSameTensors(const TensorFile& got, const TensorFile& want) {
  ASSERT_EQ(got.tensors.size(), want.tensors.size());
  for (const auto& [name, t] : want.tensors) {
    ASSERT_TRUE(got.Has(name)) << name;
    EXPECT_EQ(got.Get(name).shape, t.shape) << name;
    EXPECT_EQ(got.Get(name).bytes, t.bytes) << name;
  }
}

class SourceLayoutRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(SourceLayoutRoundTrip, NamesAndTensorsAsImported) {
  const std::string case_name = GetParam();
  const TensorFile original = ReadSafetensors(kGoldens / case_name / "weights.safetensors");
  ASSERT_EQ(original.tensors.begin()->second.dtype, "F32");  // the model is float32: bytes compare
  const TensorFile checkpoint = CheckpointOf(ImportSpec(case_name), case_name);
  const ModelExport model = ExportModel(checkpoint, ExportNames::kDefault);
  EXPECT_EQ(model.names.rfind("word_language_model (as weights.safetensors)", 0), 0u) << model.names;
  EXPECT_TRUE(model.note.empty()) << model.note;
  EXPECT_TRUE(model.file.metadata.empty());  // a plain PyTorch state_dict
  ExpectSameTensors(model.file, original);
  for (const char* ext : {".pt", ".safetensors"}) {
    const fs::path out = Dir() / (case_name + "_out" + ext);
    WriteTensorFile(out, model.file);
    ExpectSameTensors(ReadTensorFile(out), original);
  }
  // Explicit source: the same; rnnscope: canonical names with the checkpoint's metadata.
  ExpectSameTensors(ExportModel(checkpoint, ExportNames::kSource).file, original);
  const ModelExport ours = ExportModel(checkpoint, ExportNames::kRnnscope);
  EXPECT_EQ(ours.names, "rnnscope");
  EXPECT_TRUE(ours.file.Has("fc.weight"));
  EXPECT_TRUE(ours.file.Has("embedding.weight"));
  EXPECT_TRUE(ours.file.metadata.count("rnnscope"));
}

INSTANTIATE_TEST_SUITE_P(Wlm, SourceLayoutRoundTrip,
                         ::testing::Values("wlm_lstm", "wlm_gru", "ddp_wlm_lstm", "wlm_lstm_tied"));

TEST(SourceLayout, PrefixAndTiedAreKept) {
  const TensorFile ddp = CheckpointOf(ImportSpec("ddp_wlm_lstm"), "ddp");
  const ModelExport m = ExportModel(ddp, ExportNames::kDefault);
  EXPECT_NE(m.names.find("prefix module."), std::string::npos) << m.names;
  EXPECT_TRUE(m.file.Has("module.rnn.weight_hh_l1"));
  EXPECT_TRUE(m.file.Has("module.encoder.weight"));

  // Tied: both names, equal bytes; after training they differ and the export says so.
  const JobSpec spec = ImportSpec("wlm_lstm_tied");
  std::unique_ptr<Job> job = MakeJob(spec);
  const ModelExport tied = ExportModel(ParseSafetensors(job->SaveToBytes(spec.settings), "tied"), ExportNames::kDefault);
  EXPECT_NE(tied.names.find("tied"), std::string::npos) << tied.names;
  EXPECT_EQ(tied.file.Get("encoder.weight").bytes, tied.file.Get("decoder.weight").bytes);
  for (int i = 0; i < 3; ++i) job->Step(spec.settings);
  const ModelExport trained = ExportModel(ParseSafetensors(job->SaveToBytes(spec.settings), "tied"), ExportNames::kDefault);
  EXPECT_NE(trained.file.Get("encoder.weight").bytes, trained.file.Get("decoder.weight").bytes);
  EXPECT_NE(trained.note.find("apart"), std::string::npos) << trained.note;
}

TEST(SourceLayout, AModelNotImportedHasNone) {
  JobSpec spec;
  spec.task = "charlm";
  spec.model.hidden = 8;
  spec.settings.batch = 2;
  spec.settings.seq_len = 8;
  std::unique_ptr<Job> job = MakeJob(spec);
  const TensorFile checkpoint = ParseSafetensors(job->SaveToBytes(spec.settings), "fresh.safetensors");
  EXPECT_EQ(ExportModel(checkpoint, ExportNames::kDefault).names, "rnnscope");
  EXPECT_TRUE(ExportModel(checkpoint, ExportNames::kDefault).file.Has("fc.weight"));
  EXPECT_THROW(ExportModel(checkpoint, ExportNames::kSource), ConfigError);
  EXPECT_THROW(ParseExportNames("torch"), ConfigError);
}

TEST(SourceLayout, DamagedEntryIsAnInputError) {
  const JobSpec spec = ImportSpec("wlm_lstm");
  TensorFile checkpoint = ParseSafetensors(MakeJob(spec)->SaveToBytes(spec.settings), "c.safetensors");
  nlohmann::json meta = nlohmann::json::parse(checkpoint.metadata.at("rnnscope"));
  meta["definition"]["source_layout"]["version"] = 9;
  checkpoint.metadata["rnnscope"] = meta.dump();
  try {
    (void)ExportModel(checkpoint, ExportNames::kDefault);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("c.safetensors: source_layout: version 9"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rnnscope
