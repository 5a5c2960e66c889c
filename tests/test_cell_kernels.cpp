// The cells' fused float kernels (cell_kernels.cpp, one pass per column) against the Eigen
// expressions the double kernels still run, on the dispatched instruction set (the one
// training uses here) and on the baseline SSE2 copy: every op, hidden sizes that are and are
// not a whole number of packets (the scalar tail), and blocks inside wider buffers (a batch
// slice), whose neighbouring rows and columns must stay untouched.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "model/cell_kernels.h"

namespace rnnscope::cell_kernels {
namespace {

// A column-major (rows, cols) block at row/column offset 1 inside a buffer with two spare rows
// and columns, so that writes outside the block show up.
template <class S>
struct Buffer {
  long rows, cols, ld;
  std::vector<S> data;
  Buffer(long r, long c, std::mt19937& rng, double lo, double hi)
      : rows(r), cols(c), ld(r + 2), data(static_cast<std::size_t>((r + 2) * (c + 2))) {
    std::uniform_real_distribution<double> u(lo, hi);
    for (S& x : data) x = static_cast<S>(u(rng));
  }
  template <class T>
  explicit Buffer(const Buffer<T>& other) : rows(other.rows), cols(other.cols), ld(other.ld) {
    data.assign(other.data.begin(), other.data.end());
  }
  Block<S> block() { return {data.data() + 1 + ld, ld}; }
  Block<const S> cblock() const { return {data.data() + 1 + ld, ld}; }
};

// The inputs of one op, in float; the double copy is made from the same values.
struct Case {
  long H, B;
  CellOp op;
};

std::string Name(CellOp op) {
  switch (op) {
    case CellOp::kLstmForward: return "lstm forward";
    case CellOp::kLstmBackward: return "lstm backward";
    case CellOp::kGruForward: return "gru forward";
    case CellOp::kGruBackward: return "gru backward";
    case CellOp::kTanhForward: return "tanh forward";
    case CellOp::kTanhBackward: return "tanh backward";
    case CellOp::kReluForward: return "relu forward";
    case CellOp::kReluBackward: return "relu backward";
  }
  return "?";
}

// Every buffer an op may read or write, with its shape for this op.
template <class S>
struct Operands {
  Buffer<S> gates, h_prev, c_prev, h, c, aux, saved_gates, saved_c, saved_aux, dh, dc, d_ih,
      d_hh, dh_direct;
  std::vector<S> b_hh;

  Operands(long G, long H, long B, std::mt19937& rng)
      : gates(G * H, B, rng, -3, 3),
        h_prev(H, B, rng, -1, 1),
        c_prev(H, B, rng, -2, 2),
        h(H, B, rng, -1, 1),
        c(H, B, rng, -2, 2),
        aux(H, B, rng, -1, 1),
        saved_gates(G * H, B, rng, 0.01, 0.99),  // activations: logistic/tanh outputs
        saved_c(H, B, rng, -2, 2),
        saved_aux(H, B, rng, -1, 1),
        dh(H, B, rng, -1, 1),
        dc(H, B, rng, -1, 1),
        d_ih(G * H, B, rng, -1, 1),
        d_hh(G * H, B, rng, -1, 1),
        dh_direct(H, B, rng, -1, 1) {
    std::uniform_real_distribution<double> u(-0.5, 0.5);
    for (long i = 0; i < G * H; ++i) b_hh.push_back(static_cast<S>(u(rng)));
  }
  template <class T>
  explicit Operands(const Operands<T>& o)
      : gates(o.gates), h_prev(o.h_prev), c_prev(o.c_prev), h(o.h), c(o.c), aux(o.aux),
        saved_gates(o.saved_gates), saved_c(o.saved_c), saved_aux(o.saved_aux),
        dh(o.dh), dc(o.dc), d_ih(o.d_ih), d_hh(o.d_hh), dh_direct(o.dh_direct),
        b_hh(o.b_hh.begin(), o.b_hh.end()) {}

