// One timestep of each recurrent cell, forward directly above backward (docs/architecture.md §5).
//
// Every cell shares one calling convention so that RecurrentLayer (whole sequences) and the
// seq2seq decoder (one step at a time) drive them the same way. B = batch columns, H = hidden,
// G = gate blocks. Shapes per call:
//   gates   (G*H, B)  in: the input projection W_ih x_t + b_ih; out: gate activations
//                     (LSTM i,f,g,o; GRU r,z,n; Elman h_t; Jordan internal h_t)
//   aux     (H, B)    GRU: W_hn h_{t-1} + b_hn (needed by backward); unused otherwise
//   h_prev, h (H, B)  recurrent state in/out (Jordan: its output y)
//   c_prev, c (H, B)  LSTM cell state; unused otherwise
//   w_hh_packed       W_hh packed once per sequence by RecurrentLayer (model/gemm.h), or null
//                     (the seq2seq decoder, one step at a time): then W_hh is used directly
// Backward receives dh = ∂L/∂h_t (total: from above and from t+1) and dc = ∂L/∂c_t from t+1,
// and produces d_ih = ∂L/∂(W_ih x_t + b_ih), d_hh = ∂L/∂(W_hh h_{t-1} + b_hh) (the same block
// except for GRU), dh_direct = the part of ∂L/∂h_{t-1} that does not go through W_hh
// (GRU's z ⊙ dh; zero otherwise), and dc ← ∂L/∂c_{t-1}. The caller adds W_hhᵀ d_hh to dh_direct
// and accumulates dW_ih, dW_hh over all timesteps in one GEMM each.
#pragma once

#include "core/tensor.h"
#include "model/cell_kernels.h"
#include "model/gemm.h"
#include "model/params.h"

namespace rnnscope {

template <class S>
using MatRef = Eigen::Ref<Mat<S>>;
template <class S>
using ConstMatRef = const Eigen::Ref<const Mat<S>>&;

// Norms of ∂L/∂c_t for display; filled by backward when non-null.
template <class S>
struct StepNorms {
  S dc_norm = 0;
};

// A cell_kernels block from an Eigen block (model/cell_kernels.h).
template <class S>
cell_kernels::Block<S> KernelBlock(MatRef<S> m) {
  return {m.data(), static_cast<long>(m.outerStride())};
}
template <class S>
cell_kernels::Block<const S> KernelBlock(ConstMatRef<S> m) {
  return {m.data(), static_cast<long>(m.outerStride())};
}

// out = W_hh h_{t-1} + beta·out, (G*H, B) = (G*H, H)(H, B), through the packed copy when there
// is one.
template <class S>
void RecurrentProduct(const LayerParams<S>& p, const PackedLhs<S>* w_hh_packed, ConstMatRef<S> h_prev,
                      MatRef<S> out, S beta) {
  if (w_hh_packed) Gemm<S>(out, *w_hh_packed, h_prev, S(1), beta);
  else Gemm<S>(out, p.w_hh, false, h_prev, false, S(1), beta);
}

template <class S>
struct LstmCell {
  static constexpr bool kSeparateHh = false;
  static void Forward(const LayerParams<S>& p, ConstMatRef<S> h_prev, ConstMatRef<S> c_prev,
                      MatRef<S> gates, MatRef<S> aux, MatRef<S> h, MatRef<S> c,
                      const PackedLhs<S>* w_hh_packed = nullptr);
  static void Backward(const LayerParams<S>& p, LayerParams<S>& grad, ConstMatRef<S> h_prev,
                       ConstMatRef<S> c_prev, ConstMatRef<S> gates, ConstMatRef<S> aux,
                       ConstMatRef<S> h, ConstMatRef<S> c, MatRef<S> dh, MatRef<S> dc,
                       MatRef<S> d_ih, MatRef<S> d_hh, MatRef<S> dh_direct, StepNorms<S>& norms);
};

template <class S>
struct GruCell {
  static constexpr bool kSeparateHh = true;
  static void Forward(const LayerParams<S>& p, ConstMatRef<S> h_prev, ConstMatRef<S> c_prev,
                      MatRef<S> gates, MatRef<S> aux, MatRef<S> h, MatRef<S> c,
                      const PackedLhs<S>* w_hh_packed = nullptr);
  static void Backward(const LayerParams<S>& p, LayerParams<S>& grad, ConstMatRef<S> h_prev,
                       ConstMatRef<S> c_prev, ConstMatRef<S> gates, ConstMatRef<S> aux,
                       ConstMatRef<S> h, ConstMatRef<S> c, MatRef<S> dh, MatRef<S> dc,
                       MatRef<S> d_ih, MatRef<S> d_hh, MatRef<S> dh_direct, StepNorms<S>& norms);
};

// Elman: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act = tanh or relu.
template <class S, bool kRelu>
struct ElmanCell {
  static constexpr bool kSeparateHh = false;
  static void Forward(const LayerParams<S>& p, ConstMatRef<S> h_prev, ConstMatRef<S> c_prev,
                      MatRef<S> gates, MatRef<S> aux, MatRef<S> h, MatRef<S> c,
                      const PackedLhs<S>* w_hh_packed = nullptr);
  static void Backward(const LayerParams<S>& p, LayerParams<S>& grad, ConstMatRef<S> h_prev,
                       ConstMatRef<S> c_prev, ConstMatRef<S> gates, ConstMatRef<S> aux,
                       ConstMatRef<S> h, ConstMatRef<S> c, MatRef<S> dh, MatRef<S> dc,
                       MatRef<S> d_ih, MatRef<S> d_hh, MatRef<S> dh_direct, StepNorms<S>& norms);
};

// Jordan: the previous *output* feeds back instead of the hidden state:
//   u_t = tanh(W_ih x_t + b_ih + W_hh y_{t-1} + b_hh)   (stored in `gates`)
//   y_t = tanh(W_hy u_t + b_hy)                        (the state `h`, and the layer's output)
template <class S>
struct JordanCell {
  static constexpr bool kSeparateHh = false;
  static void Forward(const LayerParams<S>& p, ConstMatRef<S> h_prev, ConstMatRef<S> c_prev,
                      MatRef<S> gates, MatRef<S> aux, MatRef<S> h, MatRef<S> c,
                      const PackedLhs<S>* w_hh_packed = nullptr);
  static void Backward(const LayerParams<S>& p, LayerParams<S>& grad, ConstMatRef<S> h_prev,
                       ConstMatRef<S> c_prev, ConstMatRef<S> gates, ConstMatRef<S> aux,
                       ConstMatRef<S> h, ConstMatRef<S> c, MatRef<S> dh, MatRef<S> dc,
                       MatRef<S> d_ih, MatRef<S> d_hh, MatRef<S> dh_direct, StepNorms<S>& norms);
};

}  // namespace rnnscope
