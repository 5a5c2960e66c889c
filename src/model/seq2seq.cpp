// Contents: config · params · encoder forward/backward · decoder step · forward · backward ·
// greedy and beam decoding. See seq2seq.h for the math.
#include "model/seq2seq.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/cell.h"
#include "model/rnn_model.h"
#include "model/softmax_loss.h"

namespace rnnscope {

// ---------------------------------------------------------------------------------- config

ContextMode ParseContextMode(const std::string& name) {
  if (name == "init") return ContextMode::kInit;
  if (name == "input") return ContextMode::kInput;
  if (name == "both") return ContextMode::kBoth;
  if (name == "copy") return ContextMode::kCopy;
  throw ConfigError("context: unknown mode '" + name + "' (expected init, input, both or copy)");
}

std::string ContextModeName(ContextMode mode) {
  switch (mode) {
    case ContextMode::kInit: return "init";
    case ContextMode::kInput: return "input";
    case ContextMode::kBoth: return "both";
    case ContextMode::kCopy: return "copy";
  }
  return "init";
}

int Seq2SeqConfig::DecoderInput() const {
  int x = embed;
  if (HasAttention()) x += EncoderOutput();
  if (FeedsContext()) x += EncoderOutput();
  return x;
}

int Seq2SeqConfig::OutputFeatures() const {
  return decoder_hidden + (OutputsContext() ? EncoderOutput() : 0);
}

void Seq2SeqConfig::Validate() const {
  auto range = [](const char* name, int v, int lo, int hi) {
    if (v < lo || v > hi)
      throw ConfigError(std::string(name) + " = " + std::to_string(v) + " outside [" +
                        std::to_string(lo) + ", " + std::to_string(hi) + "]");
  };
  range("source_vocab", source_vocab, 4, kMaxVocab);
  range("target_vocab", target_vocab, 4, kMaxVocab);
  range("embed", embed, 1, kMaxEmbed);
  range("encoder_hidden", encoder_hidden, 1, kMaxHidden);
  range("decoder_hidden", decoder_hidden, 1, kMaxHidden);
  range("encoder_layers", encoder_layers, 1, kMaxLayers);
  range("decoder_layers", decoder_layers, 1, kMaxLayers);
  range("attention_size", attention_size, 1, kMaxHidden);
  for (int id : {pad_id, sos_id, eos_id}) range("special token id", id, 0, target_vocab - 1);
  if (attention == AttentionKind::kDot && decoder_hidden != EncoderOutput())
    throw ConfigError("attention dot: decoder_hidden (" + std::to_string(decoder_hidden) +
                      ") must equal the encoder output size D*encoder_hidden (" +
                      std::to_string(EncoderOutput()) + ")");
  if (attention_bias && attention != AttentionKind::kAdditive)
    throw ConfigError("attention_bias: only additive attention has biases (attention is " +
                      std::string(AttentionName(attention)) + ")");
  if (CopiesState()) {
    // The decoder continues the encoder's recurrence layer by layer, so the states must fit.
    auto need = [](bool ok, const std::string& what) {
      if (!ok) throw ConfigError("context copy (decoder starts from the encoder's final state): " + what);
    };
    need(!bidirectional, "needs a unidirectional encoder (a bidirectional one has two final states per layer)");
    need(encoder_hidden == decoder_hidden, "needs encoder_hidden == decoder_hidden (" +
                                               std::to_string(encoder_hidden) + " vs " +
                                               std::to_string(decoder_hidden) + ")");
    need(encoder_layers == decoder_layers, "needs encoder_layers == decoder_layers (" +
                                               std::to_string(encoder_layers) + " vs " +
                                               std::to_string(decoder_layers) + ")");
    need(encoder_cell == decoder_cell, "needs the same encoder and decoder cell (" +
                                           std::string(CellName(encoder_cell)) + " vs " +
                                           std::string(CellName(decoder_cell)) + ")");
  }
}

ModelConfig Seq2SeqConfig::DecoderAsModelConfig() const {
  ModelConfig m;
  m.cell = decoder_cell;
  m.vocab = target_vocab;
  m.embed = embed;
  m.hidden = decoder_hidden;
  m.layers = decoder_layers;
  return m;
}

ModelConfig Seq2SeqConfig::EncoderAsModelConfig() const {
  ModelConfig m;
  m.cell = encoder_cell;
  m.vocab = source_vocab;
  m.embed = embed;
  m.hidden = encoder_hidden;
  m.layers = encoder_layers;
  m.bidirectional = bidirectional;
  return m;
}

nlohmann::json ToJson(const Seq2SeqConfig& c) {
  return {{"encoder_cell", std::string(CellName(c.encoder_cell))},
          {"decoder_cell", std::string(CellName(c.decoder_cell))},
          {"source_vocab", c.source_vocab},
          {"target_vocab", c.target_vocab},
          {"embed", c.embed},
          {"encoder_hidden", c.encoder_hidden},
          {"decoder_hidden", c.decoder_hidden},
          {"encoder_layers", c.encoder_layers},
          {"bidirectional", c.bidirectional},
          {"attention", std::string(AttentionName(c.attention))},
          {"attention_size", c.attention_size},
          {"context", ContextModeName(c.context)},
          {"tie_embeddings", c.tie_embeddings},
          {"decoder_layers", c.decoder_layers},
          {"attention_bias", c.attention_bias},
          {"output_context", c.output_context},
          {"context_first", c.context_first},
          {"encoder_over_padding", c.encoder_over_padding},
          {"mask_source", c.mask_source},
          {"pad_id", c.pad_id},
          {"sos_id", c.sos_id},
          {"eos_id", c.eos_id}};
}

Seq2SeqConfig Seq2SeqConfigFromJson(const nlohmann::json& j) {
  Seq2SeqConfig c;
  try {
    c.encoder_cell = ParseCellKind(j.at("encoder_cell").get<std::string>());
    c.decoder_cell = ParseCellKind(j.at("decoder_cell").get<std::string>());
    c.source_vocab = j.at("source_vocab").get<int>();
    c.target_vocab = j.at("target_vocab").get<int>();
    c.embed = j.at("embed").get<int>();
    c.encoder_hidden = j.at("encoder_hidden").get<int>();
    c.decoder_hidden = j.at("decoder_hidden").get<int>();
    c.encoder_layers = j.at("encoder_layers").get<int>();
    c.bidirectional = j.at("bidirectional").get<bool>();
    c.attention = ParseAttentionKind(j.at("attention").get<std::string>());
    c.attention_size = j.at("attention_size").get<int>();
    c.context = ParseContextMode(j.at("context").get<std::string>());
    c.tie_embeddings = j.at("tie_embeddings").get<bool>();
    c.pad_id = j.at("pad_id").get<int>();
    c.sos_id = j.at("sos_id").get<int>();
    c.eos_id = j.at("eos_id").get<int>();
    // Later options: files written before them load with the defaults (the old model).
    c.decoder_layers = j.value("decoder_layers", 1);
    c.attention_bias = j.value("attention_bias", false);
    c.output_context = j.value("output_context", true);
    c.context_first = j.value("context_first", false);
    c.encoder_over_padding = j.value("encoder_over_padding", false);
    c.mask_source = j.value("mask_source", true);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("seq2seq config: ") + e.what());
  }
  c.Validate();
  return c;
}

