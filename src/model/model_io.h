// Models and token batches in PyTorch's safetensors form, and the two analyses built on them
// (`rnnscope grad`, `rnnscope trace`; output names in docs/trace_format.md).
//
// A weights file is the state_dict of a module with attributes `embedding` (nn.Embedding,
// optional: absent = one-hot input), `rnn` (nn.RNN/GRU/LSTM, batch_first=True) and `fc`
// (nn.Linear on every timestep's output) — exactly ModelParams' names (model/params.h). Beyond
// PyTorch, rnnscope's own peephole LSTM (`rnn.weight_peep_l{k}`) and Jordan cells
// (`rnn.weight_hy_l{k}`, `rnn.bias_hy_l{k}`) load too.
//
// Contents: FloatDtype · InferModelConfig · Load/SaveModelParams · LoadTokenBatch ·
//           ComputeGradients · ComputeTrace
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "io/safetensors.h"
#include "model/model_config.h"
#include "model/params.h"
#include "model/structure_config.h"
#include "model/token_batch.h"

namespace rnnscope {

// Precision of tensors we write. Computation is always double; F32 is what PyTorch users load.
enum class FloatDtype { kF32, kF64 };
FloatDtype ParseFloatDtype(std::string_view name);  // "f32" | "f64"; throws ConfigError

// Vocabulary, embedding width, hidden size, layers and directions from the names and shapes in
// `file` (tensors whose names start with `prefix`, which is stripped). Throws ShapeError when
// the shapes do not fit `cell` (e.g. weight_ih rows not gates·H, inconsistent hidden sizes) and
// InputError for missing or unexpected tensors; messages start with the file name and say what
// was expected.
ModelConfig InferModelConfig(const TensorFile& file, CellKind cell, const std::string& prefix = "");

// Fills `params` (allocated for `config`) from `file`: every tensor must be present, shaped as
// PyTorch shapes it, of a float dtype and finite; no other tensor under `prefix` may exist.
template <class S>
void LoadModelParams(const TensorFile& file, const ModelConfig& config, ModelParams<S>& params,
                     const std::string& prefix = "");
// Adds every tensor of `params` under prefix + its PyTorch name.
template <class S>
void SaveModelParams(const ModelParams<S>& params, TensorFile& file,
                     FloatDtype dtype = FloatDtype::kF32, const std::string& prefix = "");

// `input_ids` and (optional unless require_targets) `target_ids`: integer tensors shaped
// [batch, time] as PyTorch's batch_first; converted to the time-major TokenBatch (index
// t*B + b). Target -100 (PyTorch's ignore_index) becomes -1 (ignored). Input ids outside
// [0, vocab) and target ids outside [0, classes) (classes <= 0: = vocab) throw InputError naming the file, tensor and [b, t] position. Without targets
// every target is -1. A classifier batch has `label` [batch] instead of target_ids: the class
// of each sequence, the target of its last timestep (readout = last output; others ignored).
TokenBatch LoadTokenBatch(const TensorFile& file, int vocab, bool require_targets, int classes = 0);
// A batch with `label` and no `target_ids`: N→1 classification.
bool IsClassifierBatch(const TensorFile& batch);

// Writers of the grad/trace outputs (shared with model/seq2seq_io.h): `values` row-major under
// `shape`, stored as `dtype`; PutBatchFirst writes m (F, T*B), column t*B + b, as [B, T, F].
void PutTensor(TensorFile& file, const std::string& name, std::vector<int64_t> shape,
               const std::vector<double>& values, FloatDtype dtype);
void PutBatchFirst(TensorFile& file, const std::string& name, const Eigen::Ref<const MatD>& m,
                   int T, int B, FloatDtype dtype);

// `rnnscope grad`: `loss` (shape [], the mean cross-entropy over non-ignored positions of
// fc(rnn(embed(input_ids))) against target_ids) and ∂loss/∂p for every parameter p under p's
// own name. Computed in double.
// A classifier batch is read out by `readout`: kLast = fc(output[:, -1]) (the per-step model,
// only the last step counted), kMean = fc(output.mean(dim=1)) (model/classifier.h's mean
// readout; a classifier batch and an embedding are required, else InputError).
TensorFile ComputeGradients(const TensorFile& weights, const TensorFile& batch, CellKind cell,
                            FloatDtype dtype = FloatDtype::kF32, Readout readout = Readout::kLast);

// `rnnscope trace`: logits, output, h_n (c_n), per-timestep gates and states, and — when the
// batch has target_ids — loss and the per-timestep gradient norms. Names and shapes:
// docs/trace_format.md. Computed in double. A classifier batch gets `logits` [B, K], the
// readout's (as ComputeGradients); with kMean no gradient norms (they follow the last step).
TensorFile ComputeTrace(const TensorFile& weights, const TensorFile& batch, CellKind cell,
                        FloatDtype dtype = FloatDtype::kF32, Readout readout = Readout::kLast);

extern template void LoadModelParams<float>(const TensorFile&, const ModelConfig&,
                                            ModelParams<float>&, const std::string&);
extern template void LoadModelParams<double>(const TensorFile&, const ModelConfig&,
                                             ModelParams<double>&, const std::string&);
extern template void SaveModelParams<float>(const ModelParams<float>&, TensorFile&, FloatDtype,
                                            const std::string&);
extern template void SaveModelParams<double>(const ModelParams<double>&, TensorFile&, FloatDtype,
                                             const std::string&);

}  // namespace rnnscope
