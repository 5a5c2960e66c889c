// The common part of the tagging (N→N), classification (N→1) and generation (1→N) jobs, over
// the training skeleton (train/training_job.h: the step, rollback, parameter statistics, layer
// traces and the checkpoint envelope, kind "structure"): the task and its options, the RNG
// batches are drawn with, and the definition a checkpoint rebuilds them from.
//
// A concrete job owns its task and model, binds the model's params/grads with Bind() at the end
// of its constructor, and implements TrainBatch (one forward + backward), FillSnapshot and
// Evaluate. The jobs and their factory: tagging_job, classification_job, generation_job,
// structure_jobs.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "core/rng.h"
#include "io/safetensors.h"
#include "model/dropout.h"
#include "model/recurrent_layer.h"
#include "model/structure_config.h"
#include "tasks/seq2seq_task.h"
#include "train/training_job.h"

namespace rnnscope {

struct StructureJobOptions {
  StructureConfig model;  // vocab and classes are filled from the task
  nlohmann::json task_options = nlohmann::json::object();  // {"tags": "bio"}, {"data": path}, lengths
  uint64_t seed = 1;
};

class StructureJob : public TrainingJob {
 public:
  std::string Task() const override { return task_name_; }
  const ModelConfig& Model() const override { return config_.rnn; }
  RunningModel Describe() const override;
  // Unit clamps and gate pins on every recurrent layer and direction (the shared encoder path);
  // false when one cannot apply (attention rows: these models have no attention).
  bool SetInterventions(const std::vector<Intervention>& interventions) override;

  // Held-out metrics of n examples of `split` (the same examples for the same seed), as JSON:
  // "examples" and the job's metrics (see each job's header).
  virtual nlohmann::json Evaluate(Split split, int n, uint64_t seed) const = 0;
  // Human-readable lines of the same metrics, for `rnnscope eval`.
  virtual std::string FormatMetrics(const nlohmann::json& metrics) const = 0;

  const StructureConfig& structure() const { return config_; }
  const StructureJobOptions& options() const { return options_; }

 protected:
  StructureJob(std::string task, const StructureJobOptions& options);
  // Binds the model's tensors for the optimizer and checkpoints; call once the model exists.
  void Bind(ModelParams<float>& params, ModelParams<float>& grads);
  // Dynamics() of a job whose encoder reads one token per step from the zero state (tagging,
  // classification): the encoder's config and `params` in double, the input `tokens`, up to
  // kDynamicsSequences of `held_out`, and `rest` (why: `rest_why`) as the default input — or,
  // when rest < 0, the first token that is not a special ("<pad>", …). ConfigError for a
  // bidirectional encoder, whose reverse direction reads the future: it has no state map.
  static constexpr std::size_t kDynamicsSequences = 256;
  DynamicsSource EncoderDynamics(const ModelParams<float>& params, std::vector<std::string> tokens,
                                 const std::vector<const std::vector<int32_t>*>& held_out, int32_t rest,
                                 const std::string& rest_why) const;
  // Forward and backward on a fresh training batch of `batch` examples (drawn with rng_);
  // grads are zero on entry. Returns the mean loss; `tokens` = positions scored.
  virtual float TrainBatch(int batch, int64_t& tokens) = 0;
  // Token strings for the checkpoint's metadata (checked on load against the rebuilt task).
  virtual nlohmann::json Vocabulary() const = 0;
  // A file-backed task's fixed validation examples for the checkpoint (null: none to save).
  virtual nlohmann::json SavedValidation() const { return nullptr; }

  // Gives the caches of a pass the interventions for a training step or for the probe.
  void Intervene(std::vector<LayerCache<float>>& caches, bool training) const {
    SetLayerInterventions(caches, config_.rnn.layers, config_.rnn.Directions(), interventions_, training);
  }

  // This step's dropout masks for a T × B batch of the encoder (model/dropout.h), drawn from the
  // run's seed and the step so a replayed step draws the same; null when the rate is 0.
  const DropoutMasks<float>* StepDropout(int T, int B) {
    if (step_dropout_ <= 0.0f) return nullptr;
    MakeDropoutMasks(config_.rnn, DropoutRates::All(step_dropout_), T, B, step_dropout_seed_, dropout_masks_);
    return &dropout_masks_;
  }

  std::string task_name_;
  StructureJobOptions options_;
  std::vector<Intervention> interventions_;
  StructureConfig config_;
  Rng rng_;

 private:
  float ForwardBackward(const TrainSettings& settings, int64_t& tokens) final {
    step_dropout_ = settings.dropout;
    step_dropout_seed_ = DropoutSeed(settings.seed, StepCount());
    return TrainBatch(settings.batch, tokens);
  }
  float step_dropout_ = 0.0f;
  uint64_t step_dropout_seed_ = 0;
  DropoutMasks<float> dropout_masks_;
  nlohmann::json Definition() const final;
  nlohmann::json TrainingState(TensorFile& file) const final;
  friend std::unique_ptr<StructureJob> LoadStructureJobFrom(const TensorFile& file, const nlohmann::json& meta,
                                                            const Job* donor, TrainSettings* settings_out);
};

// ---- factory (structure_jobs.cpp)

// slots, flipflop, conll (tagging) · brackets, majority (classification) · spell, numbers (generation)
bool IsStructureTask(const std::string& task);
std::vector<std::string> StructureTaskNames();
// Sizes tuned per task (GRU, E = 32, H = 64, one layer, unidirectional, readout last,
// condition first), for the task's structure.
StructureJobOptions DefaultStructureOptions(const std::string& task);
std::unique_ptr<StructureJob> MakeStructureJob(const std::string& task, const StructureJobOptions& options);
// From a checkpoint's tensors and (version 2) metadata (LoadJobFrom, job_factory.cpp). A donor
// of the same task that read the same data lends its task (time travel never re-reads a file);
// a data file gone or changed since leaves a job that opens from the saved examples and refuses
// to train, saying why.
std::unique_ptr<StructureJob> LoadStructureJobFrom(const TensorFile& file, const nlohmann::json& meta, const Job* donor,
                                                   TrainSettings* settings_out);

}  // namespace rnnscope