// ---------------------------------------------------------------------------------- params

namespace {

template <class S>
void AllocateLayer(LayerParams<S>& p, CellKind cell, int X, int H) {
  const int G = GateCount(cell);
  p.w_ih.setZero(G * H, X);
  p.w_hh.setZero(G * H, H);
  p.b_ih.setZero(G * H, 1);
  p.b_hh.setZero(G * H, 1);
  p.w_peep.resize(0, 0);
  if (cell == CellKind::kJordan) {
    p.w_hy.setZero(H, H);
    p.b_hy.setZero(H, 1);
  } else {
    p.w_hy.resize(0, 0);
    p.b_hy.resize(0, 0);
  }
}

template <class S>
void ForEachLayer(const std::string& prefix, LayerParams<S>& p, int layer, int dir,
                  const std::function<void(const std::string&, Mat<S>&, bool)>& fn) {
  fn(prefix + LayerParamName("weight_ih", layer, dir), p.w_ih, false);
  fn(prefix + LayerParamName("weight_hh", layer, dir), p.w_hh, false);
  fn(prefix + LayerParamName("bias_ih", layer, dir), p.b_ih, true);
  fn(prefix + LayerParamName("bias_hh", layer, dir), p.b_hh, true);
  if (p.w_hy.size() > 0) {
    fn(prefix + LayerParamName("weight_hy", layer, dir), p.w_hy, false);
    fn(prefix + LayerParamName("bias_hy", layer, dir), p.b_hy, true);
  }
}

}  // namespace

template <class S>
void Seq2SeqParams<S>::Allocate(const Seq2SeqConfig& c) {
  const int C = c.EncoderOutput(), Hd = c.decoder_hidden, D = c.Directions();
  directions = D;
  source_embedding.setZero(c.source_vocab, c.embed);
  encoder.assign(static_cast<std::size_t>(c.encoder_layers * D), {});
  for (int l = 0; l < c.encoder_layers; ++l)
    for (int d = 0; d < D; ++d)
      AllocateLayer(encoder[static_cast<std::size_t>(l * D + d)], c.encoder_cell,
                    l == 0 ? c.embed : C, c.encoder_hidden);
  const int LHd = c.decoder_layers * Hd;
  bridge_h_w.resize(0, 0), bridge_h_b.resize(0, 0), bridge_c_w.resize(0, 0), bridge_c_b.resize(0, 0);
  if (c.UsesBridge()) {
    bridge_h_w.setZero(LHd, C);
    bridge_h_b.setZero(LHd, 1);
    if (c.decoder_cell == CellKind::kLstm) {
      bridge_c_w.setZero(LHd, C);
      bridge_c_b.setZero(LHd, 1);
    }
  }
  attention.Allocate(c.attention, Hd, C, c.attention_size, c.attention_bias);
  target_embedding.setZero(c.target_vocab, c.embed);
  decoder.assign(static_cast<std::size_t>(c.decoder_layers), {});
  for (int l = 0; l < c.decoder_layers; ++l)
    AllocateLayer(decoder[static_cast<std::size_t>(l)], c.decoder_cell, l == 0 ? c.DecoderInput() : Hd, Hd);
  out_proj.resize(0, 0);
  fc_w.resize(0, 0);
  if (c.tie_embeddings) out_proj.setZero(c.embed, c.OutputFeatures());
  else fc_w.setZero(c.target_vocab, c.OutputFeatures());
  fc_b.setZero(c.target_vocab, 1);
}

template <class S>
void Seq2SeqParams<S>::InitRandom(const Seq2SeqConfig& c, uint64_t seed) {
  Allocate(c);
  Rng rng(seed);
  ForEach([&](const std::string& name, Mat<S>& m, bool) {
    if (name.find("embedding") != std::string::npos) {
      for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<S>(rng.Normal());
      return;
    }
    // Recurrent weights: 1/√H as PyTorch; linear layers: 1/√fan_in (biases share their
    // weight's fan_in, which for an (n, 1) bias we recover from the layer it belongs to).
    double fan = static_cast<double>(m.cols());
    if (name.find(".rnn.") != std::string::npos)
      fan = name.rfind("decoder", 0) == 0 ? c.decoder_hidden : c.encoder_hidden;
    else if (name.rfind("attention.", 0) == 0 && name.find("bias") != std::string::npos)
      fan = name.rfind("attention.v", 0) == 0 ? c.attention_size
            : name.rfind("attention.query", 0) == 0 ? c.decoder_hidden : c.EncoderOutput();
    else if (name.find("bias") != std::string::npos)
      fan = name.rfind("bridge", 0) == 0 ? c.EncoderOutput() : c.OutputFeatures();
    const double bound = 1.0 / std::sqrt(std::max(1.0, fan));
    for (Eigen::Index i = 0; i < m.size(); ++i)
      m.data()[i] = static_cast<S>(rng.Uniform(-bound, bound));
  });
}

template <class S>
void Seq2SeqParams<S>::SetZero() {
  ForEach([](const std::string&, Mat<S>& m, bool) { m.setZero(); });
}

