// One copy per instruction set (see softmax_kernel.h), built like cell_kernels.cpp: as part of
// rnnscope_core (baseline) and again with -march=x86-64-v3 / -v4 and RNNSCOPE_GEMM_VARIANT=V3 /
// V4, each inside its own renamed Eigen namespace.
#ifndef RNNSCOPE_GEMM_VARIANT
#define RNNSCOPE_GEMM_VARIANT Baseline
#define RNNSCOPE_SOFTMAX_DISPATCHER  // the baseline copy also holds the dispatcher
#endif
#define RNNSCOPE_CAT2(a, b) a##b
#define RNNSCOPE_CAT(a, b) RNNSCOPE_CAT2(a, b)
#ifndef RNNSCOPE_SOFTMAX_DISPATCHER
#define Eigen RNNSCOPE_CAT(rnnscope_eigen_, RNNSCOPE_GEMM_VARIANT)
#endif
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#include "model/softmax_kernel.h"

namespace rnnscope::softmax_kernel {
namespace {

// Σ p[0..n) in an order that depends only on n. Eigen's own sum starts its packets at the first
// aligned address, so the same column at another address rounds differently, and a resumed run
// would not reproduce the loss and gradients of the run it continues.
template <class S>
S Sum(const S* p, long n) {
  using Packet = typename Eigen::internal::packet_traits<S>::type;
  constexpr long kP = sizeof(Packet) / sizeof(S);
  Packet acc = Eigen::internal::pset1<Packet>(S(0));
  long i = 0;
  for (; i + kP <= n; i += kP) acc = Eigen::internal::padd(acc, Eigen::internal::ploadu<Packet>(p + i));
  S sum = Eigen::internal::predux(acc);
  for (; i < n; ++i) sum += p[i];
  return sum;
}

// out[i] = exp(in[i] − shift) with Eigen's packet exp for every element, the last n % kP
// through a padded packet: Eigen's .exp() on an unaligned column computes its head and tail
// with libm's expf, which rounds differently, so results would depend on the address.
template <class S>
void ExpShifted(const S* in, S shift, S* out, long n) {
  using namespace Eigen::internal;
  using Packet = typename packet_traits<S>::type;
  constexpr long kP = sizeof(Packet) / sizeof(S);
  const Packet s = pset1<Packet>(shift);
  long i = 0;
  for (; i + kP <= n; i += kP) pstoreu(out + i, pexp(psub(ploadu<Packet>(in + i), s)));
  if (i < n) {
    S tail[kP];
    for (long t = 0; t < kP; ++t) tail[t] = i + t < n ? in[i + t] : shift;
    pstoreu(tail, pexp(psub(ploadu<Packet>(tail), s)));
    for (long t = 0; i + t < n; ++t) out[i + t] = tail[t];
  }
}

template <class S>
void Run(const SoftmaxArgs<S>& a) {
  using Column = Eigen::Array<S, Eigen::Dynamic, 1>;
  for (long j = 0; j < a.cols; ++j) {
    const Eigen::Map<const Column> logits(a.logits + j * a.ld_logits, a.rows);
    Eigen::Map<Column> probs(a.probs + j * a.ld_probs, a.rows);
    const S max = logits.maxCoeff();  // subtract the column's max: exp never overflows
    ExpShifted(logits.data(), max, probs.data(), a.rows);
    const S sum = Sum(probs.data(), a.rows);
    probs *= S(1) / sum;
    a.max[j] = max;
    a.sum[j] = sum;
  }
}

}  // namespace

void RNNSCOPE_CAT(Softmax, RNNSCOPE_GEMM_VARIANT)(const SoftmaxArgs<float>& args) { Run(args); }
void RNNSCOPE_CAT(Softmax, RNNSCOPE_GEMM_VARIANT)(const SoftmaxArgs<double>& args) { Run(args); }

}  // namespace rnnscope::softmax_kernel

#ifdef RNNSCOPE_SOFTMAX_DISPATCHER
#include "model/gemm.h"

namespace rnnscope::softmax_kernel {
namespace {

template <class S>
using Fn = void (*)(const SoftmaxArgs<S>&);

template <class S>
Fn<S> Pick() {
  switch (GemmIsa()) {  // the same instruction-set choice (and RNNSCOPE_SIMD cap) as the GEMM
#ifdef RNNSCOPE_GEMM_DISPATCH
    case SimdLevel::kAvx512: return &SoftmaxV4;
    case SimdLevel::kAvx2: return &SoftmaxV3;
#else
    case SimdLevel::kAvx512:
    case SimdLevel::kAvx2:
#endif
    case SimdLevel::kBaseline: break;
  }
  return &SoftmaxBaseline;
}

}  // namespace

void Softmax(const SoftmaxArgs<float>& args) {
  static const Fn<float> fn = Pick<float>();
  fn(args);
}
void Softmax(const SoftmaxArgs<double>& args) {
  static const Fn<double> fn = Pick<double>();
  fn(args);
}

}  // namespace rnnscope::softmax_kernel
#endif
