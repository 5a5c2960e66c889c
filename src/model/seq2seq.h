// N→M encoder–decoder with optional attention (Sutskever et al. 2014; Bahdanau et al. 2015;
// Luong et al. 2015).
//
// Encoder: source embedding → stacked (optionally bidirectional) recurrent layers, run whole-
// sequence with LayerForward/LayerBackward. Sequences in a batch may have different lengths
// (padding at the end): the reverse direction runs over each sequence's real tokens reversed
// (what pack_padded_sequence does in PyTorch), so padding never leaks into any state we use, and
// the "final state" of each direction is taken at the sequence's own last real position.
//
// Context: z = [final forward state ; final reverse state] of the top encoder layer (C = D*He).
//   init   the decoder's initial state comes from a learned bridge: h0 = tanh(W_bh z + b_bh),
//          and for an LSTM decoder c0 = W_bc z + b_bc (W_bh (L_d*Hd, C): one block of rows per
//          decoder layer). The bridge always exists in this mode, so uni/bidirectional encoders
//          and any He/Hd pair work the same way.
//   input  z is concatenated to the decoder input at every step (Cho et al. 2014).
//   both   both of the above.
//   copy   decoder layer l starts from encoder layer l's final state (h, and c for an LSTM), as
//          the published PyTorch models do ("decoder_hidden = encoder_hidden"); needs the same
//          cell, He == Hd, a unidirectional encoder and as many decoder as encoder layers.
//
// Decoder (L_d stacked layers, stepped with the cell.h functions), step i = 0..To-1:
//   q_i   = s_{i-1}                                  (query: the top layer's state before the step)
//   α_i, a_i = Attention(q_i, encoder outputs)        (skipped for attention none)
//   x_i   = [emb(y_{i-1}) ; a_i ; z]                  (a_i with attention, z in input/both mode;
//                                                     context_first: [a_i ; emb(y_{i-1}) ; z])
//   s_i^0 = Cell(x_i, s_{i-1}^0),  s_i^l = Cell(s_i^{l-1}, s_{i-1}^l),  s_i = s_i^{L_d-1}
//   o_i   = [s_i ; a_i]                               (just s_i without attention or with
//                                                     output_context = false)
//   logits = W_fc o_i + b_fc, or tied: E_dec (W_p o_i) + b_fc with W_p (E, |o|)
// y_{-1} = <sos>; with teacher forcing ratio r the next input is the target with probability r,
// else the argmax prediction (no gradient flows through the argmax). Loss = mean cross-entropy
// over target positions ≠ -1 (targets end with <eos>, then -1 padding).
//
// Conventions of the published PyTorch models, as options (model/seq2seq_pytorch_layouts.h):
//   PyTorch tutorial "Translation with a Sequence to Sequence Network and Attention"
//     (EncoderRNN + AttnDecoderRNN with BahdanauAttention): GRU, E = He = Hd = A, attention_bias,
//     context copy, input_gru = cat(embedded, context) (context after the embedding),
//     out = nn.Linear(hidden, vocab) on the GRU output only (output_context = false), encoder
//     over the padding (no packing, no attention mask: all lengths = Ts).
//   d2l "Bahdanau attention" (Seq2SeqEncoder + Seq2SeqAttentionDecoder): GRU, L_e = L_d layers,
//     AdditiveAttention without biases, context copy, x = cat(context, embedding)
//     (context_first), dense on the decoder output only, encoder over the padding (unpacked
//     nn.GRU) while the attention masks positions ≥ valid_len.
//
// encoder_over_padding: the encoder runs over all Ts positions of every sequence (what an
// unpacked nn.GRU does) and the final state is the one after position Ts-1; the attention mask
// still uses the source lengths. Default false: each sequence stops at its own length (packed).
//
// Shapes: B batch columns, Ts source steps, To target steps, E embed, He/Hd hidden sizes,
// C = D*He encoder output width, V_s/V_t vocabularies.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/rng.h"
#include "core/tensor.h"
#include "model/attention.h"
#include "model/cell_kind.h"
#include "model/params.h"
#include "model/recurrent_layer.h"

