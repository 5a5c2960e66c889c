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

#include <algorithm>
#include <cstddef>
#include <new>

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

// Pre-packed A: Eigen's own packing routine and panel kernel (the two halves of its GEMM),
// called with A packed once and B packed per call. kc follows Eigen's blocking heuristic for
// this shape with N = 64 (the largest batch slice we expect), rounded to a multiple of 16 so
// that every depth block of the packed buffer starts 64-byte aligned (the kernel's aligned
// loads need it).
template <class S>
long Kc(long m, long k) {
  long kc = k, mc = m, nc = 64;
  Eigen::internal::computeProductBlockingSizes<S, S, 1>(kc, mc, nc, 1L);
  if (kc >= k) return k;
  return std::max(16L, kc / 16 * 16);
}

template <class S>
using Traits = Eigen::internal::gebp_traits<S, S>;

template <class S, int Order>
void PackWith(const PackArgs<S>& g, long kc) {
  using Mapper = Eigen::internal::const_blas_data_mapper<S, long, Order>;
  Eigen::internal::gemm_pack_lhs<S, long, Mapper, Traits<S>::mr, Traits<S>::LhsProgress,
                                 typename Traits<S>::LhsPacket4Packing, Order>
      pack;
  const Mapper lhs(g.a, g.lda);
  for (long k2 = 0; k2 < g.k; k2 += kc) {
    const long depth = std::min(kc, g.k - k2);
    pack(g.out + k2 * g.m, lhs.getSubMapper(0, k2), depth, g.m);
  }
}

template <class S>
void Pack(const PackArgs<S>& g, long kc) {
  // op(A) = Aᵀ of a column-major A is a row-major view of the same memory.
  if (g.transpose_a) PackWith<S, Eigen::RowMajor>(g, kc);
  else PackWith<S, Eigen::ColMajor>(g, kc);
}

template <class S>
class PackBuffer {
 public:
  PackBuffer() = default;
  PackBuffer(const PackBuffer&) = delete;
  PackBuffer& operator=(const PackBuffer&) = delete;
  ~PackBuffer() {
    if (data_) ::operator delete(data_, kAlign);
  }
  S* Get(std::size_t size) {
    if (size > capacity_) {
      if (data_) ::operator delete(data_, kAlign);
      data_ = static_cast<S*>(::operator new(size * sizeof(S), kAlign));
      capacity_ = size;
    }
    return data_;
  }

 private:
  static constexpr std::align_val_t kAlign{64};
  S* data_ = nullptr;
  std::size_t capacity_ = 0;
};

template <class S>
void RunPacked(const PackedGemmArgs<S>& g) {
  using M = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
  Eigen::Map<M, 0, Eigen::OuterStride<>> c(g.c, g.m, g.n, Eigen::OuterStride<>(g.ldc));
  if (g.beta == S(0)) c.setZero();
  else if (g.beta != S(1)) c *= g.beta;
  if (g.k == 0 || g.n == 0 || g.m == 0) return;
  using RhsMapper = Eigen::internal::const_blas_data_mapper<S, long, Eigen::ColMajor>;
  using ResMapper = Eigen::internal::blas_data_mapper<S, long, Eigen::ColMajor, Eigen::Unaligned, 1>;
  Eigen::internal::gemm_pack_rhs<S, long, RhsMapper, Traits<S>::nr, Eigen::ColMajor> pack_rhs;
  Eigen::internal::gebp_kernel<S, S, long, ResMapper, Traits<S>::mr, Traits<S>::nr, false, false> gebp;
  const RhsMapper rhs(g.b, g.ldb);
  const ResMapper res(g.c, g.ldc);
  const long kc = std::min(g.kc, g.k);
  // (kc, n) packed B, in a per-thread buffer that only grows: no allocation per timestep.
  thread_local PackBuffer<S> buffer;
  S* block_b = buffer.Get(static_cast<std::size_t>(kc * g.n));
  for (long k2 = 0; k2 < g.k; k2 += kc) {
    const long depth = std::min(kc, g.k - k2);
    pack_rhs(block_b, rhs.getSubMapper(k2, 0), depth, g.n);
    gebp(res, g.packed + k2 * g.m, block_b, g.m, depth, g.n, g.alpha);
  }
}

}  // namespace

void RNNSCOPE_CAT(Gemm, RNNSCOPE_GEMM_VARIANT)(const GemmArgs<float>& args) { Run(args); }
void RNNSCOPE_CAT(Gemm, RNNSCOPE_GEMM_VARIANT)(const GemmArgs<double>& args) { Run(args); }
long RNNSCOPE_CAT(PackedKc, RNNSCOPE_GEMM_VARIANT)(long m, long k, bool is_double) {
  return is_double ? Kc<double>(m, k) : Kc<float>(m, k);
}
void RNNSCOPE_CAT(PackLhs, RNNSCOPE_GEMM_VARIANT)(const PackArgs<float>& args, long kc) { Pack(args, kc); }
void RNNSCOPE_CAT(PackLhs, RNNSCOPE_GEMM_VARIANT)(const PackArgs<double>& args, long kc) { Pack(args, kc); }
void RNNSCOPE_CAT(GemmPacked, RNNSCOPE_GEMM_VARIANT)(const PackedGemmArgs<float>& args) { RunPacked(args); }
void RNNSCOPE_CAT(GemmPacked, RNNSCOPE_GEMM_VARIANT)(const PackedGemmArgs<double>& args) { RunPacked(args); }

}  // namespace rnnscope::gemm_detail
