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
#include <type_traits>

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

// ---------------------------------------------------------------- fused float kernels
// The float cells run one pass per column: for each unit, load its gates, activate, update c
// and h, store. The Eigen expressions below (kept for double, which the gradient checks use)
// make one pass per line over a (4H, B) block that does not fit in L1; for an LSTM H=256 step
// that was 6-7% of training time, about half of it memory traffic. Same functions (Eigen's
// logistic and tanh), so the results match the expressions up to FMA contraction. Packets run
// from each column's first row and the last H % kP rows as floats, so which code computes an
// element depends on H only, never on the address.
namespace fused {

using Eigen::internal::padd;
using Eigen::internal::ploadu;
using Eigen::internal::pmul;
using Eigen::internal::pset1;
using Eigen::internal::psub;
using Eigen::internal::pstoreu;
using Packet = Eigen::internal::packet_traits<float>::type;
constexpr long kP = sizeof(Packet) / sizeof(float);  // floats per packet

// The same math on a whole packet or, for the tail of a column, on one float.
template <class V>
V Logistic(const V& x) {
  return Eigen::internal::scalar_logistic_op<float>().packetOp(x);
}
inline Packet Tanh(const Packet& x) { return Eigen::internal::ptanh(x); }
inline float Tanh(float x) { return Eigen::internal::generic_fast_tanh_float(x); }
template <class V>
V Splat(float x) {
  if constexpr (std::is_same_v<V, float>) return x;
  else return pset1<V>(x);
}
template <class V>
V Load(const float* p) {
  if constexpr (std::is_same_v<V, float>) return *p;
  else return ploadu<V>(p);
}
template <class V>
void Store(float* p, const V& v) {
  if constexpr (std::is_same_v<V, float>) *p = v;
  else pstoreu(p, v);
}
template <class V>
V Add(const V& a, const V& b) { if constexpr (std::is_same_v<V, float>) return a + b; else return padd(a, b); }
template <class V>
V Sub(const V& a, const V& b) { if constexpr (std::is_same_v<V, float>) return a - b; else return psub(a, b); }
template <class V>
V Mul(const V& a, const V& b) { if constexpr (std::is_same_v<V, float>) return a * b; else return pmul(a, b); }

// Column j of a block.
template <class T>
T* Col(Block<T> b, long j) {
  return b.p + j * b.ld;
}

// Runs unit(V{}, u) for u = 0, kP, … over packets and then over the last H % kP units as floats.
template <class F>
void ForUnits(long H, const F& unit) {
  long u = 0;
  for (; u + kP <= H; u += kP) unit(Packet{}, u);
  for (; u < H; ++u) unit(0.0f, u);
}

inline void LstmForward(StepArgs<float>& a) {
  const long H = a.H;
  for (long j = 0; j < a.B; ++j) {
    float* gate = Col(a.gates, j);  // (4H) rows i, f, g, o
    const float* c_prev = Col(a.c_prev, j);
    float* c = Col(a.c, j);
    float* h = Col(a.h, j);
    ForUnits(H, [&](auto tag, long u) {
      using V = decltype(tag);
      const V i = Logistic(Add(Load<V>(gate + u), Load<V>(a.b_hh + u)));
      const V f = Logistic(Add(Load<V>(gate + H + u), Load<V>(a.b_hh + H + u)));
      const V g = Tanh(Add(Load<V>(gate + 2 * H + u), Load<V>(a.b_hh + 2 * H + u)));
      const V o = Logistic(Add(Load<V>(gate + 3 * H + u), Load<V>(a.b_hh + 3 * H + u)));
      const V cv = Add(Mul(f, Load<V>(c_prev + u)), Mul(i, g));  // c_t = f ⊙ c_{t-1} + i ⊙ g
      Store(gate + u, i);
      Store(gate + H + u, f);
      Store(gate + 2 * H + u, g);
      Store(gate + 3 * H + u, o);
      Store(c + u, cv);
      Store(h + u, Mul(o, Tanh(cv)));  // h_t = o ⊙ tanh(c_t)
    });
  }
}

inline void LstmBackward(StepArgs<float>& a) {
  const long H = a.H;
  Packet norm_packet = pset1<Packet>(0.0f);
  float norm_tail = 0;
  for (long j = 0; j < a.B; ++j) {
    const float* gate = Col(a.saved_gates, j);
    const float* c = Col(a.saved_c, j);
    const float* c_prev = Col(a.c_prev, j);
    const float* dh = Col(a.dh, j);
    float* dc = Col(a.dc, j);
    float* d = Col(a.d_ih, j);
    ForUnits(H, [&](auto tag, long u) {
      using V = decltype(tag);
      const V one = Splat<V>(1.0f);
      const V i = Load<V>(gate + u), f = Load<V>(gate + H + u), g = Load<V>(gate + 2 * H + u),
              o = Load<V>(gate + 3 * H + u);
      const V tc = Tanh(Load<V>(c + u));  // tanh(c_t), recomputed (cheaper than caching)
      const V dhv = Load<V>(dh + u);
      // dc_t = dc_{t+1→t} + dh ⊙ o ⊙ tanh'(c)
      const V dcv = Add(Load<V>(dc + u), Mul(Mul(dhv, o), Sub(one, Mul(tc, tc))));
      if constexpr (std::is_same_v<V, float>) norm_tail += dcv * dcv;
      else norm_packet = padd(norm_packet, pmul(dcv, dcv));
      Store(d + u, Mul(Mul(dcv, g), Mul(i, Sub(one, i))));                       // ∂L/∂i_pre
      Store(d + H + u, Mul(Mul(dcv, Load<V>(c_prev + u)), Mul(f, Sub(one, f))));  // ∂L/∂f_pre
      Store(d + 2 * H + u, Mul(Mul(dcv, i), Sub(one, Mul(g, g))));                // ∂L/∂g_pre
      Store(d + 3 * H + u, Mul(Mul(dhv, tc), Mul(o, Sub(one, o))));               // ∂L/∂o_pre
      Store(dc + u, Mul(dcv, f));  // dc_{t-1} = dc_t ⊙ f
    });
  }
  a.dc_norm = std::sqrt(Eigen::internal::predux(norm_packet) + norm_tail);
}

inline void GruForward(StepArgs<float>& a) {
  const long H = a.H;
  for (long j = 0; j < a.B; ++j) {
    float* gate = Col(a.gates, j);  // (3H) see kGruForward
    const float* h_prev = Col(a.h_prev, j);
    float* aux = Col(a.aux, j);
    float* h = Col(a.h, j);
    const float* b = a.b_hh;
    ForUnits(H, [&](auto tag, long u) {
      using V = decltype(tag);
      const V r = Logistic(Add(Load<V>(gate + u), Load<V>(b + u)));
      const V z = Logistic(Add(Load<V>(gate + H + u), Load<V>(b + H + u)));
      const V hn = Load<V>(gate + 2 * H + u);                 // W_hn h + b_hn
      const V n = Tanh(Add(Load<V>(aux + u), Mul(r, hn)));  // aux in: W_in x + b_in
      Store(gate + u, r);
      Store(gate + H + u, z);
      Store(gate + 2 * H + u, n);
      Store(aux + u, hn);  // kept for backward
      // h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
      Store(h + u, Add(Mul(Sub(Splat<V>(1.0f), z), n), Mul(z, Load<V>(h_prev + u))));
    });
  }
}

inline void GruBackward(StepArgs<float>& a) {
  const long H = a.H;
  for (long j = 0; j < a.B; ++j) {
    const float* gate = Col(a.saved_gates, j);
    const float* aux = Col(a.saved_aux, j);
    const float* h_prev = Col(a.h_prev, j);
    const float* dh = Col(a.dh, j);
    float* d_ih = Col(a.d_ih, j);
    float* d_hh = Col(a.d_hh, j);
    float* dh_direct = Col(a.dh_direct, j);
    ForUnits(H, [&](auto tag, long u) {
      using V = decltype(tag);
      const V one = Splat<V>(1.0f);
      const V r = Load<V>(gate + u), z = Load<V>(gate + H + u), n = Load<V>(gate + 2 * H + u);
      const V dhv = Load<V>(dh + u);
      const V dn = Mul(Mul(dhv, Sub(one, z)), Sub(one, Mul(n, n)));                    // ∂L/∂n_pre
      const V dz = Mul(Mul(dhv, Sub(Load<V>(h_prev + u), n)), Mul(z, Sub(one, z)));    // ∂L/∂z_pre
      const V dr = Mul(Mul(dn, Load<V>(aux + u)), Mul(r, Sub(one, r)));                // ∂L/∂r_pre
      Store(d_ih + u, dr);
      Store(d_ih + H + u, dz);
      Store(d_ih + 2 * H + u, dn);
      Store(d_hh + u, dr);
      Store(d_hh + H + u, dz);
      Store(d_hh + 2 * H + u, Mul(dn, r));  // ∂L/∂(W_hn h + b_hn)
      Store(dh_direct + u, Mul(dhv, z));    // h' depends on h via z ⊙ h
    });
  }
}

inline void TanhForward(StepArgs<float>& a) {
  const long H = a.H;
  for (long j = 0; j < a.B; ++j) {
    float* gate = Col(a.gates, j);
    float* h = Col(a.h, j);
    ForUnits(H, [&](auto tag, long u) {
      using V = decltype(tag);
      const V v = Tanh(Add(Load<V>(gate + u), Load<V>(a.b_hh + u)));
      Store(gate + u, v);
      Store(h + u, v);
    });
  }
}

inline void TanhBackward(StepArgs<float>& a) {
  const long H = a.H;
  for (long j = 0; j < a.B; ++j) {
    const float* h = Col(a.saved_gates, j);  // tanh output
    const float* dh = Col(a.dh, j);
    float* d = Col(a.d_ih, j);
    ForUnits(H, [&](auto tag, long u) {
      using V = decltype(tag);
      const V hv = Load<V>(h + u);
      Store(d + u, Mul(Load<V>(dh + u), Sub(Splat<V>(1.0f), Mul(hv, hv))));  // dh ⊙ (1 − h²)
    });
  }
}

inline void ReluForward(StepArgs<float>& a) {
  const long H = a.H;
  for (long j = 0; j < a.B; ++j) {
    float* gate = Col(a.gates, j);
    float* h = Col(a.h, j);
    for (long u = 0; u < H; ++u) {  // max and add are exact: plain loops vectorise the same
      const float x = gate[u] + a.b_hh[u];
      const float v = x > 0.0f ? x : 0.0f;
      gate[u] = v;
      h[u] = v;
    }
  }
}

inline void ReluBackward(StepArgs<float>& a) {
  const long H = a.H;
  for (long j = 0; j < a.B; ++j) {
    const float* h = Col(a.saved_gates, j);
    const float* dh = Col(a.dh, j);
    float* d = Col(a.d_ih, j);
    for (long u = 0; u < H; ++u) d[u] = h[u] > 0.0f ? dh[u] : 0.0f;
  }
}

}  // namespace fused

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
  auto gates = View(a.gates, 3 * H, B);
  auto rz = gates.topRows(2 * H);
  rz = (rz.colwise() + Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>>(a.b_hh, 2 * H)).logistic();
  auto aux = View(a.aux, H, B);
  auto r = gates.topRows(H);
  auto z = gates.middleRows(H, H);
  auto n = gates.bottomRows(H);
  aux.swap(n);  // aux = W_hn h + b_hn (kept for backward), n = W_in x + b_in
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

// float: every op fused. Besides the passes saved, this keeps float results independent of
// where a block sits in memory: Eigen's expressions peel unaligned heads and tails off with
// scalar code that rounds differently (no FMA contraction, libm's functions), so a resumed run,
// whose buffers land at other addresses, would not reproduce the run it continues.
void RunOp(CellOp op, StepArgs<float>& a) {
  switch (op) {
    case CellOp::kLstmForward: fused::LstmForward(a); return;
    case CellOp::kLstmBackward: fused::LstmBackward(a); return;
    case CellOp::kGruForward: fused::GruForward(a); return;
    case CellOp::kGruBackward: fused::GruBackward(a); return;
    case CellOp::kTanhForward: fused::TanhForward(a); return;
    case CellOp::kTanhBackward: fused::TanhBackward(a); return;
    case CellOp::kReluForward: fused::ReluForward(a); return;
    case CellOp::kReluBackward: fused::ReluBackward(a); return;
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
