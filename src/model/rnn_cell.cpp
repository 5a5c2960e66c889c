// Elman (tanh or relu) and Jordan cells.
#include "model/cell.h"
#include "model/gemm.h"

namespace rnnscope {

template <class S, bool kRelu>
void ElmanCell<S, kRelu>::Forward(const LayerParams<S>& p, ConstMatRef<S> h_prev,
                                  ConstMatRef<S> /*c_prev*/, MatRef<S> gates, MatRef<S> /*aux*/,
                                  MatRef<S> h, MatRef<S> /*c*/,
                                  const PackedLhs<S>* w_hh_packed) {
  RecurrentProduct<S>(p, w_hh_packed, h_prev, gates, S(1));  // (H, B) += (H, H)(H, B)
  cell_kernels::StepArgs<S> k;  // cell_kernels.cpp ElmanForward: h = act(gates + b_hh)
  k.H = h.rows();
  k.B = h.cols();
  k.gates = KernelBlock<S>(gates);
  k.b_hh = p.b_hh.data();
  k.h = KernelBlock<S>(h);
  cell_kernels::Run(kRelu ? cell_kernels::CellOp::kReluForward : cell_kernels::CellOp::kTanhForward, k);
}

template <class S, bool kRelu>
void ElmanCell<S, kRelu>::Backward(const LayerParams<S>& /*p*/, LayerParams<S>& /*grad*/,
                                   ConstMatRef<S> /*h_prev*/, ConstMatRef<S> /*c_prev*/,
                                   ConstMatRef<S> gates, ConstMatRef<S> /*aux*/,
                                   ConstMatRef<S> /*h*/, ConstMatRef<S> /*c*/, MatRef<S> dh,
                                   MatRef<S> /*dc*/, MatRef<S> d_ih, MatRef<S> /*d_hh*/,
                                   MatRef<S> /*dh_direct*/, StepNorms<S>& /*norms*/) {
  cell_kernels::StepArgs<S> k;  // cell_kernels.cpp ElmanBackward: d_ih = dh ⊙ act'
  k.H = dh.rows();
  k.B = dh.cols();
  k.saved_gates = KernelBlock<S>(gates);
  k.dh = KernelBlock<S>(dh);
  k.d_ih = KernelBlock<S>(d_ih);
  cell_kernels::Run(kRelu ? cell_kernels::CellOp::kReluBackward : cell_kernels::CellOp::kTanhBackward, k);
}

template <class S>
void JordanCell<S>::Forward(const LayerParams<S>& p, ConstMatRef<S> h_prev, ConstMatRef<S> /*c_prev*/,
                            MatRef<S> gates, MatRef<S> /*aux*/, MatRef<S> h, MatRef<S> /*c*/,
                            const PackedLhs<S>* w_hh_packed) {
  RecurrentProduct<S>(p, w_hh_packed, h_prev, gates, S(1));  // (H, B) += (H, H)(H, B): y_{t-1} feeds back
  gates.colwise() += p.b_hh.col(0);
  gates.array() = gates.array().tanh();  // u_t
  Gemm<S>(h, p.w_hy, false, gates, false, S(1), S(0));  // (H, B) = (H, H)(H, B)
  h.colwise() += p.b_hy.col(0);
  h.array() = h.array().tanh();          // y_t
}

template <class S>
void JordanCell<S>::Backward(const LayerParams<S>& p, LayerParams<S>& grad, ConstMatRef<S> /*h_prev*/,
                             ConstMatRef<S> /*c_prev*/, ConstMatRef<S> gates, ConstMatRef<S> /*aux*/,
                             ConstMatRef<S> h, ConstMatRef<S> /*c*/, MatRef<S> dh, MatRef<S> /*dc*/,
                             MatRef<S> d_ih, MatRef<S> /*d_hh*/, MatRef<S> /*dh_direct*/,
                             StepNorms<S>& /*norms*/) {
  dh.array() *= 1 - h.array().square();           // ∂L/∂(W_hy u + b_hy); dh is consumed
  Gemm<S>(grad.w_hy, dh, false, gates, true, S(1), S(1));  // (H, H) += (H, B)(B, H)
  grad.b_hy += dh.rowwise().sum();
  Gemm<S>(d_ih, p.w_hy, true, dh, false, S(1), S(0));  // ∂L/∂u_t = W_hyᵀ dh
  d_ih.array() *= 1 - gates.array().square();     // ∂L/∂u_pre
}

template struct ElmanCell<float, false>;
template struct ElmanCell<float, true>;
template struct ElmanCell<double, false>;
template struct ElmanCell<double, true>;
template struct JordanCell<float>;
template struct JordanCell<double>;

}  // namespace rnnscope
