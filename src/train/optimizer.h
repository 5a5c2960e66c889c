// First-order optimizers with PyTorch's exact update rules (torch.optim 1.13, single-tensor
// path), so a run here and a run in PyTorch from the same weights and gradients agree to float
// rounding (tests/test_optimizer.cpp checks against goldens written by PyTorch).
//
//   sgd       p -= lr·(g + wd·p)
//   momentum  v = μ·v + (g + wd·p);  p -= lr·v                       (dampening 0, no Nesterov)
//   adagrad   s += g²;  p -= lr·g / (√s + 1e-10)                      (g includes wd·p)
//   adam      m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
//             p -= lr/(1-β1^t) · m / (√v/√(1-β2^t) + 1e-8)            (g includes wd·p: L2, not AdamW)
//
// The trainer thread alone owns an Optimizer (docs/architecture.md §2); nothing here is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "model/params.h"
#include "train/snapshot.h"

namespace rnnscope {

enum class OptimizerKind { kSgd, kMomentum, kAdagrad, kAdam };

// "sgd", "momentum", "adagrad", "adam" (TrainSettings::optimizer); throws ConfigError.
OptimizerKind ParseOptimizerKind(std::string_view name);
std::string_view OptimizerName(OptimizerKind kind);

inline constexpr float kAdagradEps = 1e-10f;  // torch.optim.Adagrad default
inline constexpr float kAdamEps = 1e-8f;      // torch.optim.Adam default

struct OptimizerSettings {
  OptimizerKind kind = OptimizerKind::kAdam;
  float learning_rate = 2e-3f;
  float momentum = 0.9f;  // μ for momentum SGD; β1 for Adam; unused otherwise
  float beta2 = 0.999f;   // Adam only
  float weight_decay = 0.0f;  // L2 added to the gradient, as torch.optim does for all four
  bool operator==(const OptimizerSettings&) const = default;
};

// The optimizer part of the UI's settings; throws ConfigError on an unknown name or a value
// out of range (lr ≤ 0, betas outside [0, 1), negative weight decay or momentum).
OptimizerSettings OptimizerSettingsFrom(const TrainSettings& settings);
void Validate(const OptimizerSettings& settings);

// Every parameter tensor paired with its gradient, in ModelParams::ForEach order. Binding walks
// ForEach (which builds name strings), so the trainer binds once per model (re)build and steps
// through the view allocation-free. Holds raw pointers: rebind after params or grads are
// reallocated (ModelParams::Allocate, a rebuild, a moved-from ModelParams).
class ParamRefs {
 public:
  struct Entry {
    std::string name;  // PyTorch state_dict name
    MatF* param;
    const MatF* grad;
    bool is_vector = false;  // a 1-D tensor in the state_dict (biases), as ForEach says
  };
  ParamRefs() = default;
  // Throws ShapeError naming the first tensor whose name or shape differs between the two.
  ParamRefs(ModelParams<float>& params, const ModelParams<float>& grads);
  // From entries already paired (BindParams); the same checks: every entry has a gradient of
  // its parameter's shape.
  explicit ParamRefs(std::vector<Entry> entries);

  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
};

// Binds any parameter set whose ForEach visits (name, tensor, is_vector) in a fixed order, such
// as Seq2SeqParams: parameter i is paired with gradient i, names must agree.
template <class Params>
ParamRefs BindParams(Params& params, const Params& grads) {
  std::vector<ParamRefs::Entry> entries;
  params.ForEach([&](const std::string& name, MatF& p, bool is_vector) { entries.push_back({name, &p, nullptr, is_vector}); });
  std::size_t i = 0;
  std::string extra;
  grads.ForEach([&](const std::string& name, const MatF& g, bool) {
    if (i < entries.size() && entries[i].name == name) entries[i].grad = &g;
    else if (extra.empty()) extra = name;
    ++i;
  });
  if (!extra.empty() || i != entries.size())
    throw ShapeError("optimizer: gradients do not pair with parameters" + (extra.empty() ? "" : " at " + extra));
  return ParamRefs(std::move(entries));
}

// Optimizer state as named tensors for checkpoints: "<param>.<buffer>" with PyTorch's buffer
// names (momentum_buffer, sum, exp_avg, exp_avg_sq), e.g. "fc.weight.exp_avg". SGD has none.
struct OptimizerState {
  OptimizerKind kind = OptimizerKind::kAdam;
  int64_t step = 0;  // steps taken since the state was created (Adam's bias-correction t)
  std::vector<std::pair<std::string, MatF>> tensors;
};

class Optimizer {
 public:
  explicit Optimizer(const OptimizerSettings& settings = {});

  // Takes effect at the next Step. Changing lr, momentum/β1, β2 or weight decay keeps the state
  // (as editing torch param_groups does); changing the kind drops it, so the new optimizer starts
  // fresh (zero buffers, t = 0) rather than misreading another optimizer's buffers.
  void SetSettings(const OptimizerSettings& settings);
  const OptimizerSettings& settings() const { return settings_; }

  // One update of every parameter from its gradient. State buffers are allocated on the first
  // step (or the first after Reset / a kind change); later steps do not allocate. Throws
  // ShapeError if the tensors no longer match the state's shapes (rebuild: call Reset first).
  void Step(const ParamRefs& refs);
  // Convenience for tests and one-off tools: binds (allocating names) and steps.
  void Step(ModelParams<float>& params, const ModelParams<float>& grads);

  void Reset();  // drops all state; the next step is step 1
  int64_t step_count() const { return step_; }

  // Rollback of one update (the training step's answer to a non-finite loss: the weights the
  // last update produced are what diverged). Step writes the new weights and buffers into
  // spare tensors and swaps them in (Eigen swaps the data pointers), so the state before the
  // update stays whole at no copy (and twice the optimizer's memory). With undo kept,
  // UndoLastStep swaps it back — weights, buffers and the step count — and returns false when
  // there is nothing to undo (no step since the last undo, Reset, ImportState or a kind change).
  // The tensors behind `refs` keep their identity; only their storage moves, so nothing may
  // hold a raw data pointer to a parameter across a step.
  void set_keep_undo(bool on);
  bool UndoLastStep(const ParamRefs& refs);

  OptimizerState ExportState() const;
  // Restores state saved by ExportState for the parameters in `refs`. Also sets the kind (the
  // other settings stay as they are). Throws ShapeError/InputError naming the tensor that is
  // missing, unexpected or the wrong shape; on error the optimizer is left unchanged.
  void ImportState(const OptimizerState& state, const ParamRefs& refs);

 private:
  int BufferCount() const;  // per parameter: 0 sgd, 1 momentum/adagrad, 2 adam
  void AllocateState(const ParamRefs& refs);

  OptimizerSettings settings_;
  int64_t step_ = 0;
  // buffers_[k][i]: buffer k of parameter i (momentum_buffer | sum | exp_avg, then exp_avg_sq).
  std::vector<std::vector<MatF>> buffers_;
  std::vector<std::string> names_;  // parameter names the buffers belong to
  bool allocated_ = false;
  // The spare tensors Step writes into; after it, the state before that Step (same layout as
  // the model's tensors and buffers_).
  bool keep_undo_ = false;
  bool undo_valid_ = false;
  int64_t undo_step_ = 0;
  std::vector<MatF> undo_params_;
  std::vector<std::vector<MatF>> undo_buffers_;
  void StepInto(const ParamRefs& refs);  // the update, out of place
};

}  // namespace rnnscope
