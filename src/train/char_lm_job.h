// The character-level language model job: a UTF-8 corpus (a user's file or the built-in
// procedural one), tokenised by code point, trained with truncated BPTT (sequential batching,
// state carried across chunks) or random windows (state reset).
#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "io/safetensors.h"
#include "model/pytorch_layout.h"
#include "model/rnn_model.h"
#include "tasks/char_batcher.h"
#include "tasks/vocab.h"
#include "train/job_factory.h"
#include "train/training_job.h"

namespace rnnscope {

// The text a char LM trains and validates on, shared (immutable) between a job and the jobs
// time travel restores from it, so a rewind never re-reads the corpus.
struct CharLmCorpus {
  std::string source;                // the file, or "built-in corpus"
  Vocab vocab;
  std::vector<int32_t> train, validation;
  // Non-empty when the checkpoint's data could not be used (missing or changed file): the job
  // then holds only the checkpoint's vocabulary and probe, and refuses to train, saying this.
  std::string unavailable;
};

class CharLmJob : public TrainingJob {
 public:
  explicit CharLmJob(const JobSpec& spec);
  static std::unique_ptr<CharLmJob> Load(const std::string& path, TrainSettings* settings_out);
  // From a checkpoint's tensors and (version 2) metadata; `donor` (may be null) lends its
  // corpus when it read the same data (time travel).
  static std::unique_ptr<CharLmJob> LoadFrom(const TensorFile& file, const nlohmann::json& meta,
                                             const Job* donor, TrainSettings* settings_out);

  std::string Task() const override { return "charlm"; }
  const ModelConfig& Model() const override { return model_.config(); }
  RunningModel Describe() const override;
  float ValidationLoss() override;
  std::string ValidationScope() const override;
  void FillSnapshot(const std::string& probe, const TrainSettings& settings, Snapshot& out) override;
  bool SetInterventions(const std::vector<Intervention>& interventions) override;
  DynamicsSource Dynamics() const override;

  // Generates `length` characters after `prime` (which must be non-empty and in the vocabulary).
  std::string Sample(const std::string& prime, int length, float temperature, Rng& rng) const;
  const Vocab& vocab() const { return corpus_->vocab; }
  // Entropy (nats) of the training text's character frequencies: the loss of the best model
  // that ignores context. A model that learned anything sits well below it.
  double UnigramEntropy() const;
  RnnModel<float>& model() { return model_; }
  const RnnModel<float>& model() const { return model_; }
  // For analyses over the held-out text (train/cell_finder.h): validation character i is
  // character train_size() + i of the corpus.
  const std::vector<int32_t>& validation_ids() const { return corpus_->validation; }
  std::size_t train_size() const { return corpus_->train.size(); }
  const JobSpec& spec() const { return spec_; }
  // Non-empty when this job came from a checkpoint whose data file is missing or changed: why
  // it holds only the checkpoint's vocabulary and probe (it samples and shows, but cannot train).
  const std::string& data_unavailable() const { return corpus_->unavailable; }

 private:
  CharLmJob() : TrainingJob("charlm") {}
  void LoadData(const JobSpec& spec);
  void InitFromPyTorch(const JobSpec& spec);  // weights + vocab instead of fresh ones (char_lm_import.cpp)
  void ConfigureBatcher(const TrainSettings& settings);
  void PrepareStep(const TrainSettings& settings) override;
  float ForwardBackward(const TrainSettings& settings, int64_t& tokens) override;
  std::string NonFiniteForward() const override;
  void OnStepApplied() override;
  void OnStepRejected() override { have_carried_ = false; }
  nlohmann::json Definition() const override;
  nlohmann::json TrainingState(TensorFile& file) const override;

  JobSpec spec_;
  // The names of the PyTorch file this model was imported from (kept in checkpoints as
  // definition.source_layout, so an export writes them again: train/checkpoint.h ExportModel).
  std::optional<PyTorchLayout> source_layout_;
  std::shared_ptr<const CharLmCorpus> corpus_;
  std::unique_ptr<CharBatcher> batcher_;
  RnnModel<float> model_;
  ForwardPass<float> pass_;
  DropoutMasks<float> dropout_masks_;  // this step's (pass_ points at them until Backward)
  TokenBatch batch_;
  RecurrentState<float> carried_;
  bool have_carried_ = false;
  std::vector<Intervention> interventions_;  // model/intervention.h

  // Display-only state, refreshed on the trainer thread.
  Rng sample_rng_{7};
  std::string cached_sample_;
  std::chrono::steady_clock::time_point sample_time_{};
  ForwardPass<float> probe_pass_;
};

}  // namespace rnnscope
