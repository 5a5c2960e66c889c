// A seq2seq-with-attention PyTorch state_dict opened as `rnnscope PATH` opens it (io/file_kind.h →
// train/open_file.h SpecForFile → MakeJob) and trained further (task seq2seq_weights): the
// PyTorch tutorial's EncoderRNN + AttnDecoderRNN ({"encoder", "decoder"} in one .pt, SOS=0 EOS=1,
// no pad token, no attention mask) and d2l's EncoderDecoder (2 layers, <unk> <pad> <bos> <eos>,
// masked attention), written by tests/parity/make_seq2seq_import_case.py with torch.save.
//   Opens          the spec found the vocabularies and pairs beside the file; the job's first
//                  validation loss and its loss on a padded batch of mixed lengths equal
//                  PyTorch's to 1e-5 relative; an export at step 0 gives the file's tensors
//                  byte for byte under the file's names; 5 steps train (finite, weights move);
//                  the checkpoint loads again with the same validation loss
//   BadInput       a missing target vocabulary, a vocabulary longer than the embedding
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "io/file_kind.h"
#include "io/tensor_file_reader.h"
#include "train/checkpoint.h"
#include "train/job_factory.h"
#include "train/open_file.h"
#include "train/seq2seq_job.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

const fs::path kGenerator = fs::path(RNNSCOPE_SOURCE_DIR) / "tests/parity/make_seq2seq_import_case.py";

class Seq2SeqImport : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "/usr/bin/python3 cannot import torch: no PyTorch model to open";
    dir_ = fs::temp_directory_path() / ("rnnscope_s2s_import_" + GetParam() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    const std::string cmd = "/usr/bin/python3 " + kGenerator.string() + " --out " + dir_.string() + " --kind " +
                            GetParam() + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(dir_ / "expected.json");
    expected_ = nlohmann::json::parse(in);
    model_ = (dir_ / "model.pt").string();
    base_.settings.batch = 4;
    base_.settings.learning_rate = 1e-2f;
    base_.settings.seed = 5;
    base_.given.emplace();  // as the window: no model field chosen
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  JobSpec Spec() const { return SpecForFile(model_, DetectFileKind(model_).kind, base_); }

  fs::path dir_;
  std::string model_;
  JobSpec base_;
  nlohmann::json expected_;
};

double Rel(double a, double e) { return std::abs(a - e) / std::abs(e); }

