// C = alpha·op(A)·op(B) + beta·C through Eigen's GEMM compiled for the best instruction set the
// CPU has, chosen at run time. The portable build targets baseline x86-64 (SSE2), where Eigen's
// float GEMM runs at a quarter of what AVX-512 FMA units give; compiling the whole program with
// -march would make the binary crash on older CPUs. So gemm_kernel.cpp is compiled three times
// (baseline, x86-64-v3 = AVX2+FMA, x86-64-v4 = AVX-512), each copy inside its own renamed Eigen
// namespace so that the three sets of Eigen template instantiations cannot be merged by the
// linker (one definition rule), and Gemm picks one with __builtin_cpu_supports. The cells'
// elementwise math (cell_kernels.cpp) and Adam (train/adam_kernel.cpp) ride in the same three
// object libraries and follow GemmIsa().
//
// Threads: a large product is split into EngineThreads() independent slices of C, one
// single-threaded kernel call per OpenMP thread; small products and calls from inside a
// parallel region run on the calling thread.
#pragma once

#include <cstddef>

#ifndef RNNSCOPE_GEMM_KERNEL  // the kernels see no (un-renamed) Eigen type
#include "core/tensor.h"
#endif

namespace rnnscope {

#ifndef RNNSCOPE_GEMM_KERNEL
enum class SimdLevel { kBaseline, kAvx2, kAvx512 };

// Engine threads for calls made from the calling thread: GEMM slices here and the batch slices
// of the recurrent time loops (recurrent_layer.cpp). Each trainer thread sets its own, so two
// side-by-side runs neither race on nor inherit each other's count (Eigen::setNbThreads is one
// process-wide value). n <= 0 returns the thread to the process default, Eigen::nbThreads()
// (OpenMP's thread count unless a CLI command set --threads).
void SetEngineThreadsForThisThread(int n);
int EngineThreads();

// The kernel Gemm uses on this CPU (RNNSCOPE_SIMD=baseline|avx2|avx512 in the environment caps
// it, for A/B measurements).
SimdLevel GemmIsa();

// op(X) = Xᵀ when the flag is set. Shapes: C (M, N), op(A) (M, K), op(B) (K, N). beta = 0
// overwrites C (which may hold garbage); C must not alias A or B.
template <class S>
void Gemm(Eigen::Ref<Mat<S>> c, const Eigen::Ref<const Mat<S>>& a, bool transpose_a,
          const Eigen::Ref<const Mat<S>>& b, bool transpose_b, S alpha, S beta);

// op(A) packed once into the GEMM kernel's panel layout, for a product repeated with the same A:
// the recurrent weights times one timestep's (H, B) state, T times per sequence. Plain Gemm
// repacks A on every call; for an LSTM's (4H, H) W_hh and B = 32 that repacking was 15 % of a
// training step (perf, H = 256). The layout belongs to the kernel Gemm dispatches to, so a
// PackedLhs is only valid for the process that packed it. Copies start empty (it is a cache:
// whoever uses it packs first); Pack reuses the buffer when the size does not grow, so the
// steady-state training step does not allocate.
template <class S>
class PackedLhs {
 public:
  PackedLhs() = default;
  PackedLhs(const PackedLhs&) {}
  PackedLhs& operator=(const PackedLhs&) { return *this; }
  ~PackedLhs();

  // Packs op(A) for products with `cols` columns. A must stay alive and unchanged while this
  // is used: with cols == 1 nothing is packed and Gemm runs Eigen's matrix-vector product on A
  // itself (it reads A once, in place; packing would cost as much as the product).
  void Pack(const Eigen::Ref<const Mat<S>>& a, bool transpose_a, Eigen::Index cols);
  Eigen::Index rows() const { return m_; }
  Eigen::Index depth() const { return k_; }
  bool packed() const { return packed_; }
  const S* data() const { return data_; }
  long depth_block() const { return kc_; }
  // The matrix it was packed from.
  const S* source() const { return source_; }
  long source_stride() const { return source_stride_; }
  bool transposed() const { return transposed_; }

 private:
  S* data_ = nullptr;
  std::size_t capacity_ = 0;  // elements
  long m_ = 0, k_ = 0, kc_ = 0;
  bool packed_ = false;
  const S* source_ = nullptr;
  long source_stride_ = 0;
  bool transposed_ = false;
};

// C = alpha·A·B + beta·C with A packed by PackedLhs::Pack. Single-threaded (it runs inside the
// per-slice time loops of recurrent_layer.cpp).
template <class S>
void Gemm(Eigen::Ref<Mat<S>> c, const PackedLhs<S>& a, const Eigen::Ref<const Mat<S>>& b, S alpha,
          S beta);
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

// Packing op(A) (m, k) into `out` (m·k elements, 64-byte aligned) in blocks of kc along k.
template <class S>
struct PackArgs {
  const S* a;
  long lda;
  bool transpose_a;
  long m, k;
  S* out;
};

// C (m, n) = alpha·A·B + beta·C, A packed (PackArgs) with depth block kc.
template <class S>
struct PackedGemmArgs {
  S* c;
  long ldc;
  const S* packed;
  long kc;
  const S* b;
  long ldb;
  long m, n, k;
  S alpha, beta;
};

// The kernel's depth block for packing an (m, k) op(A): a multiple of 16 or k itself.
long PackedKcBaseline(long m, long k, bool is_double);
long PackedKcV3(long m, long k, bool is_double);
long PackedKcV4(long m, long k, bool is_double);
void PackLhsBaseline(const PackArgs<float>& args, long kc);
void PackLhsBaseline(const PackArgs<double>& args, long kc);
void PackLhsV3(const PackArgs<float>& args, long kc);
void PackLhsV3(const PackArgs<double>& args, long kc);
void PackLhsV4(const PackArgs<float>& args, long kc);
void PackLhsV4(const PackArgs<double>& args, long kc);
void GemmPackedBaseline(const PackedGemmArgs<float>& args);
void GemmPackedBaseline(const PackedGemmArgs<double>& args);
void GemmPackedV3(const PackedGemmArgs<float>& args);
void GemmPackedV3(const PackedGemmArgs<double>& args);
void GemmPackedV4(const PackedGemmArgs<float>& args);
void GemmPackedV4(const PackedGemmArgs<double>& args);

void GemmBaseline(const GemmArgs<float>& args);
void GemmBaseline(const GemmArgs<double>& args);
void GemmV3(const GemmArgs<float>& args);
void GemmV3(const GemmArgs<double>& args);
void GemmV4(const GemmArgs<float>& args);
void GemmV4(const GemmArgs<double>& args);

}  // namespace gemm_detail
}  // namespace rnnscope