template <class S>
void Seq2SeqParams<S>::ForEach(const std::function<void(const std::string&, Mat<S>&, bool)>& fn) {
  fn("encoder.embedding.weight", source_embedding, false);
  for (std::size_t i = 0; i < encoder.size(); ++i)
    ForEachLayer<S>("encoder.", encoder[i], static_cast<int>(i) / directions,
                    static_cast<int>(i) % directions, fn);
  if (bridge_h_w.size() > 0) {
    fn("bridge.h.weight", bridge_h_w, false);
    fn("bridge.h.bias", bridge_h_b, true);
  }
  if (bridge_c_w.size() > 0) {
    fn("bridge.c.weight", bridge_c_w, false);
    fn("bridge.c.bias", bridge_c_b, true);
  }
  if (attention.w_query.size() > 0) {
    fn("attention.query.weight", attention.w_query, false);
    fn("attention.key.weight", attention.w_key, false);
    fn("attention.v.weight", attention.v, false);
  }
  if (attention.b_query.size() > 0) {
    fn("attention.query.bias", attention.b_query, true);
    fn("attention.key.bias", attention.b_key, true);
    fn("attention.v.bias", attention.b_v, true);
  }
  if (attention.w_general.size() > 0) fn("attention.general.weight", attention.w_general, false);
  fn("decoder.embedding.weight", target_embedding, false);
  for (std::size_t l = 0; l < decoder.size(); ++l)
    ForEachLayer<S>("decoder.", decoder[l], static_cast<int>(l), 0, fn);
  if (out_proj.size() > 0) fn("decoder.out_proj.weight", out_proj, false);
  if (fc_w.size() > 0) fn("decoder.fc.weight", fc_w, false);
  fn("decoder.fc.bias", fc_b, true);
}

template <class S>
void Seq2SeqParams<S>::ForEach(
    const std::function<void(const std::string&, const Mat<S>&, bool)>& fn) const {
  const_cast<Seq2SeqParams<S>*>(this)->ForEach(
      [&](const std::string& name, Mat<S>& m, bool v) { fn(name, m, v); });
}

template <class S>
std::size_t Seq2SeqParams<S>::ParameterCount() const {
  std::size_t n = 0;
  ForEach([&](const std::string&, const Mat<S>& m, bool) { n += static_cast<std::size_t>(m.size()); });
  return n;
}

// ---------------------------------------------------------------------------------- helpers

namespace {

// Calls fn with a value of the cell type for `kind`, so one templated body serves all cells.
template <class S, class Fn>
void WithCell(CellKind kind, Fn&& fn) {
  switch (kind) {
    case CellKind::kLstm: fn(LstmCell<S>{}); break;
    case CellKind::kGru: fn(GruCell<S>{}); break;
    case CellKind::kRnnTanh: fn(ElmanCell<S, false>{}); break;
    case CellKind::kRnnRelu: fn(ElmanCell<S, true>{}); break;
    case CellKind::kJordan: fn(JordanCell<S>{}); break;
  }
}

// Sizes a decoder LayerCache for `steps` steps (the same layout RecurrentLayer uses, so the
// snapshot code reads encoder and decoder traces alike). Resize is a no-op at steady state.
template <class S>
void SizeDecoderCache(CellKind kind, int G, int H, int steps, int B, LayerCache<S>& k) {
  const Eigen::Index SB = static_cast<Eigen::Index>(steps) * B;
  k.T = steps;
  k.B = B;
  k.reverse = false;
  k.gates.resize(G * H, SB);
  k.h.resize(H, SB + B);
  if (kind == CellKind::kLstm) k.c.resize(H, SB + B);
  else k.c.resize(0, 0);
  if (kind == CellKind::kGru) k.aux.resize(H, SB);
  else k.aux.resize(0, 0);
}

// Column permutation reversing each sequence's first length_b steps (padding stays in place).
// An involution: applying it twice is the identity.
void ReversePerm(int T, int B, const std::vector<int>& lengths, std::vector<int>& perm) {
  perm.resize(static_cast<std::size_t>(T) * static_cast<std::size_t>(B));
  for (int b = 0; b < B; ++b) {
    const int len = lengths[static_cast<std::size_t>(b)];
    for (int t = 0; t < T; ++t)
      perm[static_cast<std::size_t>(t * B + b)] = (t < len ? len - 1 - t : t) * B + b;
  }
}

template <class S>
void PermuteCols(const Mat<S>& in, const std::vector<int>& perm, Mat<S>& out) {
  out.resize(in.rows(), in.cols());
  for (Eigen::Index j = 0; j < in.cols(); ++j) out.col(j) = in.col(perm[static_cast<std::size_t>(j)]);
}

}  // namespace

// ---------------------------------------------------------------------------------- encoder

template <class S>
Seq2SeqModel<S>::Seq2SeqModel(const Seq2SeqConfig& config, uint64_t seed) : config_(config) {
  config_.Validate();
  params.InitRandom(config_, seed);
  grads.Allocate(config_);
}

template <class S>
void Seq2SeqModel<S>::Encode(const Seq2SeqBatch& batch, Seq2SeqPass<S>& pass) const {
  const Seq2SeqConfig& c = config_;
  const int Ts = batch.Ts, B = batch.B, D = c.Directions(), He = c.encoder_hidden;
  const Eigen::Index TsB = static_cast<Eigen::Index>(Ts) * B;
  if (Ts <= 0 || B <= 0 || batch.source.size() != static_cast<std::size_t>(TsB) ||
      batch.source_length.size() != static_cast<std::size_t>(B))
    throw ShapeError("seq2seq batch: " + std::to_string(batch.source.size()) +
                     " source tokens and " + std::to_string(batch.source_length.size()) +
                     " lengths do not match Ts=" + std::to_string(Ts) + " × B=" + std::to_string(B));
  for (int len : batch.source_length)
    if (len < 1 || len > Ts)
      throw ShapeError("seq2seq batch: source length " + std::to_string(len) + " outside [1, " +
                       std::to_string(Ts) + "]");
  for (int32_t id : batch.source)
    if (id < 0 || id >= c.source_vocab)
      throw ShapeError("source token id " + std::to_string(id) + " outside [0, " +
                       std::to_string(c.source_vocab) + ")");
  pass.Ts = Ts;
  pass.B = B;
  if (c.encoder_over_padding) pass.encoder_lengths.assign(static_cast<std::size_t>(B), Ts);
  else pass.encoder_lengths = batch.source_length;
  ReversePerm(Ts, B, pass.encoder_lengths, pass.perm);
  pass.embedded.resize(c.embed, TsB);
  for (Eigen::Index j = 0; j < TsB; ++j)
    pass.embedded.col(j) = params.source_embedding.row(batch.source[static_cast<std::size_t>(j)]).transpose();
  pass.encoder.resize(static_cast<std::size_t>(c.encoder_layers * D));
  pass.encoder_out.resize(static_cast<std::size_t>(c.encoder_layers));
  pass.layer_input_rev.resize(static_cast<std::size_t>(c.encoder_layers));
  const Mat<S>* input = &pass.embedded;
  for (int l = 0; l < c.encoder_layers; ++l) {
    Mat<S>& out = pass.encoder_out[static_cast<std::size_t>(l)];
    out.resize(c.EncoderOutput(), TsB);
    for (int d = 0; d < D; ++d) {
      const std::size_t index = static_cast<std::size_t>(l * D + d);
      LayerCache<S>& k = pass.encoder[index];
      const LayerParams<S>& p = params.encoder[index];
      if (index < pass.interventions.encoder.size()) k.interventions = pass.interventions.encoder[index];
      else k.interventions.clear();
      if (d == 0) {
        LayerForward<S>(c.encoder_cell, p, LayerInput<S>{input, {}}, Ts, B, false, nullptr, nullptr, k);
        out.topRows(He) = k.Outputs();
      } else {
        // The reverse direction runs forward in time over each sequence reversed, so it starts
        // at the sequence's own last token rather than at the padding.
        Mat<S>& rev_in = pass.layer_input_rev[static_cast<std::size_t>(l)];
        PermuteCols(*input, pass.perm, rev_in);
        LayerForward<S>(c.encoder_cell, p, LayerInput<S>{&rev_in, {}}, Ts, B, false, nullptr, nullptr, k);
        for (Eigen::Index j = 0; j < TsB; ++j)
          out.col(j).bottomRows(He) = k.h.col(B + pass.perm[static_cast<std::size_t>(j)]);
      }
    }
    input = &out;
  }
  // z = [h_fwd at the last real position ; h_rev at position 0] of the top layer.
  const Mat<S>& top = pass.encoder_out.back();
  pass.z.resize(c.EncoderOutput(), B);
  for (int b = 0; b < B; ++b) {
    const int len = pass.encoder_lengths[static_cast<std::size_t>(b)];
    pass.z.col(b).topRows(He) = top.col(static_cast<Eigen::Index>(len - 1) * B + b).topRows(He);
    if (D == 2) pass.z.col(b).bottomRows(He) = top.col(b).bottomRows(He);
  }
}