namespace rnnscope {

enum class ContextMode { kInit, kInput, kBoth, kCopy };
ContextMode ParseContextMode(const std::string& name);  // "init", "input", "both", "copy"
std::string ContextModeName(ContextMode mode);

struct Seq2SeqConfig {
  CellKind encoder_cell = CellKind::kGru;
  CellKind decoder_cell = CellKind::kGru;
  int source_vocab = 0;
  int target_vocab = 0;
  int embed = 32;           // E, source and target embeddings
  int encoder_hidden = 64;  // He
  int decoder_hidden = 64;  // Hd
  int encoder_layers = 1;
  int decoder_layers = 1;   // L_d
  bool bidirectional = false;
  AttentionKind attention = AttentionKind::kAdditive;
  int attention_size = 64;  // A, additive only
  ContextMode context = ContextMode::kInit;
  bool tie_embeddings = false;  // decoder embedding = output weights (through W_p)
  bool attention_bias = false;  // additive: b_W, b_U, b_v (see model/attention.h)
  bool output_context = true;   // o_i = [s_i ; a_i]; false: o_i = s_i even with attention
  bool context_first = false;   // x_i = [a_i ; emb ; z] instead of [emb ; a_i ; z]
  bool encoder_over_padding = false;  // see above
  // The attention ignores source positions ≥ each sequence's length (padding). false: it
  // attends to every position, padding included, as the tutorial's BahdanauAttention does.
  bool mask_source = true;
  // Special target-vocabulary ids (the tasks put <pad>=0, <sos>=1, <eos>=2 in both vocabularies).
  int pad_id = 0, sos_id = 1, eos_id = 2;

  int Directions() const { return bidirectional ? 2 : 1; }
  int EncoderOutput() const { return Directions() * encoder_hidden; }  // C
  bool HasAttention() const { return attention != AttentionKind::kNone; }
  int DecoderInput() const;   // E (+ C with attention) (+ C in input/both mode)
  // Rows of x_i: where emb(y_{i-1}) and a_i start (z, when fed, is always the last C rows).
  int EmbedRow() const { return context_first && HasAttention() ? EncoderOutput() : 0; }
  int AttentionRow() const { return context_first ? 0 : embed; }
  int OutputFeatures() const;  // Hd (+ C with attention and output_context)
  bool OutputsContext() const { return HasAttention() && output_context; }
  bool UsesBridge() const { return context == ContextMode::kInit || context == ContextMode::kBoth; }
  bool FeedsContext() const { return context == ContextMode::kInput || context == ContextMode::kBoth; }
  bool CopiesState() const { return context == ContextMode::kCopy; }
  void Validate() const;  // throws ConfigError
  // The decoder as a ModelConfig (what Job::Model() reports for display).
  ModelConfig DecoderAsModelConfig() const;
  // The encoder as a ModelConfig (cell, sizes, layers, directions over the source vocabulary).
  ModelConfig EncoderAsModelConfig() const;
};

nlohmann::json ToJson(const Seq2SeqConfig& config);
Seq2SeqConfig Seq2SeqConfigFromJson(const nlohmann::json& j);

template <class S>
struct Seq2SeqParams {
  Mat<S> source_embedding;                 // (V_s, E)  encoder.embedding.weight
  std::vector<LayerParams<S>> encoder;     // layer * D + direction: encoder.rnn.*_l{k}[_reverse]
  Mat<S> bridge_h_w, bridge_h_b;           // (L_d*Hd, C), (L_d*Hd, 1)  bridge.h.weight/bias (init/both)
  Mat<S> bridge_c_w, bridge_c_b;           // (L_d*Hd, C), (L_d*Hd, 1)  bridge.c.* (LSTM decoder only)
  AttentionParams<S> attention;            // attention.{query,key,v,general}.weight, {query,key,v}.bias
  Mat<S> target_embedding;                 // (V_t, E)  decoder.embedding.weight
  std::vector<LayerParams<S>> decoder;     // per layer: decoder.rnn.*_l{k}
  Mat<S> out_proj;                         // (E, |o|)  decoder.out_proj.weight (tied only)
  Mat<S> fc_w;                             // (V_t, |o|) decoder.fc.weight (untied only)
  Mat<S> fc_b;                             // (V_t, 1)  decoder.fc.bias
  int directions = 1;

