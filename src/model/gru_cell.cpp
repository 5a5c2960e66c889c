// GRU, PyTorch's parameterisation (gate order r, z, n):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h
#include "model/cell.h"
#include "model/gemm.h"

namespace rnnscope {

template <class S>
void GruCell<S>::Forward(const LayerParams<S>& p, ConstMatRef<S> h_prev, ConstMatRef<S> /*c_prev*/,
                         MatRef<S> gates, MatRef<S> aux, MatRef<S> h, MatRef<S> /*c*/,
                         const PackedLhs<S>* w_hh_packed) {
  const Eigen::Index H = h.rows();
  // The n rows need W_hn h + b_hn on its own (r scales it), so move W_in x + b_in out of them
  // into aux and start them at b_hn: the GEMM then adds W_hh h_{t-1} to all 3H rows in place
  // (beta = 1), as for the LSTM, instead of writing a zeroed (3H, B) workspace first.
  aux = gates.bottomRows(H);                                  // (H, B) W_in x + b_in
  gates.bottomRows(H).colwise() = p.b_hh.bottomRows(H).col(0);  // (H, B) b_hn
  RecurrentProduct<S>(p, w_hh_packed, h_prev, gates, S(1));   // (3H, B) += (3H, H)(H, B)
  cell_kernels::StepArgs<S> k;  // cell_kernels.cpp GruForward
  k.H = H;
  k.B = h.cols();
  k.gates = KernelBlock<S>(gates);
  k.b_hh = p.b_hh.data();
  k.aux = KernelBlock<S>(aux);
  k.h_prev = KernelBlock<S>(h_prev);
  k.h = KernelBlock<S>(h);
  cell_kernels::Run(cell_kernels::CellOp::kGruForward, k);
}

template <class S>
void GruCell<S>::Backward(const LayerParams<S>& /*p*/, LayerParams<S>& /*grad*/,
                          ConstMatRef<S> h_prev, ConstMatRef<S> /*c_prev*/, ConstMatRef<S> gates,
                          ConstMatRef<S> aux, ConstMatRef<S> /*h*/, ConstMatRef<S> /*c*/,
                          MatRef<S> dh, MatRef<S> /*dc*/, MatRef<S> d_ih, MatRef<S> d_hh,
                          MatRef<S> dh_direct, StepNorms<S>& /*norms*/) {
  cell_kernels::StepArgs<S> k;  // cell_kernels.cpp GruBackward
  k.H = dh.rows();
  k.B = dh.cols();
  k.saved_gates = KernelBlock<S>(gates);
  k.saved_aux = KernelBlock<S>(aux);
  k.h_prev = KernelBlock<S>(h_prev);
  k.dh = KernelBlock<S>(dh);
  k.d_ih = KernelBlock<S>(d_ih);
  k.d_hh = KernelBlock<S>(d_hh);
  k.dh_direct = KernelBlock<S>(dh_direct);
  cell_kernels::Run(cell_kernels::CellOp::kGruBackward, k);
}

template struct GruCell<float>;
template struct GruCell<double>;

}  // namespace rnnscope