template <class S>
void Seq2SeqModel<S>::EncodeBackward(const Seq2SeqBatch& batch, Seq2SeqPass<S>& pass) {
  const Seq2SeqConfig& c = config_;
  const int Ts = pass.Ts, B = pass.B, D = c.Directions(), He = c.encoder_hidden;
  const Eigen::Index TsB = static_cast<Eigen::Index>(Ts) * B;
  // pass.d_enc (C, Ts*B) holds ∂L/∂(top encoder outputs) from attention; add the final-state
  // part (z was read at those columns).
  const std::vector<int>& lengths = pass.encoder_lengths;
  for (int b = 0; b < B; ++b) {
    const int len = lengths[static_cast<std::size_t>(b)];
    pass.d_enc.col(static_cast<Eigen::Index>(len - 1) * B + b).topRows(He) += pass.d_tmp.col(b).topRows(He);
    if (D == 2) pass.d_enc.col(b).bottomRows(He) += pass.d_tmp.col(b).bottomRows(He);
  }
  pass.d_layer_in.resize(static_cast<std::size_t>(D));
  for (int l = c.encoder_layers - 1; l >= 0; --l) {
    const Mat<S>* input = l == 0 ? &pass.embedded : &pass.encoder_out[static_cast<std::size_t>(l - 1)];
    for (int d = 0; d < D; ++d) {
      const std::size_t k = static_cast<std::size_t>(l * D + d);
      Mat<S>& dx = pass.d_layer_in[static_cast<std::size_t>(d)];
      if (d == 0) {
        pass.d_dir = pass.d_enc.topRows(He);
        const Mat<S>* dc_final = nullptr;
        if (c.CopiesState()) {
          // Decoder layer l started from this layer's final state: its ∂L/∂h0 joins the output
          // gradient at each sequence's last step, ∂L/∂c0 (LSTM) the final cell state (Forward
          // made sure that is the last column for every sequence).
          const LayerCache<S>& dk = pass.decoder[static_cast<std::size_t>(l)];
          for (int b = 0; b < B; ++b)
            pass.d_dir.col(static_cast<Eigen::Index>(lengths[static_cast<std::size_t>(b)] - 1) * B + b) += dk.dh.col(b);
          if (c.encoder_cell == CellKind::kLstm) dc_final = &dk.dc;
        }
        LayerBackward<S>(c.encoder_cell, params.encoder[k], grads.encoder[k], LayerInput<S>{input, {}},
                         &pass.d_dir, nullptr, dc_final, pass.encoder[k], &dx, nullptr, nullptr);
      } else {
        pass.d_dir.resize(He, TsB);
        for (Eigen::Index j = 0; j < TsB; ++j)
          pass.d_dir.col(j) = pass.d_enc.col(pass.perm[static_cast<std::size_t>(j)]).bottomRows(He);
        Mat<S>& rev_in = pass.layer_input_rev[static_cast<std::size_t>(l)];
        LayerBackward<S>(c.encoder_cell, params.encoder[k], grads.encoder[k], LayerInput<S>{&rev_in, {}},
                         &pass.d_dir, nullptr, nullptr, pass.encoder[k], &dx, nullptr, nullptr);
      }
    }
    // ∂L/∂ layer input: forward part as is, reverse part un-permuted.
    pass.d_in = pass.d_layer_in[0];
    if (D == 2)
      for (Eigen::Index j = 0; j < TsB; ++j)
        pass.d_in.col(pass.perm[static_cast<std::size_t>(j)]) += pass.d_layer_in[1].col(j);
    pass.d_enc.swap(pass.d_in);
  }
  // pass.d_enc now holds ∂L/∂embedded (E, Ts*B): scatter into the embedding rows.
  for (Eigen::Index j = 0; j < TsB; ++j)
    grads.source_embedding.row(batch.source[static_cast<std::size_t>(j)]) += pass.d_enc.col(j).transpose();
}

// ---------------------------------------------------------------------------------- decoder

