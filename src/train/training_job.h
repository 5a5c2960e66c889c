// The one training skeleton every task's job derives from (docs/architecture.md §3). It owns,
// once for all tasks:
//   - the training step: settings → optimizer, zero gradients, the task's forward/backward,
//     clipping, the non-finite check with a rollback of the last update (weights, optimizer
//     buffers and step count, through Optimizer's undo: no copy per step), the update;
//   - the snapshot parts every model has: per-parameter norms, gradient norms with their
//     history, weight heatmaps; and the layer trace of one layer/direction of a B = 1 pass;
//   - the checkpoint envelope (train/checkpoint.h, metadata version 2): kind, task, step,
//     settings, optimizer, the data file's path and content hash, the task's "definition"
//     (model, task options, vocabularies: everything to rebuild it without the data), its
//     "state" (RNGs, batcher) and the loss "history"; time travel saves and restores through
//     the same bytes;
//   - the loss history (Job::LossHistory): every applied step's point, val losses as recorded.
// A task supplies its data, ForwardBackward on a batch, its probe (FillSnapshot) and metrics.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "core/ring_buffer.h"
#include "io/safetensors.h"
#include "model/recurrent_layer.h"
#include "train/job.h"
#include "train/lr_schedule.h"
#include "train/optimizer.h"

namespace rnnscope {

// Identity of a data file as a checkpoint records it: absolute path, size and FNV-1a 64 of the
// bytes (change detection, not security). Empty path = built-in data.
struct DataIdentity {
  std::string path;
  uint64_t bytes = 0;
  std::string fnv1a64;  // 16 hex digits
  nlohmann::json ToJson() const;
  static DataIdentity FromJson(const nlohmann::json& j);
  // Reads the file (throws InputError naming it when it cannot be read).
  static DataIdentity Of(const std::string& path);
  // Empty when `path` still holds the same bytes, or when nothing was recorded to compare with
  // (built-in data, a version-1 checkpoint without a hash); otherwise what changed, naming the file.
  std::string ChangedSince() const;
};

// Where a job restored from a checkpoint gets its data — one ladder for every task, tried in
// this order: the running donor's, when the donor is the same task on the same bytes (time
// travel never re-reads a corpus); the file, when it still holds the bytes the checkpoint
// recorded; else what the checkpoint itself saved (vocabularies, probe, validation examples),
// with `changed` naming what happened to the file. Each task builds its job from the rung.
template <class J>
struct DataRung {
  enum Kind { kDonor, kFile, kSaved } kind = kFile;
  const J* donor = nullptr;  // kDonor
  std::string changed;       // kSaved
};

class TrainingJob : public Job {
 public:
  int64_t StepCount() const final { return step_; }
  StepResult Step(const TrainSettings& settings) final;
  const BoundedHistory& LossHistory() const final { return history_; }
  void RecordValidation(int64_t step, float val_loss) final;
  float ScheduledLearningRate(const TrainSettings& settings) const final;
  const PlateauState& Plateau() const { return plateau_; }
  // Points the loss history keeps, and so at most what a checkpoint's "history" holds: about
  // 75 KB of JSON when full (36 bytes a point, measured). The window's plot is ~1000 px wide;
  // older steps are averaged.
  static constexpr std::size_t kLossHistoryCapacity = 2048;
  void Save(const std::string& path, const TrainSettings& settings) const final;
  std::vector<unsigned char> SaveToBytes(const TrainSettings& settings) const override;
  std::unique_ptr<Job> LoadFromBytes(std::span<const unsigned char> bytes, TrainSettings* settings_out) const final;
  // The checkpoint's tensors and metadata (what Save writes).
  TensorFile CheckpointFile(const TrainSettings& settings) const;

  // When false, Step skips the bookkeeping only the UI needs (per-parameter gradient-norm
  // histories); bench uses it to measure what recording costs.
  void set_record_internals(bool on) { record_internals_ = on; }
  const ParamRefs& refs() const { return refs_; }
  // The data file this job read (empty path: built-in data), as checkpoints record it.
  const DataIdentity& DataFile() const { return data_; }

 protected:
  // The checkpoint kind LoadJobFrom (job_factory.cpp) dispatches on: charlm | seq2seq | structure.
  explicit TrainingJob(std::string kind) : kind_(std::move(kind)) {}
  // Binds the model's tensors (ForEach order) for the optimizer, clipping, snapshots and
  // checkpoints; call once the model exists and whenever its tensors are reallocated.
  void Bind(ParamRefs refs);

