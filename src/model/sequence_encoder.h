// The reading half shared by the N→N tagger and the N→1 classifier: token embedding → stacked,
// optionally bidirectional recurrent layers over a batch of sequences of different lengths.
//
// Sequences are padded at the end. The forward direction never sees padding before a real
// token; the reverse direction runs over each sequence's real tokens reversed (the column
// permutation seq2seq's encoder uses, what pack_padded_sequence does in PyTorch), so no state at
// a real position depends on padding and a sequence scores the same alone or in any batch.
//
// Parameters live in a ModelParams<S> (embedding, rnn.*; the caller owns fc) so checkpoints,
// ParamRefs, the shared Optimizer and ClipGradients work on them unchanged.
// Shapes: B sequences, T padded length, E embed, H hidden, D directions, top output D*H.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/dropout.h"
#include "model/model_config.h"
#include "model/params.h"
#include "model/recurrent_layer.h"

namespace rnnscope {

// A batch of token sequences with one label per token (tagging) or per sequence
// (classification), time-major: index t*B + b.
struct SequenceBatch {
  int T = 0, B = 0;
  std::vector<int32_t> tokens;   // (T*B) token ids, pad id after each length
  std::vector<int> lengths;      // (B) each in [1, T]
  std::vector<int32_t> labels;   // (T*B) tag per token, -1 = padding; or (B) class per sequence
};

template <class S>
struct EncoderPass {
  int T = 0, B = 0;
  std::vector<int> perm;                 // (T*B) column map reversing each sequence's tokens
  Mat<S> embedded;                       // (E, T*B)
  std::vector<Mat<S>> input_rev;         // per layer: its input, columns permuted
  std::vector<LayerCache<S>> layers;     // layer * D + direction (reverse runs permuted)
  std::vector<Mat<S>> outputs;           // per layer: (D*H, T*B) in source order (after its
                                         // dropout mask: what the next layer or the readout read)
  const DropoutMasks<S>* dropout = nullptr;  // training only (model/dropout.h); null = none
  // Backward workspace.
  Mat<S> d_out, d_dir, d_in;
  std::vector<Mat<S>> d_x;               // per direction: (X, T*B)
  const Mat<S>& Top() const { return outputs.back(); }
  // Column of sequence b's own last real token (where the forward state is final).
  Eigen::Index LastCol(const SequenceBatch& batch, int b) const {
    return static_cast<Eigen::Index>(batch.lengths[static_cast<std::size_t>(b)] - 1) * B + b;
  }
};

// Checks the batch against the config (ids in [0, vocab), lengths in [1, T]); throws ShapeError.
void CheckSequenceBatch(const SequenceBatch& batch, int vocab);

// Runs every layer; pass.Top() is the top layer's output at every real position (padding
// columns hold whatever the forward direction computed there: callers must not read them).
// `dropout` (training only; must outlive the backward): the embedding mask, the masks between
// layers and the output mask on the top layer's output, which the caller's readout then reads.
template <class S>
void EncodeSequences(const ModelConfig& config, const ModelParams<S>& params, const SequenceBatch& batch,
                     EncoderPass<S>& pass, const DropoutMasks<S>* dropout = nullptr);

// d_top (D*H, T*B): ∂L/∂ top output (zero at padding). Accumulates into grads.embedding and
// grads.rnn. d_top is consumed (used as workspace).
template <class S>
void EncodeSequencesBackward(const ModelConfig& config, const ModelParams<S>& params, ModelParams<S>& grads,
                             const SequenceBatch& batch, Mat<S>& d_top, EncoderPass<S>& pass);

}  // namespace rnnscope
