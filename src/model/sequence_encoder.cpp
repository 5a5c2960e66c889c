#include "model/sequence_encoder.h"

#include <string>

#include "core/error.h"

namespace rnnscope {

namespace {

// perm[t*B + b] = column of the token the reverse direction reads at its step t: the real
// tokens of sequence b backwards, then its padding in place.
void ReverseColumns(int T, int B, const std::vector<int>& lengths, std::vector<int>& perm) {
  perm.resize(static_cast<std::size_t>(T) * static_cast<std::size_t>(B));
  for (int b = 0; b < B; ++b) {
    const int len = lengths[static_cast<std::size_t>(b)];
    for (int t = 0; t < T; ++t) perm[static_cast<std::size_t>(t * B + b)] = (t < len ? len - 1 - t : t) * B + b;
  }
}

}  // namespace

void CheckSequenceBatch(const SequenceBatch& batch, int vocab) {
  const auto TB = static_cast<std::size_t>(batch.T) * static_cast<std::size_t>(batch.B);
  if (batch.T <= 0 || batch.B <= 0 || batch.tokens.size() != TB ||
      batch.lengths.size() != static_cast<std::size_t>(batch.B))
    throw ShapeError("sequence batch: " + std::to_string(batch.tokens.size()) + " tokens and " +
                     std::to_string(batch.lengths.size()) + " lengths do not match T=" +
                     std::to_string(batch.T) + " × B=" + std::to_string(batch.B));
  for (int len : batch.lengths)
    if (len < 1 || len > batch.T)
      throw ShapeError("sequence batch: length " + std::to_string(len) + " outside [1, " + std::to_string(batch.T) + "]");
  for (int32_t id : batch.tokens)
    if (id < 0 || id >= vocab)
      throw ShapeError("token id " + std::to_string(id) + " outside [0, " + std::to_string(vocab) + ")");
}

template <class S>
void EncodeSequences(const ModelConfig& c, const ModelParams<S>& params, const SequenceBatch& batch,
                     EncoderPass<S>& pass, const DropoutMasks<S>* dropout) {
  CheckSequenceBatch(batch, c.vocab);
  const int T = batch.T, B = batch.B, D = c.Directions(), H = c.hidden;
  const Eigen::Index TB = static_cast<Eigen::Index>(T) * B;
  pass.T = T;
  pass.B = B;
  ReverseColumns(T, B, batch.lengths, pass.perm);
  pass.embedded.resize(c.embed, TB);  // (E, T*B)
  for (Eigen::Index j = 0; j < TB; ++j)
    pass.embedded.col(j) = params.embedding.row(batch.tokens[static_cast<std::size_t>(j)]).transpose();
  pass.dropout = dropout;
  if (dropout) CheckDropoutMasks(*dropout, c, TB);
  if (dropout && dropout->embedding.size() > 0) pass.embedded.array() *= dropout->embedding.array();
  pass.layers.resize(static_cast<std::size_t>(c.layers * D));
  pass.outputs.resize(static_cast<std::size_t>(c.layers));
  pass.input_rev.resize(static_cast<std::size_t>(c.layers));
  const Mat<S>* input = &pass.embedded;
  for (int l = 0; l < c.layers; ++l) {
    Mat<S>& out = pass.outputs[static_cast<std::size_t>(l)];
    out.resize(D * H, TB);  // (D*H, T*B)
    for (int d = 0; d < D; ++d) {
      LayerCache<S>& k = pass.layers[static_cast<std::size_t>(l * D + d)];
      const LayerParams<S>& p = params.rnn[static_cast<std::size_t>(l * D + d)];
      if (d == 0) {
        LayerForward<S>(c.cell, p, LayerInput<S>{input, {}}, T, B, false, nullptr, nullptr, k);
        out.topRows(H) = k.Outputs();
      } else {
        // Forward in time over the permuted columns: starts at each sequence's last real token.
        Mat<S>& rev = pass.input_rev[static_cast<std::size_t>(l)];
        rev.resize(input->rows(), TB);
        for (Eigen::Index j = 0; j < TB; ++j) rev.col(j) = input->col(pass.perm[static_cast<std::size_t>(j)]);
        LayerForward<S>(c.cell, p, LayerInput<S>{&rev, {}}, T, B, false, nullptr, nullptr, k);
        // perm is an involution: the state for source column j was computed at column perm[j].
        for (Eigen::Index j = 0; j < TB; ++j) out.col(j).bottomRows(H) = k.h.col(B + pass.perm[static_cast<std::size_t>(j)]);
      }
    }
    // Between layers the next one reads the dropped output; the top one's mask is the output mask.
    const Mat<S>* mask = !dropout ? nullptr
                         : l + 1 < c.layers ? dropout->Between(l + 1)
                         : dropout->output.size() > 0 ? &dropout->output : nullptr;
    if (mask) out.array() *= mask->array();
    input = &out;
  }
}

template <class S>
void EncodeSequencesBackward(const ModelConfig& c, const ModelParams<S>& params, ModelParams<S>& grads,
                             const SequenceBatch& batch, Mat<S>& d_top, EncoderPass<S>& pass) {
  const int T = pass.T, B = pass.B, D = c.Directions(), H = c.hidden;
  const Eigen::Index TB = static_cast<Eigen::Index>(T) * B;
  pass.d_x.resize(static_cast<std::size_t>(D));
  Mat<S>& d_out = d_top;  // ∂L/∂ output of layer l, (D*H, T*B)
  const DropoutMasks<S>* dropout = pass.dropout;
  if (dropout && dropout->output.size() > 0) d_out.array() *= dropout->output.array();
  for (int l = c.layers - 1; l >= 0; --l) {
    const Mat<S>* input = l == 0 ? &pass.embedded : &pass.outputs[static_cast<std::size_t>(l - 1)];
    for (int d = 0; d < D; ++d) {
      const std::size_t k = static_cast<std::size_t>(l * D + d);
      Mat<S>& dx = pass.d_x[static_cast<std::size_t>(d)];
      if (d == 0) {
        pass.d_dir = d_out.topRows(H);
        LayerBackward<S>(c.cell, params.rnn[k], grads.rnn[k], LayerInput<S>{input, {}}, &pass.d_dir, nullptr,
                         nullptr, pass.layers[k], &dx, nullptr, nullptr);
      } else {
        pass.d_dir.resize(H, TB);  // in the reverse direction's (permuted) time order
        for (Eigen::Index j = 0; j < TB; ++j)
          pass.d_dir.col(j) = d_out.col(pass.perm[static_cast<std::size_t>(j)]).bottomRows(H);
        LayerBackward<S>(c.cell, params.rnn[k], grads.rnn[k],
                         LayerInput<S>{&pass.input_rev[static_cast<std::size_t>(l)], {}}, &pass.d_dir, nullptr,
                         nullptr, pass.layers[k], &dx, nullptr, nullptr);
      }
    }
    // ∂L/∂ layer input: the forward part as is, the reverse part un-permuted.
    pass.d_in = pass.d_x[0];
    if (D == 2)
      for (Eigen::Index j = 0; j < TB; ++j) pass.d_in.col(pass.perm[static_cast<std::size_t>(j)]) += pass.d_x[1].col(j);
    // ∂L/∂ what layer l read → ∂L/∂ the undropped output below it (or the embedding).
    const Mat<S>* mask = !dropout ? nullptr
                         : l > 0 ? dropout->Between(l)
                         : dropout->embedding.size() > 0 ? &dropout->embedding : nullptr;
    if (mask) pass.d_in.array() *= mask->array();
    d_out.swap(pass.d_in);
  }
  // d_out now holds ∂L/∂embedded (E, T*B): scatter into the embedding rows.
  for (Eigen::Index j = 0; j < TB; ++j)
    grads.embedding.row(batch.tokens[static_cast<std::size_t>(j)]) += d_out.col(j).transpose();
}

template void EncodeSequences<float>(const ModelConfig&, const ModelParams<float>&, const SequenceBatch&,
                                     EncoderPass<float>&, const DropoutMasks<float>*);
template void EncodeSequences<double>(const ModelConfig&, const ModelParams<double>&, const SequenceBatch&,
                                      EncoderPass<double>&, const DropoutMasks<double>*);
template void EncodeSequencesBackward<float>(const ModelConfig&, const ModelParams<float>&, ModelParams<float>&,
                                             const SequenceBatch&, Mat<float>&, EncoderPass<float>&);
template void EncodeSequencesBackward<double>(const ModelConfig&, const ModelParams<double>&, ModelParams<double>&,
                                              const SequenceBatch&, Mat<double>&, EncoderPass<double>&);

}  // namespace rnnscope
