// Contents: LoadSeq2SeqBatch · Load · ComputeSeq2SeqGradients · ComputeSeq2SeqTrace
#include "model/seq2seq_io.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace rnnscope {

namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// An integer [batch, time] tensor (or [batch] with `vector`); `batch` > 0 fixes its first dim.
std::vector<int64_t> ReadIds(const TensorFile& file, const std::string& name, bool vector, int64_t batch,
                             std::vector<int64_t>& shape) {
  std::vector<int64_t> ids = file.GetInt64(name, &shape);  // InputError: missing / float dtype
  const bool ok = vector ? shape.size() == 1 && shape[0] >= 1 : shape.size() == 2 && shape[0] >= 1 && shape[1] >= 1;
  if (!ok || (batch > 0 && shape[0] != batch))
    throw ShapeError(file.source + ": tensor '" + name + "' has shape " + ShapeText(shape) + ", expected " +
                     (vector ? "[batch]" : "[batch, time]") +
                     (batch > 0 ? " with batch = " + std::to_string(batch) + " (source_ids' batch)" : std::string()));
  if (ids.size() > static_cast<std::size_t>(std::numeric_limits<int32_t>::max()))
    throw ShapeError(file.source + ": tensor '" + name + "' has too many tokens");
  return ids;
}

// [b][t] row-major → time-major t*B + b, each id in [0, limit) (or -100 → -1 when ignorable).
std::vector<int32_t> TimeMajor(const TensorFile& file, const std::string& name, const std::vector<int64_t>& ids,
                               int B, int T, int limit, const char* what, bool ignorable) {
  std::vector<int32_t> out(ids.size());
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < T; ++t) {
      const int64_t v = ids[static_cast<std::size_t>(b) * T + t];
      int32_t& dst = out[static_cast<std::size_t>(t) * B + b];
      if (ignorable && v == -100) {
        dst = -1;
        continue;
      }
      if (v < 0 || v >= limit)
        throw InputError(file.source + ": " + name + "[" + std::to_string(b) + ", " + std::to_string(t) +
                         "] = " + std::to_string(v) + " is outside the " + what + " [0, " +
                         std::to_string(limit) + ") of the weights" + (ignorable ? " (-100 = ignore)" : ""));
      dst = static_cast<int32_t>(v);
    }
  return out;
}

}  // namespace

Seq2SeqBatch LoadSeq2SeqBatch(const TensorFile& file, const Seq2SeqLayout& layout, bool require_targets) {
  const Seq2SeqConfig& c = layout.config;
  std::vector<int64_t> src_shape, dec_shape, tgt_shape;
  const std::vector<int64_t> source = ReadIds(file, "source_ids", false, 0, src_shape);
  const std::vector<int64_t> dec = ReadIds(file, "decoder_input_ids", false, src_shape[0], dec_shape);
  Seq2SeqBatch batch;
  batch.B = static_cast<int>(src_shape[0]);
  batch.Ts = static_cast<int>(src_shape[1]);
  batch.To = static_cast<int>(dec_shape[1]);
  batch.source = TimeMajor(file, "source_ids", source, batch.B, batch.Ts, c.source_vocab, "source vocabulary", false);
  batch.decoder_input =
      TimeMajor(file, "decoder_input_ids", dec, batch.B, batch.To, c.target_vocab, "target vocabulary", false);
  if (require_targets || file.Has("target_ids")) {
    const std::vector<int64_t> tgt = ReadIds(file, "target_ids", false, batch.B, tgt_shape);
    if (tgt_shape != dec_shape)
      throw ShapeError(file.source + ": tensor 'target_ids' has shape " + ShapeText(tgt_shape) +
                       ", expected decoder_input_ids' shape " + ShapeText(dec_shape));
    batch.target = TimeMajor(file, "target_ids", tgt, batch.B, batch.To, c.target_vocab, "target vocabulary", true);
    bool any = false;
    for (int32_t t : batch.target) any = any || t >= 0;
    if (!any)
      throw InputError(file.source + ": every target_ids position is -100 (ignored), so the mean loss is undefined");
  } else {
    batch.target.assign(batch.decoder_input.size(), -1);
  }
  batch.source_length.assign(static_cast<std::size_t>(batch.B), batch.Ts);
  if (file.Has("source_lengths")) {
    std::vector<int64_t> len_shape;
    const std::vector<int64_t> lengths = ReadIds(file, "source_lengths", true, batch.B, len_shape);
    for (int b = 0; b < batch.B; ++b) {
      const int64_t len = lengths[static_cast<std::size_t>(b)];
      if (len < 1 || len > batch.Ts)
        throw InputError(file.source + ": source_lengths[" + std::to_string(b) + "] = " + std::to_string(len) +
                         " is outside [1, " + std::to_string(batch.Ts) + "] (source_ids has " +
                         std::to_string(batch.Ts) + " positions)");
      if (layout.name == "pytorch_tutorial" && len != batch.Ts)
        throw InputError(file.source + ": source_lengths[" + std::to_string(b) + "] = " + std::to_string(len) +
                         " < " + std::to_string(batch.Ts) + ", but the pytorch_tutorial layout attends to every "
                         "source position (BahdanauAttention has no mask); drop source_lengths or pad differently");
      batch.source_length[static_cast<std::size_t>(b)] = static_cast<int>(len);
    }
  }
  return batch;
}