TEST_P(Seq2SeqImport, Opens) {
  ASSERT_EQ(DetectFileKind(model_).kind, FileKind::kStateDict);
  const JobSpec spec = Spec();
  EXPECT_EQ(spec.task, kImportedSeq2SeqTask);
  EXPECT_EQ(spec.vocab_path, (dir_ / "model.source.vocab.json").string());
  EXPECT_EQ(spec.target_vocab_path, (dir_ / "model.target.vocab.json").string());
  EXPECT_EQ(spec.data_path, (dir_ / "model.pairs.tsv").string());
  std::unique_ptr<Job> made = MakeJob(spec);
  auto* job = dynamic_cast<Seq2SeqJob*>(made.get());
  ASSERT_NE(job, nullptr);
  const bool tutorial = GetParam() == "tutorial";
  EXPECT_EQ(job->model().config().sos_id, tutorial ? 0 : 2);
  EXPECT_EQ(job->model().config().eos_id, tutorial ? 1 : 3);
  EXPECT_EQ(job->model().config().mask_source, !tutorial);
  EXPECT_EQ(job->Describe().source_layout.rfind(tutorial ? "pytorch_tutorial" : "d2l_seq2seq", 0), 0u)
      << job->Describe().source_layout;

  // The first validation loss: every validation example is the file's one pair.
  const float val = job->ValidationLoss();
  const double pair_loss = expected_.at("pair_loss").get<double>();
  EXPECT_LE(Rel(val, pair_loss), 1e-5) << val << " vs PyTorch " << pair_loss;
  // A padded batch of mixed lengths, through the task's batcher (its special ids).
  std::vector<Seq2SeqExample> examples;
  for (const auto& p : expected_.at("batch"))
    examples.push_back({p.at(0).get<std::vector<int32_t>>(), p.at(1).get<std::vector<int32_t>>(), {}});
  Seq2SeqPass<float> pass;
  const float batch_loss = job->model().Forward(job->task().Batch(examples), 1.0f, nullptr, pass);
  const double want = expected_.at("batch_loss").get<double>();
  EXPECT_LE(Rel(batch_loss, want), 1e-5) << batch_loss << " vs PyTorch " << want;
  std::printf("%s: validation loss %.9g vs PyTorch %.9g (rel %.2g); padded batch %.9g vs %.9g (rel %.2g)\n",
              GetParam().c_str(), val, pair_loss, Rel(val, pair_loss), batch_loss, want, Rel(batch_loss, want));

  // Export at step 0: the file's own tensors, names and bytes.
  TrainSettings settings = spec.settings;
  const ModelExport exported = ExportModel(job->CheckpointFile(settings), ExportNames::kDefault);
  const TensorFile original = ReadTensorFile(model_);
  ASSERT_EQ(exported.file.tensors.size(), original.tensors.size());
  for (const auto& [name, t] : original.tensors) {
    ASSERT_TRUE(exported.file.Has(name)) << name;
    EXPECT_EQ(exported.file.Get(name).shape, t.shape) << name;
    EXPECT_EQ(exported.file.Get(name).dtype, t.dtype) << name;
    EXPECT_TRUE(exported.file.Get(name).bytes == t.bytes) << name << " differs after 0 steps";
  }

  // Training further.
  for (int i = 0; i < 5; ++i) {
    const StepResult r = job->Step(settings);
    EXPECT_TRUE(std::isfinite(r.loss)) << "step " << i;
    EXPECT_TRUE(r.non_finite.empty()) << r.non_finite;
  }
  EXPECT_EQ(job->StepCount(), 5);
  const TensorFile trained = ExportModel(job->CheckpointFile(settings), ExportNames::kDefault).file;
  int moved = 0;
  for (const auto& [name, t] : original.tensors) moved += !(trained.Get(name).bytes == t.bytes);
  EXPECT_GE(moved, static_cast<int>(original.tensors.size()) - 2) << "weights did not change";  // Va.bias has no gradient

  const std::string ckpt = (dir_ / "run.safetensors").string();
  job->Save(ckpt, settings);
  TrainSettings loaded_settings;
  std::unique_ptr<Job> loaded = LoadJob(ckpt, &loaded_settings);
  EXPECT_EQ(loaded->Task(), kImportedSeq2SeqTask);
  EXPECT_EQ(loaded->StepCount(), 5);
  EXPECT_EQ(loaded->ValidationLoss(), job->ValidationLoss());
  // Still exported in the file's layout after the reload.
  const TensorFile again = ExportModel(dynamic_cast<TrainingJob&>(*loaded).CheckpointFile(loaded_settings),
                                       ExportNames::kDefault).file;
  for (const auto& [name, t] : trained.tensors) EXPECT_TRUE(again.Get(name).bytes == t.bytes) << name;
}

TEST_P(Seq2SeqImport, BadInput) {
  const std::string target = (dir_ / "model.target.vocab.json").string();
  fs::rename(target, dir_ / "elsewhere.json");
  try {
    Spec();
    ADD_FAILURE() << "no error without the target vocabulary";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("target vocabulary (none at " + target), std::string::npos) << e.what();
  }
  fs::rename(dir_ / "elsewhere.json", target);
  // One token more than the embedding has rows.
  std::vector<std::string> tokens = ReadTokenList((dir_ / "model.source.vocab.json").string());
  tokens.push_back("extra");
  std::ofstream((dir_ / "model.source.vocab.json")) << nlohmann::json(tokens).dump();
  try {
    MakeJob(Spec());
    ADD_FAILURE() << "no error for a vocabulary longer than the embedding";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("lists " + std::to_string(tokens.size()) + " tokens"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("encoder.embedding.weight' has " + std::to_string(tokens.size() - 1) + " rows"),
              std::string::npos)
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, Seq2SeqImport, ::testing::Values("tutorial", "d2l"));

}  // namespace
}  // namespace rnnscope
