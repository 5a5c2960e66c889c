// Seq2seq batches in PyTorch's batch_first form and the two analyses on a seq2seq model opened
// from a published layout (model/seq2seq_pytorch_layouts.h): `rnnscope grad` and `rnnscope
// trace` (output names in docs/trace_format.md). Computed in double.
#pragma once

#include "io/safetensors.h"
#include "model/model_io.h"
#include "model/seq2seq.h"
#include "model/seq2seq_pytorch_layouts.h"

namespace rnnscope {

// `source_ids` [batch, S] in [0, V_s), `decoder_input_ids` [batch, T] in [0, V_t) (what is fed
// at each step: teacher forcing), `target_ids` [batch, T] in [0, V_t) or -100 (ignored; optional
// unless require_targets: absent = all ignored), `source_lengths` [batch] in [1, S] (optional,
// d2l's enc_valid_lens: the attention mask; absent = S). The tutorial layout has no mask, so
// lengths < S are refused for it. Converted to the time-major Seq2SeqBatch (index t*B + b).
// Throws InputError/ShapeError naming the file, tensor and [b, t] position.
Seq2SeqBatch LoadSeq2SeqBatch(const TensorFile& file, const Seq2SeqLayout& layout, bool require_targets);

// `loss` [] (the mean of -log softmax over non-ignored targets: NLLLoss(log_softmax), mean) and
// ∂loss/∂p for every parameter under the file's own name (layout.FileName).
TensorFile ComputeSeq2SeqGradients(const TensorFile& canonical, const Seq2SeqLayout& layout,
                                   const TensorFile& batch, FloatDtype dtype = FloatDtype::kF32);

// logits [B, T, V_t], attention [B, T, S], encoder_output [B, S, C], encoder_h_n [L, B, He],
// decoder_hidden [B, T, Hd] (top layer), h_n [L, B, Hd] (decoder), and loss [] when the batch
// has target_ids.
TensorFile ComputeSeq2SeqTrace(const TensorFile& canonical, const Seq2SeqLayout& layout,
                               const TensorFile& batch, FloatDtype dtype = FloatDtype::kF32);

}  // namespace rnnscope
