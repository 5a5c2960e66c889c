// Micro-benchmarks: one recurrent layer over a whole sequence (the forward with its time loop,
// the backward with its per-step W_hhᵀ product and batched weight gradients), per cell kind and
// hidden size, with one-hot input of vocabulary 65 as the char LM feeds it. Counters report
// tokens/s and the model GFLOP/s convention of bench/README.md (forward 2·G·H·(X+H) per token,
// backward 2× that).
//   ./build/bench/bench_cells --benchmark_filter=Lstm
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cstdint>
#include <random>
#include <vector>

#include "model/gemm.h"
#include "model/params.h"
#include "model/recurrent_layer.h"

namespace rnnscope {
namespace {

constexpr int kVocab = 65;

struct LayerFixture {
  LayerParams<float> p, grad;
  std::vector<int32_t> tokens;
  MatF dy;
  LayerCache<float> cache;
  int T, B;

  LayerFixture(CellKind kind, int H, int B_, int T_) : T(T_), B(B_) {
    ModelConfig c;
    c.cell = kind;
    c.vocab = kVocab;
    c.hidden = H;
    ModelParams<float> params;
    params.InitRandom(c, 1);
    p = params.rnn[0];
    grad = p;
    std::mt19937 rng(2);
    std::uniform_int_distribution<int32_t> tok(0, kVocab - 1);
    tokens.resize(static_cast<std::size_t>(T) * static_cast<std::size_t>(B));
    for (int32_t& t : tokens) t = tok(rng);
    dy = MatF::Random(H, static_cast<Eigen::Index>(T) * B) * 0.01f;
  }
  LayerInput<float> Input() const { return LayerInput<float>{nullptr, tokens}; }
};

double ForwardFlopsPerToken(CellKind kind, int H) {
  return 2.0 * GateCount(kind) * H * (kVocab + H);
}

void SetCounters(benchmark::State& state, double flops_per_token, int T, int B) {
  const double tokens = static_cast<double>(state.iterations()) * T * B;
  state.counters["tokens/s"] = benchmark::Counter(tokens, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] =
      benchmark::Counter(tokens * flops_per_token * 1e-9, benchmark::Counter::kIsRate);
}

template <CellKind kKind>
void BM_LayerForward(benchmark::State& state) {
  const int H = static_cast<int>(state.range(0)), B = static_cast<int>(state.range(1)), T = 64;
  LayerFixture f(kKind, H, B, T);
  for (auto _ : state) {
    LayerForward<float>(kKind, f.p, f.Input(), T, B, false, nullptr, nullptr, f.cache);
    benchmark::DoNotOptimize(f.cache.h.data());
  }
  SetCounters(state, ForwardFlopsPerToken(kKind, H), T, B);
}

template <CellKind kKind>
void BM_LayerBackward(benchmark::State& state) {
  const int H = static_cast<int>(state.range(0)), B = static_cast<int>(state.range(1)), T = 64;
  LayerFixture f(kKind, H, B, T);
  LayerForward<float>(kKind, f.p, f.Input(), T, B, false, nullptr, nullptr, f.cache);
  for (auto _ : state) {
    LayerBackward<float>(kKind, f.p, f.grad, f.Input(), &f.dy, nullptr, nullptr, f.cache, nullptr,
                         nullptr, nullptr);
    benchmark::DoNotOptimize(f.grad.w_hh.data());
  }
  SetCounters(state, 2 * ForwardFlopsPerToken(kKind, H), T, B);
}

void Sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"H", "B"});
  for (int H : {64, 128, 256, 512}) b->Args({H, 32});
  b->Args({100, 1});
  b->Args({512, 64});
  b->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_LayerForward<CellKind::kLstm>)->Apply(Sizes);
BENCHMARK(BM_LayerBackward<CellKind::kLstm>)->Apply(Sizes);
BENCHMARK(BM_LayerForward<CellKind::kGru>)->Apply(Sizes);
BENCHMARK(BM_LayerBackward<CellKind::kGru>)->Apply(Sizes);
BENCHMARK(BM_LayerForward<CellKind::kRnnTanh>)->Apply(Sizes);
BENCHMARK(BM_LayerBackward<CellKind::kRnnTanh>)->Apply(Sizes);
BENCHMARK(BM_LayerForward<CellKind::kJordan>)->Apply(Sizes);
BENCHMARK(BM_LayerBackward<CellKind::kJordan>)->Apply(Sizes);

// The GEMM every product above goes through, square-ish (M, K)(K, N).
void BM_Gemm(benchmark::State& state) {
  const Eigen::Index M = state.range(0), K = state.range(1), N = state.range(2);
  MatF a = MatF::Random(M, K), b = MatF::Random(K, N), c(M, N);
  for (auto _ : state) {
    Gemm<float>(c, a, false, b, false, 1.0f, 0.0f);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(M * K * N) * static_cast<double>(state.iterations()) * 1e-9,
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Gemm)
    ->ArgNames({"M", "K", "N"})
    ->Args({512, 128, 32})     // LSTM H=128 recurrent step
    ->Args({2048, 512, 64})    // LSTM H=512 recurrent step
    ->Args({2048, 512, 2048})  // square-ish, `rnnscope bench`'s reference
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace rnnscope

BENCHMARK_MAIN();
