#include "model/dropout.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "core/rng.h"

namespace rnnscope {

void DropoutRates::Validate() const {
  auto check = [](float p, const char* where) {
    if (!(p >= 0.0f && p < 1.0f))
      throw ConfigError(std::string("dropout ") + where + " " + std::to_string(p) +
                        " must be in [0, 1): the fraction of units set to zero while training");
  };
  check(embedding, "on the embedding");
  check(between, "between layers");
  check(output, "on the output");
}

namespace {
// Fills `mask` (rows × cols) with 0 or 1/(1 − p): a unit is dropped when 32 random bits fall
// below p·2³², two decisions per 64 random bits.
template <class S>
void Fill(Mat<S>& mask, Eigen::Index rows, Eigen::Index cols, float p, Rng& rng) {
  if (p <= 0.0f) {
    mask.resize(0, 0);
    return;
  }
  const uint64_t threshold = static_cast<uint64_t>(std::llround(static_cast<double>(p) * 4294967296.0));
  const S scale = static_cast<S>(1.0 / (1.0 - static_cast<double>(p)));
  mask.resize(rows, cols);
  S* data = mask.data();
  const Eigen::Index n = rows * cols;
  uint64_t bits = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    if ((i & 1) == 0) bits = rng.Next();
    data[i] = (bits & 0xffffffffu) >= threshold ? scale : S(0);
    bits >>= 32;
  }
}
}  // namespace

uint64_t DropoutSeed(uint64_t run_seed, int64_t step) {
  uint64_t z = run_seed ^ (0x9e3779b97f4a7c15ull * (static_cast<uint64_t>(step) + 0x632be59bd9b4e019ull));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

template <class S>
void MakeDropoutMasks(const ModelConfig& config, const DropoutRates& rates, int T, int B, uint64_t seed,
                      DropoutMasks<S>& masks) {
  rates.Validate();
  Rng rng(seed);
  const Eigen::Index TB = static_cast<Eigen::Index>(T) * B;
  Fill(masks.embedding, config.embed, TB, config.embed > 0 ? rates.embedding : 0.0f, rng);
  masks.between.resize(static_cast<std::size_t>(config.layers));
  masks.between[0].resize(0, 0);
  for (int l = 1; l < config.layers; ++l)
    Fill(masks.between[static_cast<std::size_t>(l)], config.OutputSize(), TB, rates.between, rng);
  Fill(masks.output, config.OutputSize(), TB, rates.output, rng);
}

// A mask drawn for another batch shape would multiply the wrong units (or read past the end).
template <class S>
void CheckDropoutMasks(const DropoutMasks<S>& m, const ModelConfig& c, Eigen::Index TB) {
  auto check = [&](const Mat<S>& mask, Eigen::Index rows, const char* where) {
    if (mask.size() > 0 && (mask.cols() != TB || mask.rows() != rows))
      throw ShapeError(std::string("dropout mask ") + where + " is " + std::to_string(mask.rows()) + " × " +
                       std::to_string(mask.cols()) + ", expected " + std::to_string(rows) + " × " +
                       std::to_string(TB) + " (units × positions of this batch)");
  };
  check(m.embedding, c.embed, "on the embedding");
  for (const Mat<S>& b : m.between) check(b, c.OutputSize(), "between layers");
  check(m.output, c.OutputSize(), "on the output");
}

template void CheckDropoutMasks<float>(const DropoutMasks<float>&, const ModelConfig&, Eigen::Index);
template void CheckDropoutMasks<double>(const DropoutMasks<double>&, const ModelConfig&, Eigen::Index);

template void MakeDropoutMasks<float>(const ModelConfig&, const DropoutRates&, int, int, uint64_t,
                                      DropoutMasks<float>&);
template void MakeDropoutMasks<double>(const ModelConfig&, const DropoutRates&, int, int, uint64_t,
                                       DropoutMasks<double>&);

}  // namespace rnnscope
