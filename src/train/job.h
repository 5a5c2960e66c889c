// A training job: one task with its model, optimizer and data. The TrainerThread (and the
// headless `train` command) drive any Job the same way; the char LM and the seq2seq/tagging/
// classification tasks each implement it. A Job is owned and used by one thread only.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/intervention.h"
#include "train/bounded_history.h"
#include "train/dynamics_source.h"
#include "train/snapshot.h"

namespace rnnscope {

struct StepResult {
  float loss = 0.0f;        // training loss of this batch (nats per token)
  float grad_norm = 0.0f;   // global L2 norm before clipping
  bool clipped = false;
  int64_t tokens = 0;       // tokens processed (for tokens/s)
  std::string non_finite;   // non-empty: the tensor that became NaN/Inf (step was not applied)
};

class Job {
 public:
  virtual ~Job() = default;
  virtual std::string Task() const = 0;
  virtual const ModelConfig& Model() const = 0;
  virtual int64_t StepCount() const = 0;
  // What runs (train/snapshot.h RunningModel): the task, cell, sizes, directions, attention and
  // data file as built, for Controls, the window title and the `model:` line.
  virtual RunningModel Describe() const = 0;

  // One optimisation step on the next batch with these hyperparameters. An applied step adds
  // its point (train loss, grad norm, clipped) to LossHistory.
  virtual StepResult Step(const TrainSettings& settings) = 0;
  // The run's loss history, bounded and decimated (train/bounded_history.h). The job owns it,
  // not the trainer thread or `train`, because it belongs to the run: checkpoints save and
  // restore it with the weights (so a run opened in the window continues its curve), and a
  // rewind's in-memory checkpoint brings back the curve as it was at that step.
  virtual const BoundedHistory& LossHistory() const = 0;
  // Puts a val loss measured after step `step` on that step's point (no-op when the newest
  // point is another step). Whoever calls ValidationLoss decides whether it belongs on the curve.
  // A plateau schedule (train/lr_schedule.h) learns from it too.
  virtual void RecordValidation(int64_t step, float val_loss) = 0;
  // The learning rate the next Step(settings) uses: settings.learning_rate under settings'
  // schedule at this step (and, for reduce-on-plateau, the validation losses recorded so far).
  virtual float ScheduledLearningRate(const TrainSettings& settings) const { return settings.learning_rate; }
  // Loss on the held-out data: the whole validation split, or a fixed sample that
  // ValidationScope names where the split is too large to evaluate often.
  virtual float ValidationLoss() = 0;
  // What ValidationLoss covers, for the Loss panel and `train`'s progress line, e.g.
  // "validation split (111,396 characters)" or "256 validation examples".
  virtual std::string ValidationScope() const { return "validation split"; }
  // Fills the probe/trace/sample/attention parts of a snapshot for `probe` (empty = default
  // probe). Step, history (LossHistory) and settings are filled by the caller.
  virtual void FillSnapshot(const std::string& probe, const TrainSettings& settings, Snapshot& out) = 0;

  // Checkpoints: weights (safetensors) + JSON metadata, written atomically.
  virtual void Save(const std::string& path, const TrainSettings& settings) const = 0;

  // In-memory checkpoints for time travel (train/checkpoint_ring.h): the same content as Save,
  // as bytes, and a job of the same task restored from them (the caller swaps it in), so that
  // training on from there repeats the original run bit for bit. Jobs that cannot throw.
  virtual std::vector<unsigned char> SaveToBytes(const TrainSettings& /*settings*/) const {
    throw ConfigError(Task() + ": in-memory checkpoints are not supported");
  }
  virtual std::unique_ptr<Job> LoadFromBytes(std::span<const unsigned char> /*bytes*/,
                                             TrainSettings* /*settings_out*/) const {
    throw ConfigError(Task() + ": in-memory checkpoints are not supported");
  }
  // Clamps/pins (model/intervention.h) for the probe, and for training steps where marked.
  // Returns false when the job cannot apply them (the default).
  virtual bool SetInterventions(const std::vector<Intervention>& /*interventions*/) { return false; }
  // Seq2seq: forces the probe's decoding to start with these output tokens (empty: none). Throws
  // InputError for a token the target side lacks; false when the task has no decoder.
  virtual bool SetDecoderPrefix(const std::string& /*tokens*/) { return false; }
  // The running model's recurrence for the dynamics views and `rnnscope dynamics`
  // (train/dynamics_source.h): a copy, safe to hand to another thread. Throws ConfigError with
  // the reason when the task has no state map of one recurrent stack (the default).
  virtual DynamicsSource Dynamics() const {
    throw ConfigError(Task() + ": the dynamics views need one unidirectional recurrent stack reading one token per "
                      "step, as the char LM, tagging and classification tasks have; this task's model is not one");
  }
};

}  // namespace rnnscope
