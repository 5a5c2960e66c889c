// LSTM, PyTorch's parameterisation (gate order i, f, g, o; bias_ih + bias_hh), with optional
// peephole connections (Gers & Schmidhuber 2000): i, f see c_{t-1}; o sees c_t.
#include "model/cell.h"
#include "model/gemm.h"

namespace rnnscope {

template <class S>
void LstmCell<S>::Forward(const LayerParams<S>& p, ConstMatRef<S> h_prev, ConstMatRef<S> c_prev,
                          MatRef<S> gates, MatRef<S> /*aux*/, MatRef<S> h, MatRef<S> c,
                          const PackedLhs<S>* w_hh_packed) {
  const Eigen::Index H = h.rows();
  RecurrentProduct<S>(p, w_hh_packed, h_prev, gates, S(1));  // (4H, B) += (4H, H)(H, B)
  const bool peephole = p.w_peep.size() > 0;
  if (!peephole) {  // the same math as below, in the per-instruction-set kernel
    cell_kernels::StepArgs<S> k;
    k.H = H;
    k.B = h.cols();
    k.gates = KernelBlock<S>(gates);
    k.b_hh = p.b_hh.data();
    k.c_prev = KernelBlock<S>(c_prev);
    k.c = KernelBlock<S>(c);
    k.h = KernelBlock<S>(h);
    cell_kernels::Run(cell_kernels::CellOp::kLstmForward, k);
    return;
  }
  gates.colwise() += p.b_hh.col(0);
  auto i = gates.topRows(H).array();
  auto f = gates.middleRows(H, H).array();
  auto g = gates.middleRows(2 * H, H).array();
  auto o = gates.bottomRows(H).array();
  // Only peephole cells reach here.
  i += c_prev.array().colwise() * p.w_peep.col(0).array();
  f += c_prev.array().colwise() * p.w_peep.col(1).array();
  i = i.logistic();
  f = f.logistic();
  g = g.tanh();
  c.array() = f * c_prev.array() + i * g;  // c_t = f ⊙ c_{t-1} + i ⊙ g
  o += c.array().colwise() * p.w_peep.col(2).array();
  o = o.logistic();
  h.array() = o * c.array().tanh();  // h_t = o ⊙ tanh(c_t)
}

template <class S>
void LstmCell<S>::Backward(const LayerParams<S>& p, LayerParams<S>& grad, ConstMatRef<S> /*h_prev*/,
                           ConstMatRef<S> c_prev, ConstMatRef<S> gates, ConstMatRef<S> /*aux*/,
                           ConstMatRef<S> /*h*/, ConstMatRef<S> c, MatRef<S> dh, MatRef<S> dc,
                           MatRef<S> d_ih, MatRef<S> /*d_hh*/, MatRef<S> /*dh_direct*/,
                           StepNorms<S>& norms) {
  const Eigen::Index H = dh.rows();
  const bool peephole = p.w_peep.size() > 0;
  if (!peephole) {  // the same math as below, in the per-instruction-set kernel
    cell_kernels::StepArgs<S> k;
    k.H = H;
    k.B = dh.cols();
    k.saved_gates = KernelBlock<S>(gates);
    k.c_prev = KernelBlock<S>(c_prev);
    k.saved_c = KernelBlock<S>(c);
    k.dh = KernelBlock<S>(dh);
    k.dc = KernelBlock<S>(dc);
    k.d_ih = KernelBlock<S>(d_ih);
    cell_kernels::Run(cell_kernels::CellOp::kLstmBackward, k);
    norms.dc_norm = k.dc_norm;
    return;
  }
  auto i = gates.topRows(H).array();
  auto f = gates.middleRows(H, H).array();
  auto g = gates.middleRows(2 * H, H).array();
  auto o = gates.bottomRows(H).array();
  auto di = d_ih.topRows(H).array();
  auto df = d_ih.middleRows(H, H).array();
  auto dg = d_ih.middleRows(2 * H, H).array();
  auto d_o = d_ih.bottomRows(H).array();
  // tanh(c_t) is recomputed rather than cached: one transcendental per unit is cheaper than the
  // memory traffic of another (H, T*B) cache.
  dg = c.array().tanh();                                 // dg used as scratch for tanh(c_t)
  d_o = dh.array() * dg * o * (1 - o);                   // ∂L/∂o_pre
  dc.array() += dh.array() * o * (1 - dg.square());      // dc_t = dc_{t+1→t} + dh ⊙ o ⊙ tanh'(c)
  // Only peephole cells reach here.
  dc.array() += d_o.colwise() * p.w_peep.col(2).array();
  grad.w_peep.col(2) += (d_o * c.array()).matrix().rowwise().sum();
  norms.dc_norm = dc.norm();
  di = dc.array() * g * i * (1 - i);                     // ∂L/∂i_pre
  df = dc.array() * c_prev.array() * f * (1 - f);        // ∂L/∂f_pre
  dg = dc.array() * i * (1 - g.square());                // ∂L/∂g_pre
  dc.array() *= f;                                       // dc_{t-1} = dc_t ⊙ f
  dc.array() += di.colwise() * p.w_peep.col(0).array() + df.colwise() * p.w_peep.col(1).array();
  grad.w_peep.col(0) += (di * c_prev.array()).matrix().rowwise().sum();
  grad.w_peep.col(1) += (df * c_prev.array()).matrix().rowwise().sum();
}

template struct LstmCell<float>;
template struct LstmCell<double>;

}  // namespace rnnscope
