#include "model/gemm.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace rnnscope {

namespace {
thread_local int t_engine_threads = 0;  // 0: the process default
#ifdef _OPENMP
thread_local int t_default_omp_threads = 0;  // this thread's OpenMP count before the first set
#endif
}  // namespace

void SetEngineThreadsForThisThread(int n) {
  t_engine_threads = n > 0 ? n : 0;
#ifdef _OPENMP
  // Eigen's own products (attention, seq2seq projections) ask Eigen::nbThreads(), which is
  // omp_get_max_threads() as long as nobody calls Eigen::setNbThreads; OpenMP keeps that count
  // per thread, so setting it here limits this thread alone.
  if (t_default_omp_threads == 0) t_default_omp_threads = omp_get_max_threads();
  omp_set_num_threads(n > 0 ? n : t_default_omp_threads);
#endif
}

int EngineThreads() { return t_engine_threads > 0 ? t_engine_threads : Eigen::nbThreads(); }

namespace {

SimdLevel DetectIsa() {
  SimdLevel level = SimdLevel::kBaseline;
#if defined(__x86_64__) && defined(RNNSCOPE_GEMM_DISPATCH)
  __builtin_cpu_init();
  // x86-64-v3 also needs BMI/MOVBE etc.; AVX2 + FMA imply them on every shipping CPU.
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = SimdLevel::kAvx2;
  if (level == SimdLevel::kAvx2 && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    level = SimdLevel::kAvx512;
#endif
  // A cap for A/B measurements (never raises the level above what the CPU has).
  if (const char* cap = std::getenv("RNNSCOPE_SIMD")) {
    if (std::strcmp(cap, "baseline") == 0) level = SimdLevel::kBaseline;
    else if (std::strcmp(cap, "avx2") == 0 && level == SimdLevel::kAvx512) level = SimdLevel::kAvx2;
  }
  return level;
}

template <class S>
using Kernel = void (*)(const gemm_detail::GemmArgs<S>&);

template <class S>
Kernel<S> Pick() {
  switch (GemmIsa()) {
#ifdef RNNSCOPE_GEMM_DISPATCH
    case SimdLevel::kAvx512: return &gemm_detail::GemmV4;
    case SimdLevel::kAvx2: return &gemm_detail::GemmV3;
#else
    case SimdLevel::kAvx512:
    case SimdLevel::kAvx2:
#endif
    case SimdLevel::kBaseline: break;
  }
  return &gemm_detail::GemmBaseline;
}

// The packing and packed-product routines of the same kernel Gemm uses.
struct PackedKernels {
  long (*kc)(long, long, bool);
  void (*pack_f)(const gemm_detail::PackArgs<float>&, long);
  void (*pack_d)(const gemm_detail::PackArgs<double>&, long);
  void (*gemm_f)(const gemm_detail::PackedGemmArgs<float>&);
  void (*gemm_d)(const gemm_detail::PackedGemmArgs<double>&);
};

PackedKernels PickPacked() {
  using namespace gemm_detail;
  switch (GemmIsa()) {
#ifdef RNNSCOPE_GEMM_DISPATCH
    case SimdLevel::kAvx512: return {&PackedKcV4, &PackLhsV4, &PackLhsV4, &GemmPackedV4, &GemmPackedV4};
    case SimdLevel::kAvx2: return {&PackedKcV3, &PackLhsV3, &PackLhsV3, &GemmPackedV3, &GemmPackedV3};
#else
    case SimdLevel::kAvx512:
    case SimdLevel::kAvx2:
#endif
    case SimdLevel::kBaseline: break;
  }
  return {&PackedKcBaseline, &PackLhsBaseline, &PackLhsBaseline, &GemmPackedBaseline, &GemmPackedBaseline};
}

const PackedKernels& Packed() {
  static const PackedKernels kernels = PickPacked();
  return kernels;
}

void PackWith(const gemm_detail::PackArgs<float>& args, long kc) { Packed().pack_f(args, kc); }
void PackWith(const gemm_detail::PackArgs<double>& args, long kc) { Packed().pack_d(args, kc); }
void GemmPackedWith(const gemm_detail::PackedGemmArgs<float>& args) { Packed().gemm_f(args); }
void GemmPackedWith(const gemm_detail::PackedGemmArgs<double>& args) { Packed().gemm_d(args); }

// The packed buffer: 64-byte aligned (AVX-512 aligned loads), grown but never shrunk.
constexpr std::align_val_t kPackAlign{64};

}  // namespace

template <class S>
PackedLhs<S>::~PackedLhs() {
  if (data_) ::operator delete(data_, kPackAlign);
}

template <class S>
void PackedLhs<S>::Pack(const Eigen::Ref<const Mat<S>>& a, bool transpose_a, Eigen::Index cols) {
  m_ = transpose_a ? a.cols() : a.rows();
  k_ = transpose_a ? a.rows() : a.cols();
  source_ = a.data();
  source_stride_ = a.outerStride();
  transposed_ = transpose_a;
  packed_ = cols > 1;
  if (!packed_) return;
  const std::size_t size = static_cast<std::size_t>(m_ * k_);
  if (size > capacity_) {
    if (data_) ::operator delete(data_, kPackAlign);
    data_ = static_cast<S*>(::operator new(size * sizeof(S), kPackAlign));
    capacity_ = size;
  }
  kc_ = Packed().kc(m_, k_, std::is_same_v<S, double>);
  gemm_detail::PackArgs<S> args{a.data(), a.outerStride(), transpose_a, m_, k_, data_};
  PackWith(args, kc_);
}

template <class S>
void Gemm(Eigen::Ref<Mat<S>> c, const PackedLhs<S>& a, const Eigen::Ref<const Mat<S>>& b, S alpha,
          S beta) {
  eigen_assert(a.rows() == c.rows() && a.depth() == b.rows() && b.cols() == c.cols());
  if (!a.packed() || c.cols() == 1) {
    const Eigen::Map<const Mat<S>, 0, Eigen::OuterStride<>> source(
        a.source(), a.transposed() ? a.depth() : a.rows(), a.transposed() ? a.rows() : a.depth(),
        Eigen::OuterStride<>(a.source_stride()));
    Gemm<S>(c, source, a.transposed(), b, false, alpha, beta);
    return;
  }
  gemm_detail::PackedGemmArgs<S> args{c.data(), c.outerStride(), a.data(), a.depth_block(),
                                      b.data(), b.outerStride(), c.rows(), c.cols(), a.depth(),
                                      alpha, beta};
  GemmPackedWith(args);
}

template class PackedLhs<float>;
template class PackedLhs<double>;
template void Gemm<float>(Eigen::Ref<MatF>, const PackedLhs<float>&, const Eigen::Ref<const MatF>&,
                          float, float);
template void Gemm<double>(Eigen::Ref<MatD>, const PackedLhs<double>&, const Eigen::Ref<const MatD>&,
                           double, double);

SimdLevel GemmIsa() {
  static const SimdLevel level = DetectIsa();
  return level;
}

template <class S>
void Gemm(Eigen::Ref<Mat<S>> c, const Eigen::Ref<const Mat<S>>& a, bool transpose_a,
          const Eigen::Ref<const Mat<S>>& b, bool transpose_b, S alpha, S beta) {
  static const Kernel<S> kernel = Pick<S>();
  gemm_detail::GemmArgs<S> args;
  args.c = c.data();
  args.ldc = c.outerStride();
  args.a = a.data();
  args.lda = a.outerStride();
  args.b = b.data();
  args.ldb = b.outerStride();
  args.m = c.rows();
  args.n = c.cols();
  args.k = transpose_a ? a.rows() : a.cols();
  args.transpose_a = transpose_a;
  args.transpose_b = transpose_b;
  args.alpha = alpha;
  args.beta = beta;
  eigen_assert((transpose_a ? a.cols() : a.rows()) == c.rows());
  eigen_assert((transpose_b ? b.cols() : b.rows()) == args.k);
  eigen_assert((transpose_b ? b.rows() : b.cols()) == c.cols());
#ifdef _OPENMP
  // Small products stay on one thread: a fork/join costs microseconds when idle and a whole
  // scheduler slice when another thread is preempted, more than splitting a few MFLOP saves.
  constexpr double kMinParallelMacs = 8e6;
  const double macs = static_cast<double>(args.m) * static_cast<double>(args.n) * static_cast<double>(args.k);
  const int threads = omp_in_parallel() || macs < kMinParallelMacs ? 1 : EngineThreads();
  if (threads > 1) {
    // Split C along its longer side into slices of whole 16-element blocks (AVX-512 lanes);
    // each slice reads the matching rows of op(A) or columns of op(B).
    const bool split_rows = args.m >= args.n;
    const long extent = split_rows ? args.m : args.n;
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int i = 0; i < threads; ++i) {
      const long lo = extent * i / threads / 16 * 16;
      const long hi = i + 1 == threads ? extent : extent * (i + 1) / threads / 16 * 16;
      if (hi <= lo) continue;
      gemm_detail::GemmArgs<S> part = args;
      if (split_rows) {
        part.m = hi - lo;
        part.c = args.c + lo;
        part.a = args.transpose_a ? args.a + lo * args.lda : args.a + lo;
      } else {
        part.n = hi - lo;
        part.c = args.c + lo * args.ldc;
        part.b = args.transpose_b ? args.b + lo : args.b + lo * args.ldb;
      }
      kernel(part);
    }
    return;
  }
#endif
  kernel(args);
}

template void Gemm<float>(Eigen::Ref<MatF>, const Eigen::Ref<const MatF>&, bool,
                          const Eigen::Ref<const MatF>&, bool, float, float);
template void Gemm<double>(Eigen::Ref<MatD>, const Eigen::Ref<const MatD>&, bool,
                           const Eigen::Ref<const MatD>&, bool, double, double);

}  // namespace rnnscope