namespace {

struct Loaded {
  Seq2SeqModel<double> model;
  Seq2SeqBatch batch;
  Seq2SeqPass<double> pass;
};

// Forward (and backward when there are targets) in double.
void Run(const TensorFile& canonical, const Seq2SeqLayout& layout, const TensorFile& batch_file,
         bool require_targets, Loaded& m) {
  m.model = Seq2SeqModel<double>(layout.config, 0);  // seed irrelevant: every weight is overwritten
  LoadSeq2SeqParams(canonical, layout, m.model.params);
  m.batch = LoadSeq2SeqBatch(batch_file, layout, require_targets);
  m.model.Forward(m.batch, 1.0f, nullptr, m.pass);
  if (m.pass.counted > 0) {
    m.model.grads.SetZero();
    m.model.Backward(m.batch, m.pass);
  }
}

void Describe(TensorFile& out, const Seq2SeqLayout& layout, const char* what) {
  out.metadata["format"] = std::string("rnnscope seq2seq ") + what + " 1";
  out.metadata["layout"] = layout.name;
  out.metadata["config"] = ToJson(layout.config).dump();
}

// Per-layer final states [L, B, H] from each layer's state block at column offset `col`.
void PutLayers(TensorFile& out, const std::string& name, const std::vector<LayerCache<double>>& layers,
               std::size_t count, Eigen::Index col, int B, FloatDtype dtype) {
  const Eigen::Index H = layers[0].h.rows();
  std::vector<double> values;
  for (std::size_t l = 0; l < count; ++l)
    for (Eigen::Index b = 0; b < B; ++b)
      for (Eigen::Index j = 0; j < H; ++j) values.push_back(layers[l].h(j, col + b));
  PutTensor(out, name, {static_cast<int64_t>(count), B, H}, values, dtype);
}

}  // namespace

TensorFile ComputeSeq2SeqGradients(const TensorFile& canonical, const Seq2SeqLayout& layout,
                                   const TensorFile& batch, FloatDtype dtype) {
  Loaded m;
  Run(canonical, layout, batch, /*require_targets=*/true, m);
  TensorFile out;
  out.source = "<grad>";
  Describe(out, layout, "grad");
  PutTensor(out, "loss", {}, {m.pass.loss}, dtype);
  m.model.grads.ForEach([&](const std::string& name, const Mat<double>& g, bool is_vector) {
    const std::string own = layout.FileName(name);
    if (dtype == FloatDtype::kF32) out.SetMatrix<float>(own, g.cast<float>(), is_vector);
    else out.SetMatrix<double>(own, g, is_vector);
  });
  return out;
}

TensorFile ComputeSeq2SeqTrace(const TensorFile& canonical, const Seq2SeqLayout& layout,
                               const TensorFile& batch, FloatDtype dtype) {
  Loaded m;
  Run(canonical, layout, batch, /*require_targets=*/false, m);
  const Seq2SeqPass<double>& p = m.pass;
  const int B = p.B, Ts = p.Ts, To = p.To, L = layout.config.decoder_layers;
  const Eigen::Index SB = static_cast<Eigen::Index>(To) * B;
  TensorFile out;
  out.source = "<trace>";
  Describe(out, layout, "trace");
  if (p.counted > 0) PutTensor(out, "loss", {}, {p.loss}, dtype);
  PutBatchFirst(out, "logits", p.logits, To, B, dtype);                     // [B, T, V_t]
  PutBatchFirst(out, "attention", p.attention.alpha.leftCols(SB), To, B, dtype);  // [B, T, S]
  PutBatchFirst(out, "encoder_output", p.encoder_out.back(), Ts, B, dtype);  // [B, S, C]
  // The encoder runs over every position (encoder_over_padding), so its final state is column Ts.
  PutLayers(out, "encoder_h_n", p.encoder, static_cast<std::size_t>(layout.config.encoder_layers),
            static_cast<Eigen::Index>(Ts) * B, B, dtype);
  PutBatchFirst(out, "decoder_hidden", p.decoder.back().h.middleCols(B, SB), To, B, dtype);  // [B, T, Hd]
  PutLayers(out, "h_n", p.decoder, static_cast<std::size_t>(L), SB, B, dtype);  // [L, B, Hd]
  return out;
}

}  // namespace rnnscope