template <class S>
void Seq2SeqModel<S>::DecodeStep(int i, Seq2SeqPass<S>& pass) const {
  const Seq2SeqConfig& c = config_;
  const int B = pass.B, E = c.embed, C = c.EncoderOutput(), Hd = c.decoder_hidden;
  const Eigen::Index col = static_cast<Eigen::Index>(i) * B;
  LayerCache<S>& top = pass.decoder.back();
  auto x = pass.dec_x.middleCols(col, B);  // (X_d, B)
  if (c.HasAttention()) {
    AttentionStep<S>(c.attention, params.attention, pass.encoder_out.back(), top.h.middleCols(col, B), i,
                     pass.attention, pass.context.middleCols(col, B));
    x.middleRows(c.AttentionRow(), C) = pass.context.middleCols(col, B);
  }
  const int er = c.EmbedRow();
  for (int b = 0; b < B; ++b)
    x.col(b).middleRows(er, E) =
        params.target_embedding.row(pass.dec_tokens[static_cast<std::size_t>(col + b)]).transpose();
  if (c.FeedsContext()) x.bottomRows(C) = pass.z;
  for (std::size_t l = 0; l < pass.decoder.size(); ++l) {
    LayerCache<S>& k = pass.decoder[l];
    const LayerParams<S>& p = params.decoder[l];
    auto gates = k.gates.middleCols(col, B);
    if (l == 0) gates.noalias() = p.w_ih * x;  // (G*Hd, B) = (G*Hd, X_d)(X_d, B)
    else gates.noalias() = p.w_ih * pass.decoder[l - 1].h.middleCols(col + B, B);  // (G*Hd, Hd)(Hd, B)
    gates.colwise() += p.b_ih.col(0);
    const bool has_c = k.c.size() > 0;
    Mat<S>& cstore = has_c ? k.c : k.h;
    WithCell<S>(c.decoder_cell, [&](auto cell) {
      decltype(cell)::Forward(p, k.h.middleCols(col, B), cstore.middleCols(col, B), gates,
                              k.aux.middleCols(k.aux.size() ? col : 0, k.aux.size() ? B : 0),
                              k.h.middleCols(col + B, B), cstore.middleCols(col + B, B));
    });
  }
  auto feat = pass.features.middleCols(col, B);  // (|o|, B) = [s_i ; a_i] or s_i
  feat.topRows(Hd) = top.h.middleCols(col + B, B);
  if (c.OutputsContext()) feat.bottomRows(C) = pass.context.middleCols(col, B);
  auto logits = pass.logits.middleCols(col, B);
  if (c.tie_embeddings) {
    pass.projected.middleCols(col, B).noalias() = params.out_proj * feat;          // (E, B)
    logits.noalias() = params.target_embedding * pass.projected.middleCols(col, B);  // (V_t, B)
  } else {
    logits.noalias() = params.fc_w * feat;  // (V_t, B) = (V_t, |o|)(|o|, B)
  }
  logits.colwise() += params.fc_b.col(0);
  for (int b = 0; b < B; ++b) {
    Eigen::Index arg = 0;
    logits.col(b).maxCoeff(&arg);
    pass.predicted[static_cast<std::size_t>(col + b)] = static_cast<int32_t>(arg);
  }
}

namespace {

// Sizes every decoder buffer for `steps` steps and sets the initial state from the bridge.
template <class S>
void BeginDecoder(const Seq2SeqConfig& c, const Seq2SeqParams<S>& params, int steps,
                  const std::vector<int>& lengths, Seq2SeqPass<S>& pass) {
  const int B = pass.B, Hd = c.decoder_hidden, L = c.decoder_layers;
  const Eigen::Index SB = static_cast<Eigen::Index>(steps) * B;
  pass.To = steps;
  pass.decoder.resize(static_cast<std::size_t>(L));
  for (LayerCache<S>& k : pass.decoder)
    SizeDecoderCache(c.decoder_cell, GateCount(c.decoder_cell), Hd, steps, B, k);
  if (c.UsesBridge()) {
    pass.h0.noalias() = params.bridge_h_w * pass.z;  // (L*Hd, B) = (L*Hd, C)(C, B)
    pass.h0.colwise() += params.bridge_h_b.col(0);
    pass.h0 = pass.h0.array().tanh().matrix();
    if (c.decoder_cell == CellKind::kLstm) {
      pass.c0.noalias() = params.bridge_c_w * pass.z;  // linear: c is unbounded in an LSTM
      pass.c0.colwise() += params.bridge_c_b.col(0);
    }
    for (int l = 0; l < L; ++l) {
      LayerCache<S>& k = pass.decoder[static_cast<std::size_t>(l)];
      k.h.leftCols(B) = pass.h0.middleRows(static_cast<Eigen::Index>(l) * Hd, Hd);
      if (k.c.size() > 0) k.c.leftCols(B) = pass.c0.middleRows(static_cast<Eigen::Index>(l) * Hd, Hd);
    }
  } else if (c.CopiesState()) {
    // Layer l continues encoder layer l from each sequence's last encoder step.
    for (int l = 0; l < L; ++l) {
      LayerCache<S>& k = pass.decoder[static_cast<std::size_t>(l)];
      const LayerCache<S>& e = pass.encoder[static_cast<std::size_t>(l)];
      for (int b = 0; b < B; ++b) {
        const Eigen::Index last = static_cast<Eigen::Index>(pass.encoder_lengths[static_cast<std::size_t>(b)]) * B + b;
        k.h.col(b) = e.h.col(last);
        if (k.c.size() > 0) k.c.col(b) = e.c.col(last);
      }
    }
  } else {
    for (LayerCache<S>& k : pass.decoder) {
      k.h.leftCols(B).setZero();
      if (k.c.size() > 0) k.c.leftCols(B).setZero();
    }
  }
  if (c.HasAttention()) {
    pass.attention.overrides = pass.interventions.attention;
    // Without the mask every sequence's attention spans all Ts positions.
    const std::vector<int> unmasked = c.mask_source ? std::vector<int>() : std::vector<int>(static_cast<std::size_t>(B), pass.Ts);
    AttentionBegin<S>(c.attention, params.attention, pass.encoder_out.back(), pass.Ts, B, steps,
                      c.mask_source ? lengths : unmasked, pass.attention);
    pass.context.resize(c.EncoderOutput(), SB);
  } else {
    pass.context.resize(0, SB);
  }
  pass.dec_tokens.assign(static_cast<std::size_t>(SB), c.pad_id);
  pass.dec_x.resize(c.DecoderInput(), SB);
  pass.features.resize(c.OutputFeatures(), SB);
  if (c.tie_embeddings) pass.projected.resize(c.embed, SB);
  pass.logits.resize(c.target_vocab, SB);
  pass.predicted.assign(static_cast<std::size_t>(SB), c.pad_id);
}

}  // namespace

// ---------------------------------------------------------------------------------- forward

