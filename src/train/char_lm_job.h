// The character-level language model job: a UTF-8 corpus (a user's file or the built-in
// procedural one), tokenised by code point, trained with truncated BPTT (sequential batching,
// state carried across chunks) or random windows (state reset).
#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/ring_buffer.h"
#include "core/rng.h"
#include "io/safetensors.h"
#include "model/rnn_model.h"
#include "tasks/char_batcher.h"
#include "tasks/vocab.h"
#include "train/job.h"
#include "train/job_factory.h"
#include "train/optimizer.h"

namespace rnnscope {

class CharLmJob : public Job {
 public:
  explicit CharLmJob(const JobSpec& spec);
  static std::unique_ptr<CharLmJob> Load(const std::string& path, TrainSettings* settings_out);

  std::string Task() const override { return "charlm"; }
  const ModelConfig& Model() const override { return model_.config(); }
  RunningModel Describe() const override;
  int64_t StepCount() const override { return step_; }
  StepResult Step(const TrainSettings& settings) override;
  float ValidationLoss() override;
  void FillSnapshot(const std::string& probe, const TrainSettings& settings, Snapshot& out) override;
  void Save(const std::string& path, const TrainSettings& settings) const override;
  bool SetInterventions(const std::vector<Intervention>& interventions) override;
  std::vector<unsigned char> SaveToBytes(const TrainSettings& settings) const override;
  std::unique_ptr<Job> LoadFromBytes(std::span<const unsigned char> bytes,
                                     TrainSettings* settings_out) const override;

  // Generates `length` characters after `prime` (which must be non-empty and in the vocabulary).
  std::string Sample(const std::string& prime, int length, float temperature, Rng& rng) const;
  const Vocab& vocab() const { return vocab_; }
  // Entropy (nats) of the training text's character frequencies: the loss of the best model
  // that ignores context. A model that learned anything sits well below it.
  double UnigramEntropy() const;
  RnnModel<float>& model() { return model_; }
  const RnnModel<float>& model() const { return model_; }
  // For analyses over the held-out text (train/cell_finder.h): validation character i is
  // character train_size() + i of the corpus.
  const std::vector<int32_t>& validation_ids() const { return val_ids_; }
  std::size_t train_size() const { return train_ids_.size(); }
  const JobSpec& spec() const { return spec_; }
  // When false, Step skips the bookkeeping only the UI needs (per-parameter grad-norm
  // histories); bench uses it to measure what recording costs.
  void set_record_internals(bool on) { record_internals_ = on; }

 private:
  CharLmJob() = default;
  static std::unique_ptr<CharLmJob> LoadFrom(const TensorFile& file, const nlohmann::json& meta,
                                             const std::string& path, TrainSettings* settings_out);
  void LoadData(const JobSpec& spec);
  void InitFromPyTorch(const JobSpec& spec);  // weights + vocab instead of fresh ones (char_lm_import.cpp)
  void ConfigureBatcher(const TrainSettings& settings);
  void RecordGradNorms();
  TensorFile CheckpointFile(const TrainSettings& settings) const;  // what Save writes
  std::string FirstNonFiniteForward() const;   // which forward tensor made the loss NaN/Inf
  std::string FirstNonFiniteGradient() const;

  JobSpec spec_;
  Vocab vocab_;
  std::vector<int32_t> train_ids_;
  std::vector<int32_t> val_ids_;
  std::unique_ptr<CharBatcher> batcher_;
  RnnModel<float> model_;
  Optimizer optimizer_;
  ParamRefs refs_;
  ForwardPass<float> pass_;
  TokenBatch batch_;
  RecurrentState<float> carried_;
  bool have_carried_ = false;
  // The weights before the last applied update, restored when the next step is non-finite.
  ModelParams<float> last_good_;
  bool have_last_good_ = false;
  int64_t step_ = 0;
  std::vector<Intervention> interventions_;  // model/intervention.h
  bool record_internals_ = true;

  // Display-only state, refreshed on the trainer thread.
  std::vector<RingBuffer<float>> grad_norm_history_;  // per parameter, ForEach order
  Rng sample_rng_{7};
  std::string cached_sample_;
  std::chrono::steady_clock::time_point sample_time_{};
  ForwardPass<float> probe_pass_;
};

}  // namespace rnnscope
