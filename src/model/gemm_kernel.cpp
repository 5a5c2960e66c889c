// One copy of Eigen's GEMM, compiled once per instruction set (see gemm.h). CMake builds this
// file as part of rnnscope_core (baseline) and again with -march=x86-64-v3 / -v4 and
// RNNSCOPE_GEMM_VARIANT=V3 / V4. Renaming the Eigen namespace by macro gives every copy's
// template instantiations distinct symbol names; without it the linker would keep one arbitrary
// copy of e.g. general_matrix_matrix_product<…>::run for the whole program.
// Include nothing here that includes Eigen before the rename (gemm.h does not include Eigen
// when RNNSCOPE_GEMM_KERNEL is set).
#ifndef RNNSCOPE_GEMM_VARIANT
#define RNNSCOPE_GEMM_VARIANT Baseline
#endif
#define RNNSCOPE_CAT2(a, b) a##b
#define RNNSCOPE_CAT(a, b) RNNSCOPE_CAT2(a, b)
#define Eigen RNNSCOPE_CAT(rnnscope_eigen_, RNNSCOPE_GEMM_VARIANT)
// Each call runs on one thread; Gemm (gemm.cpp) splits large products across threads itself.
// Eigen's parallel GEMM synchronises its threads by spinning on shared block counters, so one
// preempted thread (a busy machine, the UI thread) stalls the other for a whole time slice:
// it ran the layer backward 7x slower on 2 threads than on 1 while the machine was compiling.
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#define RNNSCOPE_GEMM_KERNEL
#include "model/gemm.h"

namespace rnnscope::gemm_detail {
namespace {

template <class S>
void Run(const GemmArgs<S>& g) {
  using M = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<M, 0, Stride> c(g.c, g.m, g.n, Stride(g.ldc));
  const Eigen::Map<const M, 0, Stride> a(g.a, g.transpose_a ? g.k : g.m, g.transpose_a ? g.m : g.k,
                                         Stride(g.lda));
  const Eigen::Map<const M, 0, Stride> b(g.b, g.transpose_b ? g.n : g.k, g.transpose_b ? g.k : g.n,
                                         Stride(g.ldb));
  if (g.beta == S(0)) c.setZero();
  else if (g.beta != S(1)) c *= g.beta;
  if (g.k == 0) return;
  // Accumulating (+=) into C is exactly Eigen's own GEMM interface (alpha·A·B added to dst).
  if (!g.transpose_a && !g.transpose_b) c.noalias() += g.alpha * a * b;
  else if (g.transpose_a && !g.transpose_b) c.noalias() += g.alpha * a.transpose() * b;
  else if (!g.transpose_a && g.transpose_b) c.noalias() += g.alpha * a * b.transpose();
  else c.noalias() += g.alpha * a.transpose() * b.transpose();
}

}  // namespace

void RNNSCOPE_CAT(Gemm, RNNSCOPE_GEMM_VARIANT)(const GemmArgs<float>& args) { Run(args); }
void RNNSCOPE_CAT(Gemm, RNNSCOPE_GEMM_VARIANT)(const GemmArgs<double>& args) { Run(args); }

}  // namespace rnnscope::gemm_detail