template <class S>
S Seq2SeqModel<S>::Forward(const Seq2SeqBatch& batch, float teacher_forcing, Rng* rng,
                           Seq2SeqPass<S>& pass) const {
  const Seq2SeqConfig& c = config_;
  const int To = batch.To, B = batch.B;
  if (To <= 0 || batch.target.size() != static_cast<std::size_t>(To) * static_cast<std::size_t>(B))
    throw ShapeError("seq2seq batch: " + std::to_string(batch.target.size()) +
                     " target tokens do not match To=" + std::to_string(To) + " × B=" + std::to_string(B));
  for (int32_t id : batch.target)
    if (id >= c.target_vocab)
      throw ShapeError("target token id " + std::to_string(id) + " outside the vocabulary");
  if (!batch.decoder_input.empty()) {
    if (batch.decoder_input.size() != batch.target.size())
      throw ShapeError("seq2seq batch: " + std::to_string(batch.decoder_input.size()) +
                       " decoder inputs do not match To=" + std::to_string(To) + " × B=" + std::to_string(B));
    for (int32_t id : batch.decoder_input)
      if (id < 0 || id >= c.target_vocab)
        throw ShapeError("decoder input id " + std::to_string(id) + " outside [0, " +
                         std::to_string(c.target_vocab) + ")");
  }
  Encode(batch, pass);
  if (c.CopiesState() && c.encoder_cell == CellKind::kLstm)
    for (int len : pass.encoder_lengths)
      if (len != batch.Ts)
        // The cell-state gradient enters the encoder only at its last column (LayerBackward's
        // dc_final), so every sequence must end there.
        throw ShapeError("seq2seq batch: context copy with an LSTM needs every source to fill all " +
                         std::to_string(batch.Ts) + " steps (one has " + std::to_string(len) +
                         "); set encoder_over_padding or batch sources of equal length");
  BeginDecoder(c, params, To, batch.source_length, pass);
  for (int i = 0; i < To; ++i) {
    for (int b = 0; b < B; ++b) {
      int32_t token = c.sos_id;
      if (!batch.decoder_input.empty()) {
        token = batch.decoder_input[static_cast<std::size_t>(i * B + b)];
      } else if (i > 0) {
        const std::size_t prev = static_cast<std::size_t>((i - 1) * B + b);
        const bool teach = teacher_forcing >= 1.0f || rng == nullptr ||
                           rng->UniformFloat() < teacher_forcing;
        token = teach ? batch.target[prev] : pass.predicted[prev];
        if (token < 0) token = c.pad_id;  // after <eos>: ignored positions, any input will do
      }
      pass.dec_tokens[static_cast<std::size_t>(i * B + b)] = token;
    }
    DecodeStep(i, pass);
  }
  RnnModel<S>::SoftmaxCrossEntropy(pass.logits, batch.target, pass.probs, pass.loss, pass.counted);
  return pass.loss;
}

// ---------------------------------------------------------------------------------- backward