  void Allocate(const Seq2SeqConfig& config);
  // U(-1/√fan, 1/√fan) for recurrent and linear weights (PyTorch's defaults), N(0, 1) embeddings.
  void InitRandom(const Seq2SeqConfig& config, uint64_t seed);
  void SetZero();
  void ForEach(const std::function<void(const std::string&, Mat<S>&, bool is_vector)>& fn);
  void ForEach(const std::function<void(const std::string&, const Mat<S>&, bool is_vector)>& fn) const;
  std::size_t ParameterCount() const;
};

// Interventions a pass applies (model/intervention.h), kept across forwards like
// LayerCache::interventions: unit clamps/gate pins of the encoder layers (index l*D + d; missing
// entries = none) and attention row overrides of the decoder. The decoder's own units are
// stepped here, not by RecurrentLayer, and take no clamps.
struct Seq2SeqInterventions {
  std::vector<std::vector<UnitIntervention>> encoder;
  std::vector<AttentionRowOverride> attention;
};

// A batch, time-major: index t*B + b. Source padded with pad_id after each length; targets are
// y_1..y_n <eos> then -1.
struct Seq2SeqBatch {
  int Ts = 0, To = 0, B = 0;
  std::vector<int32_t> source;  // (Ts*B)
  std::vector<int> source_length;  // (B), each in [1, Ts]
  std::vector<int32_t> target;  // (To*B)
  // Optional (To*B): the token fed at each step, used instead of <sos> + the previous target
  // (the published PyTorch models take decoder inputs and targets as two tensors). Empty: the
  // default teacher-forcing path.
  std::vector<int32_t> decoder_input;
};

template <class S>
struct Seq2SeqPass {
  int Ts = 0, To = 0, B = 0;
  Seq2SeqInterventions interventions;      // set by the caller, applied by every forward
  // Encoder.
  std::vector<int> perm;                   // (Ts*B) column map reversing each sequence's tokens
  Mat<S> embedded;                         // (E, Ts*B)
  std::vector<Mat<S>> layer_input_rev;     // per layer: its input with columns permuted
  std::vector<LayerCache<S>> encoder;      // layer * D + direction (reverse runs in permuted order)
  std::vector<Mat<S>> encoder_out;         // per layer: (C, Ts*B) in source order
  Mat<S> z;                                // (C, B) final-state summary
  Mat<S> h0, c0;                           // (L_d*Hd, B) decoder initial state (bridge)
  // Decoder.
  AttentionCache<S> attention;
  std::vector<int32_t> dec_tokens;         // (To*B) y_{i-1} fed at each step
  Mat<S> dec_x;                            // (X_d, To*B) decoder inputs
  std::vector<int> encoder_lengths;        // (B) steps the encoder runs per sequence
  std::vector<LayerCache<S>> decoder;      // per layer: gates (G*Hd, To*B), h/c (Hd, (To+1)*B)
  Mat<S> context;                          // (C, To*B) attention contexts a_i
  Mat<S> features;                         // (|o|, To*B) o_i
  Mat<S> projected;                        // (E, To*B) W_p o_i (tied only)
  Mat<S> logits, probs;                    // (V_t, To*B)
  std::vector<int32_t> predicted;          // (To*B) argmax per step
  S loss = 0;
  int counted = 0;
  // Backward workspace.
  Mat<S> d_logits, d_features, d_projected, d_x, d_context_step, dq, dh, d_enc, d_dir, d_in, d_tmp,
      d_below;
  std::vector<Mat<S>> d_layer_in;
};

// One beam-search hypothesis.
struct BeamHypothesis {
  std::vector<int32_t> tokens;  // without <sos>; ends with <eos> when finished
  float score = 0.0f;           // sum of log-probabilities
  MatF attention;               // (steps, Ts) weights per decoded token (empty without attention)
};

template <class S>
class Seq2SeqModel {
 public:
  Seq2SeqModel() = default;
  Seq2SeqModel(const Seq2SeqConfig& config, uint64_t seed);

  const Seq2SeqConfig& config() const { return config_; }
  Seq2SeqParams<S> params;
  Seq2SeqParams<S> grads;  // Backward accumulates (+=)

  // Mean cross-entropy. teacher_forcing in [0, 1]; rng is used only when it is < 1 (may be
  // null then, meaning 1). Fills pass.predicted (argmax per step).
  S Forward(const Seq2SeqBatch& batch, float teacher_forcing, Rng* rng, Seq2SeqPass<S>& pass) const;
  void Backward(const Seq2SeqBatch& batch, Seq2SeqPass<S>& pass);

  // Greedy decoding of a batch (targets ignored) for up to max_len steps. out[b] = tokens up to
  // and including <eos> (if produced). attention[b] (steps, Ts_b) when non-null.
  void Greedy(const Seq2SeqBatch& batch, int max_len, Seq2SeqPass<S>& pass,
              std::vector<std::vector<int32_t>>& out, std::vector<MatF>* attention) const;
  // Beam search of one source sequence; returns the beam sorted by score (best first).
  // `interventions` (may be null) as in Seq2SeqPass; an attention override of step i applies
  // to every beam's i-th token. `prefix` (Seq2Seq-Vis's "what if"): the first output tokens are
  // forced, one live hypothesis scoring their log-probabilities, and the search continues from
  // there; every returned hypothesis starts with it verbatim (max_len counts it).
  std::vector<BeamHypothesis> Beam(const std::vector<int32_t>& source, int width, int max_len,
                                   const Seq2SeqInterventions* interventions = nullptr,
                                   const std::vector<int32_t>& prefix = {}) const;

 private:
  void Encode(const Seq2SeqBatch& batch, Seq2SeqPass<S>& pass) const;
  void EncodeBackward(const Seq2SeqBatch& batch, Seq2SeqPass<S>& pass);
  // Decoder steps i with the input tokens already in pass.dec_tokens cols i*B..
  void DecodeStep(int i, Seq2SeqPass<S>& pass) const;
  Seq2SeqConfig config_;
};

extern template class Seq2SeqModel<float>;
extern template class Seq2SeqModel<double>;
extern template struct Seq2SeqParams<float>;
extern template struct Seq2SeqParams<double>;

}  // namespace rnnscope
