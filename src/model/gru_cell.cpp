// GRU, PyTorch's parameterisation (gate order r, z, n):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h
#include "model/cell.h"
#include "model/gemm.h"

namespace rnnscope {

template <class S>
void GruCell<S>::Forward(const LayerParams<S>& p, ConstMatRef<S> h_prev, ConstMatRef<S> /*c_prev*/,
                         MatRef<S> gates, MatRef<S> aux, MatRef<S> h, MatRef<S> /*c*/,
                         MatRef<S> scratch, const PackedLhs<S>* w_hh_packed) {
  const Eigen::Index H = h.rows();
  RecurrentProduct<S>(p, w_hh_packed, h_prev, scratch, S(0));  // (3H, B) = (3H, H)(H, B)
  scratch.colwise() += p.b_hh.col(0);
  gates.topRows(2 * H) += scratch.topRows(2 * H);
  auto rz = gates.topRows(2 * H).array();
  rz = rz.logistic();
  aux = scratch.bottomRows(H);  // W_hn h + b_hn, kept for backward
  auto r = gates.topRows(H).array();
  auto z = gates.middleRows(H, H).array();
  auto n = gates.bottomRows(H).array();
  n = (n + r * aux.array()).tanh();
  h.array() = (1 - z) * n + z * h_prev.array();
}

template <class S>
void GruCell<S>::Backward(const LayerParams<S>& /*p*/, LayerParams<S>& /*grad*/,
                          ConstMatRef<S> h_prev, ConstMatRef<S> /*c_prev*/, ConstMatRef<S> gates,
                          ConstMatRef<S> aux, ConstMatRef<S> /*h*/, ConstMatRef<S> /*c*/,
                          MatRef<S> dh, MatRef<S> /*dc*/, MatRef<S> d_ih, MatRef<S> d_hh,
                          MatRef<S> dh_direct, StepNorms<S>& /*norms*/) {
  const Eigen::Index H = dh.rows();
  auto r = gates.topRows(H).array();
  auto z = gates.middleRows(H, H).array();
  auto n = gates.bottomRows(H).array();
  auto dr = d_ih.topRows(H).array();
  auto dz = d_ih.middleRows(H, H).array();
  auto dn = d_ih.bottomRows(H).array();
  dn = dh.array() * (1 - z) * (1 - n.square());                   // ∂L/∂n_pre
  dz = dh.array() * (h_prev.array() - n) * z * (1 - z);           // ∂L/∂z_pre
  dr = dn * aux.array() * r * (1 - r);                            // ∂L/∂r_pre
  d_hh.topRows(2 * H) = d_ih.topRows(2 * H);
  d_hh.bottomRows(H).array() = dn * r;                            // ∂L/∂(W_hn h + b_hn)
  dh_direct.array() = dh.array() * z;                             // h' depends on h via z ⊙ h
}

template struct GruCell<float>;
template struct GruCell<double>;

}  // namespace rnnscope