template <class S>
void Seq2SeqModel<S>::Backward(const Seq2SeqBatch& batch, Seq2SeqPass<S>& pass) {
  const Seq2SeqConfig& c = config_;
  const int To = pass.To, B = pass.B, E = c.embed, C = c.EncoderOutput(), Hd = c.decoder_hidden;
  const Eigen::Index SB = static_cast<Eigen::Index>(To) * B;
  const bool attn = c.attention != AttentionKind::kNone;
  // ∂L/∂logits = (softmax − onehot) / counted; ignored positions contribute nothing.
  MaskedSoftmaxCrossEntropyGrad(pass.probs, batch.target, pass.counted, pass.d_logits);
  grads.fc_b += pass.d_logits.rowwise().sum();
  if (c.tie_embeddings) {
    // logits = E_dec P o: the embedding gets the output-side gradient here and the input-side
    // gradient below.
    grads.target_embedding.noalias() += pass.d_logits * pass.projected.transpose();  // (V_t, E)
    pass.d_projected.noalias() = params.target_embedding.transpose() * pass.d_logits;  // (E, SB)
    grads.out_proj.noalias() += pass.d_projected * pass.features.transpose();        // (E, |o|)
    pass.d_features.noalias() = params.out_proj.transpose() * pass.d_projected;      // (|o|, SB)
  } else {
    grads.fc_w.noalias() += pass.d_logits * pass.features.transpose();  // (V_t, |o|)
    pass.d_features.noalias() = params.fc_w.transpose() * pass.d_logits;  // (|o|, SB)
  }

  // Decoder BPTT, one step at a time because attention's query gradient feeds the recurrence;
  // within a step from the top layer down. k.dh holds ∂L/∂s_i^l when step i is reached.
  const int L = c.decoder_layers;
  const Eigen::Index GH = pass.decoder[0].gates.rows();
  const bool has_c = pass.decoder[0].c.size() > 0;
  const bool separate_hh = c.decoder_cell == CellKind::kGru;
  for (LayerCache<S>& k : pass.decoder) {
    k.d_ih.resize(GH, SB);
    if (separate_hh) k.d_hh.resize(GH, SB);
    k.dh.setZero(Hd, B);
    k.dc.setZero(Hd, B);
    k.dh_direct.setZero(Hd, B);
    k.dh_norm.resize(To);
    k.dc_norm.resize(has_c ? To : 0);
  }
  pass.d_x.resize(pass.dec_x.rows(), SB);
  pass.dq.resize(Hd, B);
  pass.d_context_step.resize(C, B);
  pass.d_below.resize(Hd, B);
  const Mat<S>& keys = pass.encoder_out.back();
  if (attn) AttentionBackwardBegin<S>(c.attention, keys, pass.attention);
  for (int i = To - 1; i >= 0; --i) {
    const Eigen::Index col = static_cast<Eigen::Index>(i) * B;
    for (int l = L - 1; l >= 0; --l) {
      LayerCache<S>& k = pass.decoder[static_cast<std::size_t>(l)];
      const LayerParams<S>& p = params.decoder[static_cast<std::size_t>(l)];
      Mat<S>& d_hh_store = separate_hh ? k.d_hh : k.d_ih;
      Mat<S>& cstore = has_c ? k.c : k.h;
      if (l == L - 1) k.dh += pass.d_features.middleCols(col, B).topRows(Hd);  // from the output at step i
      else k.dh += pass.d_below;                                               // from layer l+1's input
      k.dh_norm[i] = k.dh.norm();
      StepNorms<S> norms;
      WithCell<S>(c.decoder_cell, [&](auto cell) {
        decltype(cell)::Backward(p, grads.decoder[static_cast<std::size_t>(l)], k.h.middleCols(col, B),
                                 cstore.middleCols(col, B), k.gates.middleCols(col, B),
                                 k.aux.middleCols(k.aux.size() ? col : 0, k.aux.size() ? B : 0),
                                 k.h.middleCols(col + B, B), cstore.middleCols(col + B, B), k.dh, k.dc,
                                 k.d_ih.middleCols(col, B), d_hh_store.middleCols(col, B),
                                 k.dh_direct, norms);
      });
      if (has_c) k.dc_norm[i] = norms.dc_norm;
      if (l == 0) pass.d_x.middleCols(col, B).noalias() = p.w_ih.transpose() * k.d_ih.middleCols(col, B);  // (X_d, B)
      else pass.d_below.noalias() = p.w_ih.transpose() * k.d_ih.middleCols(col, B);  // (Hd, B)
      // ∂L/∂s_{i-1}^l = W_hhᵀ d_hh (+ GRU's direct path) (+ the attention query's, below)
      k.dh.noalias() = p.w_hh.transpose() * d_hh_store.middleCols(col, B);
      if (separate_hh) k.dh += k.dh_direct;
    }
    if (attn) {
      // a_i feeds the step's input and (output_context) the output features.
      pass.d_context_step = pass.d_x.middleCols(col, B).middleRows(c.AttentionRow(), C);
      if (c.OutputsContext()) pass.d_context_step += pass.d_features.middleCols(col, B).bottomRows(C);
      AttentionStepBackward<S>(c.attention, params.attention, grads.attention, keys, i,
                               pass.d_context_step, pass.attention, pass.dq);
      pass.decoder.back().dh += pass.dq;
    }
  }
  for (int l = 0; l < L; ++l) {
    LayerCache<S>& k = pass.decoder[static_cast<std::size_t>(l)];
    LayerParams<S>& g = grads.decoder[static_cast<std::size_t>(l)];
    const Mat<S>& d_hh_store = separate_hh ? k.d_hh : k.d_ih;
    g.w_hh.noalias() += d_hh_store * k.h.leftCols(SB).transpose();  // (G*Hd, Hd)
    g.b_hh += d_hh_store.rowwise().sum();
    if (l == 0) g.w_ih.noalias() += k.d_ih * pass.dec_x.transpose();  // (G*Hd, X_d)
    else g.w_ih.noalias() += k.d_ih * pass.decoder[static_cast<std::size_t>(l - 1)].h.middleCols(B, SB).transpose();
    g.b_ih += k.d_ih.rowwise().sum();
  }
  const int er = c.EmbedRow();
  for (Eigen::Index j = 0; j < SB; ++j)
    grads.target_embedding.row(pass.dec_tokens[static_cast<std::size_t>(j)]) +=
        pass.d_x.col(j).middleRows(er, E).transpose();

  // ∂L/∂z (kept in d_tmp for EncodeBackward): from the per-step input and from the bridge.
  // (copy: the decoder layers' ∂L/∂s_{-1} stay in pass.decoder[l].dh/dc for EncodeBackward.)
  pass.d_tmp.setZero(C, B);
  if (c.FeedsContext())
    for (int i = 0; i < To; ++i)
      pass.d_tmp += pass.d_x.middleCols(static_cast<Eigen::Index>(i) * B, B).bottomRows(C);
  if (c.UsesBridge()) {
    pass.dh.resize(static_cast<Eigen::Index>(L) * Hd, B);
    for (int l = 0; l < L; ++l)
      pass.dh.middleRows(static_cast<Eigen::Index>(l) * Hd, Hd) = pass.decoder[static_cast<std::size_t>(l)].dh;
    pass.dh = (pass.dh.array() * (1 - pass.h0.array().square())).matrix();  // through tanh
    grads.bridge_h_w.noalias() += pass.dh * pass.z.transpose();
    grads.bridge_h_b += pass.dh.rowwise().sum();
    pass.d_tmp.noalias() += params.bridge_h_w.transpose() * pass.dh;
    if (c.decoder_cell == CellKind::kLstm) {
      for (int l = 0; l < L; ++l)
        pass.dh.middleRows(static_cast<Eigen::Index>(l) * Hd, Hd) = pass.decoder[static_cast<std::size_t>(l)].dc;
      grads.bridge_c_w.noalias() += pass.dh * pass.z.transpose();
      grads.bridge_c_b += pass.dh.rowwise().sum();
      pass.d_tmp.noalias() += params.bridge_c_w.transpose() * pass.dh;
    }
  }
  if (attn) {
    AttentionBackwardEnd<S>(c.attention, params.attention, grads.attention, keys, To, pass.attention);
    pass.d_enc = pass.attention.d_keys;
  } else {
    pass.d_enc.setZero(C, static_cast<Eigen::Index>(pass.Ts) * B);
  }
  EncodeBackward(batch, pass);
}

// ---------------------------------------------------------------------------------- decoding

template <class S>
void Seq2SeqModel<S>::Greedy(const Seq2SeqBatch& batch, int max_len, Seq2SeqPass<S>& pass,
                             std::vector<std::vector<int32_t>>& out, std::vector<MatF>* attention) const {
  const Seq2SeqConfig& c = config_;
  const int B = batch.B;
  Encode(batch, pass);
  BeginDecoder(c, params, max_len, batch.source_length, pass);
  out.assign(static_cast<std::size_t>(B), {});
  std::vector<bool> done(static_cast<std::size_t>(B), false);
  int steps = 0;
  for (int i = 0; i < max_len; ++i) {
    for (int b = 0; b < B; ++b)
      pass.dec_tokens[static_cast<std::size_t>(i * B + b)] =
          i == 0 ? c.sos_id : pass.predicted[static_cast<std::size_t>((i - 1) * B + b)];
    DecodeStep(i, pass);
    steps = i + 1;
    bool all = true;
    for (int b = 0; b < B; ++b) {
      if (done[static_cast<std::size_t>(b)]) continue;
      const int32_t y = pass.predicted[static_cast<std::size_t>(i * B + b)];
      out[static_cast<std::size_t>(b)].push_back(y);
      if (y == c.eos_id) done[static_cast<std::size_t>(b)] = true;
      else all = false;
    }
    if (all) break;
  }
  if (attention) {
    attention->assign(static_cast<std::size_t>(B), MatF());
    if (c.attention == AttentionKind::kNone) return;
    for (int b = 0; b < B; ++b) {
      const int len = c.mask_source ? batch.source_length[static_cast<std::size_t>(b)] : batch.Ts;
      const int n = static_cast<int>(out[static_cast<std::size_t>(b)].size());
      MatF& a = (*attention)[static_cast<std::size_t>(b)];
      a.resize(n, len);
      for (int i = 0; i < n && i < steps; ++i)
        a.row(i) = pass.attention.alpha.col(static_cast<Eigen::Index>(i) * B + b).head(len).transpose().template cast<float>();
    }
  }
}

