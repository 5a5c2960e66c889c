// Compiled as part of rnnscope_core (baseline) and again with -march=x86-64-v3 / -v4 and
// RNNSCOPE_GEMM_VARIANT=V3 / V4 (CMakeLists.txt). Only plain loops and builtins here: an inline
// library function instantiated in the AVX2 copy could be merged by the linker into baseline
// callers (one definition rule) and crash an older CPU.
#include "train/adam_kernel.h"

#ifndef RNNSCOPE_GEMM_VARIANT
#define RNNSCOPE_GEMM_VARIANT Baseline
#define RNNSCOPE_ADAM_DISPATCHER  // the baseline copy also holds the dispatcher
#include "model/gemm.h"
#endif
#define RNNSCOPE_CAT2(a, b) a##b
#define RNNSCOPE_CAT(a, b) RNNSCOPE_CAT2(a, b)

namespace rnnscope::adam_detail {
namespace {

// Restrict-qualified parameters, not locals: GCC 12 vectorises only the former (with locals
// copied out of AdamInto the loop stayed scalar, 4.5x slower).
template <bool kDecay>
void UpdateInto(const float* __restrict param, const float* __restrict grad, const float* __restrict m,
                const float* __restrict v, float* __restrict param_out, float* __restrict m_out,
                float* __restrict v_out, long n, const AdamCoefficients& c) {
  const float b1 = c.beta1, omb1 = c.one_minus_beta1, b2 = c.beta2, omb2 = c.one_minus_beta2;
  const float neg_step = -c.step_size, bc2 = c.bc2_sqrt, eps = c.eps, wd = c.weight_decay;
  for (long i = 0; i < n; ++i) {
    const float g = kDecay ? grad[i] + wd * param[i] : grad[i];
    const float mi = b1 * m[i] + omb1 * g;
    const float vi = b2 * v[i] + omb2 * (g * g);
    m_out[i] = mi;
    v_out[i] = vi;
    param_out[i] = param[i] + neg_step * mi / (__builtin_sqrtf(vi) / bc2 + eps);
  }
}

}  // namespace

void RNNSCOPE_CAT(AdamUpdateInto, RNNSCOPE_GEMM_VARIANT)(const AdamInto& a, const AdamCoefficients& c) {
  if (c.weight_decay != 0.0f) UpdateInto<true>(a.param, a.grad, a.m, a.v, a.param_out, a.m_out, a.v_out, a.n, c);
  else UpdateInto<false>(a.param, a.grad, a.m, a.v, a.param_out, a.m_out, a.v_out, a.n, c);
}

}  // namespace rnnscope::adam_detail

#ifdef RNNSCOPE_ADAM_DISPATCHER
namespace rnnscope {

void AdamUpdateInto(const float* param, const float* grad, const float* m, const float* v, float* param_out,
                    float* m_out, float* v_out, long n, const AdamCoefficients& c) {
  using Fn = void (*)(const adam_detail::AdamInto&, const AdamCoefficients&);
  static const Fn fn = [] {
    switch (GemmIsa()) {  // the same instruction-set choice (and RNNSCOPE_SIMD cap) as the GEMM
#ifdef RNNSCOPE_GEMM_DISPATCH
      case SimdLevel::kAvx512: return &adam_detail::AdamUpdateIntoV4;
      case SimdLevel::kAvx2: return &adam_detail::AdamUpdateIntoV3;
#else
      case SimdLevel::kAvx512:
      case SimdLevel::kAvx2:
#endif
      case SimdLevel::kBaseline: break;
    }
    return &adam_detail::AdamUpdateIntoBaseline;
  }();
  fn({param, grad, m, v, param_out, m_out, v_out, n}, c);
}

}  // namespace rnnscope
#endif
