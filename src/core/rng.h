// Deterministic random numbers for training (init, batch order, dropout) and sampling text.
// xoshiro256** (Blackman & Vigna): 256 bits of state, 64-bit outputs, fast, and — unlike
// std::mt19937 with the std:: distributions — the same sequence on every standard library, so a
// checkpoint saved here resumes bit-exactly anywhere. All distributions below are our own code
// for the same reason.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>

#include <nlohmann/json_fwd.hpp>

namespace rnnscope {

// The whole generator state; restoring it replays the exact same sequence.
struct RngState {
  std::array<uint64_t, 4> s{};
  bool operator==(const RngState&) const = default;
};

class Rng {
 public:
  using result_type = uint64_t;  // UniformRandomBitGenerator, so std::shuffle accepts it

  explicit Rng(uint64_t seed = 1) { Seed(seed); }

  // Expands the seed with splitmix64, as the xoshiro authors recommend (never all-zero state).
  void Seed(uint64_t seed);

  uint64_t Next();  // 64 uniform bits
  uint64_t operator()() { return Next(); }
  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return std::numeric_limits<uint64_t>::max(); }

  double UniformDouble();                  // [0, 1), 53 random bits
  float UniformFloat();                    // [0, 1), 24 random bits
  double Uniform(double lo, double hi);    // [lo, hi)
  uint64_t UniformInt(uint64_t n);         // [0, n), unbiased (Lemire); n must be > 0
  double Normal(double mean = 0.0, double stddev = 1.0);  // Box–Muller, no cached spare

  // Index i with probability weights[i] / sum(weights). Weights need not be normalised;
  // negative and non-finite weights count as 0. Returns the last positive index if rounding
  // walks past the end, and 0 if every weight is 0.
  int Categorical(std::span<const float> weights);
  // Sampling "with temperature" from a distribution p: draws from p^(1/T) / Σ p^(1/T), which is
  // softmax(logits / T). T → 0 is argmax (ties: lowest index); T = 1 is Categorical(p).
  // Allocation-free (two passes over p).
  int CategoricalWithTemperature(std::span<const float> probs, float temperature);

  RngState State() const { return state_; }
  void SetState(const RngState& state);  // throws ConfigError on the all-zero state

 private:
  RngState state_;
};

// {"algorithm": "xoshiro256**", "state": ["0123456789abcdef", ...]}: hex strings, because JSON
// readers other than nlohmann (JavaScript, some Python paths) round 64-bit integers to doubles.
nlohmann::json ToJson(const RngState& state);
RngState RngStateFromJson(const nlohmann::json& j);  // throws InputError

}  // namespace rnnscope