template <class S>
std::vector<BeamHypothesis> Seq2SeqModel<S>::Beam(const std::vector<int32_t>& source, int width,
                                                  int max_len, const Seq2SeqInterventions* interventions,
                                                  const std::vector<int32_t>& prefix) const {
  const Seq2SeqConfig& c = config_;
  if (width < 1) throw ConfigError("beam width " + std::to_string(width) + " must be ≥ 1");
  for (int32_t id : prefix)
    if (id < 0 || id >= c.target_vocab)
      throw ShapeError("beam search: prefix token " + std::to_string(id) + " outside the target vocabulary (" +
                       std::to_string(c.target_vocab) + ")");
  max_len = std::max(max_len, static_cast<int>(prefix.size()) + 1);
  if (source.empty()) throw ShapeError("beam search: empty source");
  const int K = width, Ts = static_cast<int>(source.size());
  const bool attn = c.attention != AttentionKind::kNone;
  // The source repeated in K columns: each beam is a batch column sharing the encoder result.
  Seq2SeqBatch batch;
  batch.Ts = Ts;
  batch.B = K;
  batch.source_length.assign(static_cast<std::size_t>(K), Ts);
  for (int t = 0; t < Ts; ++t)
    for (int b = 0; b < K; ++b) batch.source.push_back(source[static_cast<std::size_t>(t)]);
  Seq2SeqPass<S> pass;
  if (interventions) pass.interventions = *interventions;
  Encode(batch, pass);
  BeginDecoder(c, params, max_len, batch.source_length, pass);

  struct Live {
    std::vector<int32_t> tokens;
    std::vector<std::vector<float>> alpha;
    double score = 0;
  };
  std::vector<Live> live(1);  // one live beam at first: K identical copies would tie
  std::vector<BeamHypothesis> finished;
  auto finish = [&](const Live& h) {
    BeamHypothesis out;
    out.tokens = h.tokens;
    out.score = static_cast<float>(h.score);
    if (attn) {
      out.attention.resize(static_cast<Eigen::Index>(h.alpha.size()), Ts);
      for (std::size_t r = 0; r < h.alpha.size(); ++r)
        for (int j = 0; j < Ts; ++j) out.attention(static_cast<Eigen::Index>(r), j) = h.alpha[r][static_cast<std::size_t>(j)];
    }
    finished.push_back(std::move(out));
  };
  Vec<S> logp(c.target_vocab);
  for (int i = 0; i < max_len && !live.empty(); ++i) {
    const Eigen::Index col = static_cast<Eigen::Index>(i) * K;
    for (int b = 0; b < K; ++b) {
      const std::size_t src = static_cast<std::size_t>(std::min(b, static_cast<int>(live.size()) - 1));
      pass.dec_tokens[static_cast<std::size_t>(col + b)] =
          live[src].tokens.empty() ? c.sos_id : live[src].tokens.back();
    }
    DecodeStep(i, pass);
    struct Cand {
      double score;
      int beam;
      int32_t token;
    };
    std::vector<Cand> cands;
    for (int b = 0; b < static_cast<int>(live.size()); ++b) {
      const auto z = pass.logits.col(col + b);
      const S max = z.maxCoeff();
      const S lse = max + std::log((z.array() - max).exp().sum());
      logp = (z.array() - lse).matrix();
      if (static_cast<std::size_t>(i) < prefix.size()) {  // forced: one candidate, the prefix's token
        const int32_t forced = prefix[static_cast<std::size_t>(i)];
        cands.push_back({live[static_cast<std::size_t>(b)].score + static_cast<double>(logp(forced)), b, forced});
        continue;
      }
      // Only the top K of each beam can survive.
      std::vector<int32_t> ids(static_cast<std::size_t>(c.target_vocab));
      for (int v = 0; v < c.target_vocab; ++v) ids[static_cast<std::size_t>(v)] = v;
      const int keep = std::min(K, c.target_vocab);
      std::partial_sort(ids.begin(), ids.begin() + keep, ids.end(),
                        [&](int32_t a, int32_t bb) { return logp(a) > logp(bb); });
      for (int r = 0; r < keep; ++r)
        cands.push_back({live[static_cast<std::size_t>(b)].score + static_cast<double>(logp(ids[static_cast<std::size_t>(r)])),
                         b, ids[static_cast<std::size_t>(r)]});
    }
    std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& bb) { return a.score > bb.score; });
    std::vector<Live> next;
    std::vector<int> parents;
    for (const Cand& cand : cands) {
      if (static_cast<int>(next.size()) >= K) break;
      Live h = live[static_cast<std::size_t>(cand.beam)];
      h.tokens.push_back(cand.token);
      h.score = cand.score;
      if (attn) {
        std::vector<float> row(static_cast<std::size_t>(Ts));
        for (int j = 0; j < Ts; ++j)
          row[static_cast<std::size_t>(j)] = static_cast<float>(pass.attention.alpha(j, col + cand.beam));
        h.alpha.push_back(std::move(row));
      }
      if (cand.token == c.eos_id) {
        finish(h);
        if (static_cast<int>(finished.size()) >= K) break;
        continue;
      }
      next.push_back(std::move(h));
      parents.push_back(cand.beam);
    }
    if (static_cast<int>(finished.size()) >= K) {
      live.clear();
      break;
    }
    // Reorder the recurrent state (block i+1) of every layer so column b continues beam b's parent.
    const Eigen::Index nc = col + K;
    for (LayerCache<S>& k : pass.decoder) {
      const Mat<S> h_state = k.h.middleCols(nc, K);
      const Mat<S> c_state = k.c.size() > 0 ? Mat<S>(k.c.middleCols(nc, K)) : Mat<S>();
      for (std::size_t b = 0; b < parents.size(); ++b) {
        k.h.col(nc + static_cast<Eigen::Index>(b)) = h_state.col(parents[b]);
        if (k.c.size() > 0) k.c.col(nc + static_cast<Eigen::Index>(b)) = c_state.col(parents[b]);
      }
    }
    live = std::move(next);
  }
  for (const Live& h : live) finish(h);
  std::sort(finished.begin(), finished.end(),
            [](const BeamHypothesis& a, const BeamHypothesis& b) { return a.score > b.score; });
  if (static_cast<int>(finished.size()) > K) finished.resize(static_cast<std::size_t>(K));
  return finished;
}

template struct Seq2SeqParams<float>;
template struct Seq2SeqParams<double>;
template class Seq2SeqModel<float>;
template class Seq2SeqModel<double>;

}  // namespace rnnscope
