#include "model/rnn_model.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "model/gemm.h"
#include "model/softmax_kernel.h"
#include "model/softmax_loss.h"

namespace rnnscope {

template <class S>
RnnModel<S>::RnnModel(const ModelConfig& config, uint64_t seed) : config_(config) {
  config_.Validate();
  params.InitRandom(config_, seed);
  grads.Allocate(config_);
}

template <class S>
void RnnModel<S>::SoftmaxCrossEntropy(const Mat<S>& logits, const std::vector<int32_t>& targets,
                                      Mat<S>& probs, S& loss, int& counted) {
  probs.resize(logits.rows(), logits.cols());
  // One pass per column in the per-instruction-set kernel; scratch rows reused by the thread.
  thread_local Eigen::Array<S, 1, Eigen::Dynamic> max, sum;
  max.resize(logits.cols());
  sum.resize(logits.cols());
  const softmax_kernel::SoftmaxArgs<S> args{logits.data(), logits.outerStride(), probs.data(),
                                             probs.outerStride(), logits.rows(), logits.cols(),
                                             max.data(), sum.data()};
  softmax_kernel::Softmax(args);
  double total = 0;
  counted = 0;
  for (Eigen::Index j = 0; j < logits.cols(); ++j) {
    const int32_t target = targets[static_cast<std::size_t>(j)];
    if (target >= 0) {
      total += static_cast<double>(std::log(sum(j)) - (logits(target, j) - max(j)));
      ++counted;
    }
  }
  loss = counted > 0 ? static_cast<S>(total / counted) : S(0);
}

template <class S>
S RnnModel<S>::Forward(const TokenBatch& batch, const RecurrentState<S>* init,
                       ForwardPass<S>& pass, const DropoutMasks<S>* dropout) const {
  const ModelConfig& c = config_;
  const int T = batch.T, B = batch.B, D = c.Directions();
  const Eigen::Index TB = static_cast<Eigen::Index>(T) * B;
  if (T <= 0 || B <= 0 || batch.input.size() != static_cast<std::size_t>(TB) ||
      batch.target.size() != static_cast<std::size_t>(TB))
    throw ShapeError("batch of " + std::to_string(batch.input.size()) + " tokens does not match T=" +
                     std::to_string(T) + " × B=" + std::to_string(B));
  for (int32_t id : batch.input)
    if (id < 0 || id >= c.vocab)
      throw ShapeError("token id " + std::to_string(id) + " outside the vocabulary [0, " +
                       std::to_string(c.vocab) + ")");
  for (int32_t id : batch.target)
    if (id >= c.Classes())
      throw ShapeError("target id " + std::to_string(id) + " outside the output classes [0, " +
                       std::to_string(c.Classes()) + ")");
  pass.T = T;
  pass.B = B;
  pass.layers.resize(static_cast<std::size_t>(c.layers * D));
  pass.outputs.resize(static_cast<std::size_t>(c.layers));
  pass.dropout = dropout;
  if (dropout) CheckDropoutMasks(*dropout, c, TB);

  LayerInput<S> input;
  if (c.embed > 0) {
    pass.embedded.resize(c.embed, TB);
    for (Eigen::Index j = 0; j < TB; ++j)
      pass.embedded.col(j) = params.embedding.row(batch.input[static_cast<std::size_t>(j)]).transpose();
    // The layer reads (and its backward sees) the dropped embedding.
    if (dropout && dropout->embedding.size() > 0) pass.embedded.array() *= dropout->embedding.array();
    input.dense = &pass.embedded;
  } else {
    input.tokens = batch.input;
  }
  for (int l = 0; l < c.layers; ++l) {
    Mat<S>& out = pass.outputs[static_cast<std::size_t>(l)];
    // The next layer's input needs a matrix; the top layer's single direction is read in place.
    const bool in_place = l == c.layers - 1 && D == 1;
    if (in_place) out.resize(0, 0);
    else out.resize(c.OutputSize(), TB);
    for (int d = 0; d < D; ++d) {
      const std::size_t k = static_cast<std::size_t>(l * D + d);
      const Mat<S>* h0 = init && !init->h.empty() ? &init->h[k] : nullptr;
      const Mat<S>* c0 = init && !init->c.empty() ? &init->c[k] : nullptr;
      LayerForward<S>(c.cell, params.rnn[k], input, T, B, d == 1, h0, c0, pass.layers[k]);
      if (!in_place) out.middleRows(static_cast<Eigen::Index>(d) * c.hidden, c.hidden) = pass.layers[k].Outputs();
    }
    // nn.LSTM(dropout=p): the next layer reads this layer's output dropped; the layer's own
    // states (views, final state, the top output) stay undropped.
    if (const Mat<S>* mask = dropout ? dropout->Between(l + 1) : nullptr) out.array() *= mask->array();
    input = LayerInput<S>{&out, {}};
  }
  if (dropout && dropout->output.size() > 0) pass.dropped_top = pass.TopOutput().array() * dropout->output.array();
  pass.logits.resize(c.Classes(), TB);
  Gemm<S>(pass.logits, params.fc_w, false, pass.FcInput(), false, S(1), S(0));  // (K, T*B) = (K, D*H)(D*H, T*B)
  pass.logits.colwise() += params.fc_b.col(0);
  SoftmaxCrossEntropy(pass.logits, batch.target, pass.probs, pass.loss, pass.counted);
  return pass.loss;
}

template <class S>
void RnnModel<S>::Backward(const TokenBatch& batch, ForwardPass<S>& pass, Mat<S>* d_embedded) {
  const ModelConfig& c = config_;
  const int D = c.Directions();
  const Eigen::Index TB = static_cast<Eigen::Index>(pass.T) * pass.B;
  // ∂L/∂logits = (softmax − onehot(target)) / counted; ignored positions contribute nothing.
  MaskedSoftmaxCrossEntropyGrad(pass.probs, batch.target, pass.counted, pass.d_logits);
  // ∂L/∂W_fc = d_logits · outputsᵀ, computed transposed: the GEMM packs its right operand
  // across the contraction (T·B) dimension, which is slow for a transposed operand, and
  // d_logitsᵀ (TB, V) is a quarter the size of outputsᵀ (TB, D*H) at V = 65, H = 256.
  thread_local Mat<S> d_fc_w_t;
  d_fc_w_t.resize(params.fc_w.cols(), params.fc_w.rows());
  Gemm<S>(d_fc_w_t, pass.FcInput(), false, pass.d_logits, true, S(1), S(0));  // (D*H, V) = (D*H, TB)(TB, V)
  grads.fc_w += d_fc_w_t.transpose();
  // Σ over T·B columns, column by column (rowwise().sum() strides through the column-major matrix).
  for (Eigen::Index j = 0; j < TB; ++j) grads.fc_b.col(0) += pass.d_logits.col(j);
  pass.d_out.resize(params.fc_w.cols(), TB);
  Gemm<S>(pass.d_out, params.fc_w, true, pass.d_logits, false, S(1), S(0));  // (D*H, T*B)
  const DropoutMasks<S>* dropout = pass.dropout;
  if (dropout && dropout->output.size() > 0) pass.d_out.array() *= dropout->output.array();

  pass.d_dir.resize(static_cast<std::size_t>(D));
  pass.d_x_dir.resize(static_cast<std::size_t>(D));
  for (int l = c.layers - 1; l >= 0; --l) {
    LayerInput<S> input;
    if (l > 0) input.dense = &pass.outputs[static_cast<std::size_t>(l - 1)];
    else if (c.embed > 0) input.dense = &pass.embedded;
    else input.tokens = batch.input;
    const bool need_dx = l > 0 || (c.embed > 0);
    for (int d = 0; d < D; ++d) {
      const std::size_t k = static_cast<std::size_t>(l * D + d);
      // One direction: ∂L/∂h is d_out itself; two: each direction's rows, copied out.
      const Mat<S>* dy = &pass.d_out;
      if (D > 1) {
        pass.d_dir[static_cast<std::size_t>(d)] =
            pass.d_out.middleRows(static_cast<Eigen::Index>(d) * c.hidden, c.hidden);
        dy = &pass.d_dir[static_cast<std::size_t>(d)];
      }
      LayerBackward<S>(c.cell, params.rnn[k], grads.rnn[k], input, dy, nullptr, nullptr,
                    pass.layers[k], need_dx ? &pass.d_x_dir[static_cast<std::size_t>(d)] : nullptr,
                    nullptr, nullptr);
    }
    if (!need_dx) break;
    pass.d_in = pass.d_x_dir[0];
    for (int d = 1; d < D; ++d) pass.d_in += pass.d_x_dir[static_cast<std::size_t>(d)];
    if (l > 0) {
      // ∂L/∂(layer l−1's output) = mask ⊙ ∂L/∂(what layer l read).
      if (const Mat<S>* mask = dropout ? dropout->Between(l) : nullptr) pass.d_in.array() *= mask->array();
      pass.d_out.swap(pass.d_in);
    }
  }
  if (c.embed > 0) {
    if (dropout && dropout->embedding.size() > 0) pass.d_in.array() *= dropout->embedding.array();
    // pass.d_in holds ∂L/∂embedded (E, T*B); scatter into the embedding rows.
    for (Eigen::Index j = 0; j < TB; ++j)
      grads.embedding.row(batch.input[static_cast<std::size_t>(j)]) += pass.d_in.col(j).transpose();
    if (d_embedded) *d_embedded = pass.d_in;
  }
}

template <class S>
void RnnModel<S>::FinalState(const ForwardPass<S>& pass, RecurrentState<S>& out) const {
  const std::size_t n = pass.layers.size();
  out.h.resize(n);
  out.c.resize(HasCellState(config_.cell) ? n : 0);
  for (std::size_t k = 0; k < n; ++k) {
    const LayerCache<S>& cache = pass.layers[k];
    out.h[k] = cache.h.middleCols(cache.FinalCol(), cache.B);
    if (!out.c.empty()) out.c[k] = cache.c.middleCols(cache.FinalCol(), cache.B);
  }
}

template class RnnModel<float>;
template class RnnModel<double>;

}  // namespace rnnscope