  // ---- what a task supplies
  // Checks settings the task cannot run with (throws ConfigError) and adapts to them (the
  // char LM's batcher). Called before the gradients are zeroed.
  virtual void PrepareStep(const TrainSettings& /*settings*/) {}
  // Forward and backward on the next training batch; gradients are zero on entry. Returns the
  // mean loss and sets `tokens` (positions scored).
  virtual float ForwardBackward(const TrainSettings& settings, int64_t& tokens) = 0;
  // Which forward tensor made the loss non-finite (default "loss").
  virtual std::string NonFiniteForward() const { return "loss"; }
  virtual void OnStepApplied() {}   // after the update (the char LM carries its state on)
  virtual void OnStepRejected() {}  // after a rollback (the char LM drops its carried state)
  // Everything needed to rebuild the task and model without the data; and the training state
  // (RNGs, batcher) that continuing bit for bit needs. Extra tensors (carried state) go in
  // `file` under "state.*".
  virtual nlohmann::json Definition() const = 0;
  virtual nlohmann::json TrainingState(TensorFile& /*file*/) const { return nlohmann::json::object(); }

  // ---- what the skeleton gives
  void FillParameterStats(Snapshot& out) const;
  // One layer/direction of a B = 1 pass. order[t] = the cache step shown at display step t
  // (identity for a cache in source order, reversed for a direction run over permuted input);
  // the initial state is the cache's own (LayerCache::InitCol), whichever way it runs.
  static void TraceLayer(const LayerCache<float>& cache, CellKind cell, int layer, int direction,
                         const std::vector<int>& order, LayerTrace& out);
  static std::vector<int> Order(int T, bool reversed);
  // Hands each layer/direction cache (index layer * directions + direction) the interventions
  // that apply to it (training: only those marked for training). The models' Forward keeps the
  // caches' elements, so they hold for every forward through these caches.
  static void SetLayerInterventions(std::vector<LayerCache<float>>& caches, int layers, int directions,
                                    const std::vector<Intervention>& all, bool training);
  // Restores weights (by name and shape), optimizer state, step and loss history (empty when
  // the checkpoint has none) from a checkpoint. The data identity is the task's to set (it
  // read the file, or knows it could not).
  void RestoreTraining(const TensorFile& file, const nlohmann::json& meta, const TrainSettings& settings);
  std::string FirstNonFiniteGradient() const;

  int64_t step_ = 0;
  DataIdentity data_;  // set by the task when it reads a file
  // Set by a loader that opened a checkpoint without its data file (gone or changed): why.
  // Step then refuses with it; everything that does not train still works.
  std::string data_unavailable_;

 private:
  void RecordGradNorms();

  std::string kind_;
  Optimizer optimizer_;
  ParamRefs refs_;
  std::vector<MatF*> grad_list_;  // refs_' gradients, writable, for ClipGradients
  std::vector<RingBuffer<float>> grad_norm_history_;  // per parameter, refs_ order
  bool record_internals_ = true;
  BoundedHistory history_{kLossHistoryCapacity};
  // Reduce-on-plateau's memory, saved in checkpoints ("lr_plateau") so a resumed or rewound
  // run replays the same rates; and the settings of the last step (or the restore), whose
  // patience and factor RecordValidation applies.
  PlateauState plateau_;
  TrainSettings schedule_settings_;
};

// The rung for a checkpoint that recorded `recorded`: J is the task's job type, and
// same_task(donor) says whether the donor runs the same task definition (the data hash is
// compared here).
template <class J, class SameTask>
DataRung<J> ChooseDataRung(const Job* donor, const DataIdentity& recorded, SameTask&& same_task) {
  const auto* same = dynamic_cast<const J*>(donor);
  if (same && same->DataFile().fnv1a64 == recorded.fnv1a64 && same_task(*same))
    return {DataRung<J>::kDonor, same, {}};
  std::string changed = recorded.ChangedSince();
  if (changed.empty()) return {DataRung<J>::kFile, nullptr, {}};
  return {DataRung<J>::kSaved, nullptr, std::move(changed)};
}

// Called in a checkpoint loader's catch block: rethrows the error being handled when its message
// already names `path`, else an InputError "<path>: checkpoint metadata: <what>" (parsers and
// validators of configs do not know the file they read).
[[noreturn]] void RethrowNamingCheckpoint(const std::string& path, const std::exception& e);

// Rebuilds the job a checkpoint's kind names (job_factory.cpp), its metadata read as version 2
// (GetMetadata upgrades version 1). `donor` (may be null): a running job whose data the
// restored one may share when it is the same (time travel never re-reads a corpus).
std::unique_ptr<Job> LoadJobFrom(const TensorFile& file, const Job* donor, TrainSettings* settings_out);

}  // namespace rnnscope