  StepArgs<S> Args(long H, long B) {
    StepArgs<S> a;
    a.H = H;
    a.B = B;
    a.gates = gates.block();
    a.b_hh = b_hh.data();
    a.h_prev = h_prev.cblock();
    a.c_prev = c_prev.cblock();
    a.h = h.block();
    a.c = c.block();
    a.aux = aux.block();
    a.saved_gates = saved_gates.cblock();
    a.saved_c = saved_c.cblock();
    a.saved_aux = saved_aux.cblock();
    a.dh = dh.block();
    a.dc = dc.block();
    a.d_ih = d_ih.block();
    a.d_hh = d_hh.block();
    a.dh_direct = dh_direct.block();
    return a;
  }
  std::vector<const Buffer<S>*> Outputs() const {
    return {&gates, &h, &c, &aux, &dh, &dc, &d_ih, &d_hh, &dh_direct};
  }
};

long Gates(CellOp op) {
  switch (op) {
    case CellOp::kLstmForward:
    case CellOp::kLstmBackward: return 4;
    case CellOp::kGruForward:
    case CellOp::kGruBackward: return 3;
    default: return 1;
  }
}

// Largest |float − double| / (1 + |double|) over every output buffer, padding included (where
// both must still hold the identical starting values).
void ExpectAgree(void (*run)(CellOp, StepArgs<float>&), const Case& k, const char* isa) {
  std::mt19937 rng(static_cast<unsigned>(k.H * 131 + k.B * 7 + static_cast<int>(k.op)));
  const long G = Gates(k.op);
  Operands<float> f(G, k.H, k.B, rng);
  Operands<double> d(f);
  const Operands<float> before(f);
  StepArgs<float> fa = f.Args(k.H, k.B);
  StepArgs<double> da = d.Args(k.H, k.B);
  run(k.op, fa);
  RunBaseline(k.op, da);  // double: the Eigen expressions
  const auto fo = f.Outputs();
  const auto dout = d.Outputs();
  const auto bo = before.Outputs();
  double worst = 0;
  bool changed = false;
  for (std::size_t n = 0; n < fo.size(); ++n) {
    const Buffer<float>& x = *fo[n];
    for (std::size_t i = 0; i < x.data.size(); ++i) {
      const double want = dout[n]->data[i];
      worst = std::max(worst, std::abs(x.data[i] - want) / (1 + std::abs(want)));
      changed |= x.data[i] != bo[n]->data[i];
      const long row = static_cast<long>(i) % x.ld, col = static_cast<long>(i) / x.ld;
      if (row == 0 || row > x.rows || col == 0 || col > x.cols)
        ASSERT_EQ(x.data[i], bo[n]->data[i]) << isa << " " << Name(k.op) << ": wrote outside the block";
    }
  }
  EXPECT_TRUE(changed) << isa << " " << Name(k.op) << " wrote nothing";
  EXPECT_LT(worst, 2e-6) << isa << " " << Name(k.op) << " H=" << k.H << " B=" << k.B;
  if (k.op == CellOp::kLstmBackward)
    EXPECT_NEAR(fa.dc_norm, da.dc_norm, 1e-5 * (1 + da.dc_norm)) << isa << " H=" << k.H;
}

TEST(CellKernels, FloatMatchesTheDoubleExpressionsForEveryOpAndShape) {
  const CellOp ops[] = {CellOp::kLstmForward, CellOp::kLstmBackward, CellOp::kGruForward,
                        CellOp::kGruBackward, CellOp::kTanhForward,  CellOp::kTanhBackward,
                        CellOp::kReluForward, CellOp::kReluBackward};
  // 1, 5, 19: smaller than / not a multiple of any packet (4, 8, 16 floats); 64: whole packets.
  for (long H : {1L, 5L, 19L, 64L})
    for (long B : {1L, 3L})
      for (CellOp op : ops) {
        ExpectAgree(&cell_kernels::Run, {H, B, op}, "dispatched");
        ExpectAgree(&cell_kernels::RunBaseline, {H, B, op}, "baseline");
      }
}

TEST(CellKernels, LstmForwardSaturatesLikeTheFormula) {
  // Large pre-activations: gates at 0/1, tanh at ±1, and nothing becomes NaN.
  const long H = 9, B = 2;
  std::mt19937 rng(3);
  Operands<float> f(4, H, B, rng);
  for (std::size_t i = 0; i < f.gates.data.size(); ++i) f.gates.data[i] = (i % 2 ? 1 : -1) * 500.0f;
  StepArgs<float> a = f.Args(H, B);
  cell_kernels::Run(CellOp::kLstmForward, a);
  for (long j = 0; j < B; ++j)
    for (long r = 0; r < 4 * H; ++r) {
      const float g = a.gates.p[r + j * a.gates.ld];
      ASSERT_TRUE(std::isfinite(g));
      if (r >= 2 * H && r < 3 * H) EXPECT_EQ(std::abs(g), 1.0f);  // tanh
      else EXPECT_TRUE(g == 0.0f || g == 1.0f || std::abs(g) < 1e-30f) << g;
    }
}

// Every float op gives bit-identical results wherever its blocks sit: the same inputs copied
// into buffers shifted by 0..15 floats. (A resumed run reproduces the one it continues only if
// rounding does not depend on addresses; Eigen's expressions peel unaligned heads with scalar
// code that rounds differently.)
TEST(CellKernels, FloatResultsDoNotDependOnAddresses) {
  const long H = 37, B = 2;
  const CellOp ops[] = {CellOp::kLstmForward, CellOp::kLstmBackward, CellOp::kGruForward,
                        CellOp::kGruBackward, CellOp::kTanhForward,  CellOp::kTanhBackward,
                        CellOp::kReluForward, CellOp::kReluBackward};
  for (CellOp op : ops) {
    std::mt19937 rng(5);
    const Operands<float> base(Gates(op), H, B, rng);
    std::vector<std::vector<float>> first;
    for (long shift = 0; shift < 16; ++shift) {
      // Each buffer's data copied to `shift` floats past the start of a larger allocation.
      Operands<float> o(base);
      std::vector<std::vector<float>> storage;
      auto moved = [&](Buffer<float>& b) {
        storage.emplace_back(b.data.size() + 16);
        std::copy(b.data.begin(), b.data.end(), storage.back().begin() + shift);
        return storage.back().data() + shift + 1 + b.ld;  // the block's (0, 0)
      };
      StepArgs<float> a = o.Args(H, B);
      storage.reserve(16);
      a.gates.p = moved(o.gates);
      a.h_prev.p = moved(o.h_prev);
      a.c_prev.p = moved(o.c_prev);
      a.h.p = moved(o.h);
      a.c.p = moved(o.c);
      a.aux.p = moved(o.aux);
      a.saved_gates.p = moved(o.saved_gates);
      a.saved_c.p = moved(o.saved_c);
      a.saved_aux.p = moved(o.saved_aux);
      a.dh.p = moved(o.dh);
      a.dc.p = moved(o.dc);
      a.d_ih.p = moved(o.d_ih);
      a.d_hh.p = moved(o.d_hh);
      a.dh_direct.p = moved(o.dh_direct);
      cell_kernels::Run(op, a);
      std::vector<std::vector<float>> outputs;
      for (const std::vector<float>& s : storage)
        outputs.emplace_back(s.begin() + shift, s.end() - (16 - shift));
      if (shift == 0) first = outputs;
      else ASSERT_EQ(outputs, first) << Name(op) << " shifted by " << shift << " floats";
    }
  }
}

}  // namespace
}  // namespace rnnscope::cell_kernels
