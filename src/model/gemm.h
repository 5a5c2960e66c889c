// C = alpha·op(A)·op(B) + beta·C through Eigen's GEMM compiled for the best instruction set the
// CPU has, chosen at run time. The portable build targets baseline x86-64 (SSE2), where Eigen's
// float GEMM runs at a quarter of what AVX-512 FMA units give; compiling the whole program with
// -march would make the binary crash on older CPUs. So gemm_kernel.cpp is compiled three times
// (baseline, x86-64-v3 = AVX2+FMA, x86-64-v4 = AVX-512), each copy inside its own renamed Eigen
// namespace so that the three sets of Eigen template instantiations cannot be merged by the
// linker (one definition rule), and Gemm picks one with __builtin_cpu_supports.
//
// Threads: a large product is split into Eigen::nbThreads() (Eigen::setNbThreads) independent
// slices of C, one single-threaded kernel call per OpenMP thread; small products and calls from
// inside a parallel region run on the calling thread.
#pragma once

#ifndef RNNSCOPE_GEMM_KERNEL  // the kernels see no (un-renamed) Eigen type
#include "core/tensor.h"
#endif

namespace rnnscope {

#ifndef RNNSCOPE_GEMM_KERNEL
enum class SimdLevel { kBaseline, kAvx2, kAvx512 };

// The kernel Gemm uses on this CPU (RNNSCOPE_SIMD=baseline|avx2|avx512 in the environment caps
// it, for A/B measurements).
SimdLevel GemmIsa();

// op(X) = Xᵀ when the flag is set. Shapes: C (M, N), op(A) (M, K), op(B) (K, N). beta = 0
// overwrites C (which may hold garbage); C must not alias A or B.
template <class S>
void Gemm(Eigen::Ref<Mat<S>> c, const Eigen::Ref<const Mat<S>>& a, bool transpose_a,
          const Eigen::Ref<const Mat<S>>& b, bool transpose_b, S alpha, S beta);
#endif

namespace gemm_detail {

// Raw column-major operands, so the kernels' signatures mention no Eigen type.
template <class S>
struct GemmArgs {
  S* c;
  long ldc;
  const S* a;
  long lda;
  const S* b;
  long ldb;
  long m, n, k;
  bool transpose_a, transpose_b;
  S alpha, beta;
};

void GemmBaseline(const GemmArgs<float>& args);
void GemmBaseline(const GemmArgs<double>& args);
void GemmV3(const GemmArgs<float>& args);
void GemmV3(const GemmArgs<double>& args);
void GemmV4(const GemmArgs<float>& args);
void GemmV4(const GemmArgs<double>& args);

}  // namespace gemm_detail
}  // namespace rnnscope
