// One copy of the cells' elementwise math per instruction set (see cell_kernels.h), built like
// gemm_kernel.cpp: as part of rnnscope_core (baseline) and again with -march=x86-64-v3 / -v4
// and RNNSCOPE_GEMM_VARIANT=V3 / V4, each inside its own renamed Eigen namespace.
#ifndef RNNSCOPE_GEMM_VARIANT
#define RNNSCOPE_GEMM_VARIANT Baseline
#define RNNSCOPE_CELL_DISPATCHER  // the baseline copy also holds the dispatcher
#endif
#define RNNSCOPE_CAT2(a, b) a##b
#define RNNSCOPE_CAT(a, b) RNNSCOPE_CAT2(a, b)
#ifndef RNNSCOPE_CELL_DISPATCHER
#define Eigen RNNSCOPE_CAT(rnnscope_eigen_, RNNSCOPE_GEMM_VARIANT)
#endif
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#include <cmath>

#include "model/cell_kernels.h"

namespace rnnscope::cell_kernels {
namespace {

template <class S>
using Arr = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S>
using MapA = Eigen::Map<Arr<S>, 0, Eigen::OuterStride<>>;
template <class S>
using CMapA = Eigen::Map<const Arr<S>, 0, Eigen::OuterStride<>>;

template <class S>
MapA<S> View(Block<S> b, long rows, long cols) {
  return MapA<S>(b.p, rows, cols, Eigen::OuterStride<>(b.ld));
}
template <class S>
CMapA<S> View(Block<const S> b, long rows, long cols) {
  return CMapA<S>(b.p, rows, cols, Eigen::OuterStride<>(b.ld));
}

template <class S>
void LstmForward(StepArgs<S>& a) {
  const long H = a.H, B = a.B;
  auto gates = View(a.gates, 4 * H, B);
  gates.colwise() += Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>>(a.b_hh, 4 * H);
  auto c_prev = View(a.c_prev, H, B);
  auto c = View(a.c, H, B);
  auto if_gates = gates.topRows(2 * H);
  if_gates = if_gates.logistic();  // i, f
  auto i = gates.topRows(H);
  auto f = gates.middleRows(H, H);
  auto g = gates.middleRows(2 * H, H);
  auto o = gates.bottomRows(H);
  g = g.tanh();
  c = f * c_prev + i * g;  // c_t = f ⊙ c_{t-1} + i ⊙ g
  o = o.logistic();
  View(a.h, H, B) = o * c.tanh();  // h_t = o ⊙ tanh(c_t)
}

template <class S>
void LstmBackward(StepArgs<S>& a) {
  const long H = a.H, B = a.B;
  auto gates = View(a.saved_gates, 4 * H, B);
  auto d_ih = View(a.d_ih, 4 * H, B);
  auto dh = View(a.dh, H, B);
  auto dc = View(a.dc, H, B);
  auto c_prev = View(a.c_prev, H, B);
  auto c = View(a.saved_c, H, B);
  auto i = gates.topRows(H);
  auto f = gates.middleRows(H, H);
  auto g = gates.middleRows(2 * H, H);
  auto o = gates.bottomRows(H);
  auto di = d_ih.topRows(H);
  auto df = d_ih.middleRows(H, H);
  auto dg = d_ih.middleRows(2 * H, H);
  auto d_o = d_ih.bottomRows(H);
  dg = c.tanh();                       // scratch: tanh(c_t), recomputed (cheaper than caching)
  d_o = dh * dg * o * (1 - o);         // ∂L/∂o_pre
  dc += dh * o * (1 - dg.square());    // dc_t = dc_{t+1→t} + dh ⊙ o ⊙ tanh'(c)
  a.dc_norm = static_cast<S>(std::sqrt(dc.square().sum()));
  di = dc * g * i * (1 - i);           // ∂L/∂i_pre
  df = dc * c_prev * f * (1 - f);      // ∂L/∂f_pre
  dg = dc * i * (1 - g.square());      // ∂L/∂g_pre
  dc *= f;                             // dc_{t-1} = dc_t ⊙ f
}

template <class S>
void GruForward(StepArgs<S>& a) {
  const long H = a.H, B = a.B;
  auto scratch = View(a.scratch, 3 * H, B);  // in: W_hh h_{t-1}
  auto gates = View(a.gates, 3 * H, B);
  scratch.colwise() += Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>>(a.b_hh, 3 * H);
  auto rz = gates.topRows(2 * H);
  rz = (rz + scratch.topRows(2 * H)).logistic();
  auto aux = View(a.aux, H, B);
  aux = scratch.bottomRows(H);  // W_hn h + b_hn, kept for backward
  auto r = gates.topRows(H);
  auto z = gates.middleRows(H, H);
  auto n = gates.bottomRows(H);
  n = (n + r * aux).tanh();
  View(a.h, H, B) = (1 - z) * n + z * View(a.h_prev, H, B);
}

template <class S>
void GruBackward(StepArgs<S>& a) {
  const long H = a.H, B = a.B;
  auto gates = View(a.saved_gates, 3 * H, B);
  auto aux = View(a.saved_aux, H, B);
  auto h_prev = View(a.h_prev, H, B);
  auto dh = View(a.dh, H, B);
  auto d_ih = View(a.d_ih, 3 * H, B);
  auto d_hh = View(a.d_hh, 3 * H, B);
  auto r = gates.topRows(H);
  auto z = gates.middleRows(H, H);
  auto n = gates.bottomRows(H);
  auto dr = d_ih.topRows(H);
  auto dz = d_ih.middleRows(H, H);
  auto dn = d_ih.bottomRows(H);
  dn = dh * (1 - z) * (1 - n.square());          // ∂L/∂n_pre
  dz = dh * (h_prev - n) * z * (1 - z);          // ∂L/∂z_pre
  dr = dn * aux * r * (1 - r);                   // ∂L/∂r_pre
  d_hh.topRows(2 * H) = d_ih.topRows(2 * H);
  d_hh.bottomRows(H) = dn * r;                   // ∂L/∂(W_hn h + b_hn)
  View(a.dh_direct, H, B) = dh * z;              // h' depends on h via z ⊙ h
}

template <class S, bool kRelu>
void ElmanForward(StepArgs<S>& a) {
  const long H = a.H, B = a.B;
  auto gates = View(a.gates, H, B);
  gates.colwise() += Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>>(a.b_hh, H);
  if constexpr (kRelu) gates = gates.max(S(0));
  else gates = gates.tanh();
  View(a.h, H, B) = gates;
}

template <class S, bool kRelu>
void ElmanBackward(StepArgs<S>& a) {
  const long H = a.H, B = a.B;
  auto gates = View(a.saved_gates, H, B);
  auto dh = View(a.dh, H, B);
  if constexpr (kRelu) View(a.d_ih, H, B) = (gates > S(0)).select(dh, S(0));
  else View(a.d_ih, H, B) = dh * (1 - gates.square());
}

template <class S>
void RunOp(CellOp op, StepArgs<S>& a) {
  switch (op) {
    case CellOp::kLstmForward: LstmForward(a); break;
    case CellOp::kLstmBackward: LstmBackward(a); break;
    case CellOp::kGruForward: GruForward(a); break;
    case CellOp::kGruBackward: GruBackward(a); break;
    case CellOp::kTanhForward: ElmanForward<S, false>(a); break;
    case CellOp::kTanhBackward: ElmanBackward<S, false>(a); break;
    case CellOp::kReluForward: ElmanForward<S, true>(a); break;
    case CellOp::kReluBackward: ElmanBackward<S, true>(a); break;
  }
}

}  // namespace

void RNNSCOPE_CAT(Run, RNNSCOPE_GEMM_VARIANT)(CellOp op, StepArgs<float>& args) { RunOp(op, args); }
void RNNSCOPE_CAT(Run, RNNSCOPE_GEMM_VARIANT)(CellOp op, StepArgs<double>& args) { RunOp(op, args); }

}  // namespace rnnscope::cell_kernels

#ifdef RNNSCOPE_CELL_DISPATCHER
#include "model/gemm.h"

namespace rnnscope::cell_kernels {
namespace {

template <class S>
using Fn = void (*)(CellOp, StepArgs<S>&);

template <class S>
Fn<S> Pick() {
  switch (GemmIsa()) {  // the same instruction-set choice (and RNNSCOPE_SIMD cap) as the GEMM
#ifdef RNNSCOPE_GEMM_DISPATCH
    case SimdLevel::kAvx512: return &RunV4;
    case SimdLevel::kAvx2: return &RunV3;
#else
    case SimdLevel::kAvx512:
    case SimdLevel::kAvx2:
#endif
    case SimdLevel::kBaseline: break;
  }
  return &RunBaseline;
}

}  // namespace

void Run(CellOp op, StepArgs<float>& args) {
  static const Fn<float> fn = Pick<float>();
  fn(op, args);
}
void Run(CellOp op, StepArgs<double>& args) {
  static const Fn<double> fn = Pick<double>();
  fn(op, args);
}

}  // namespace rnnscope::cell_kernels
#endif
