#include "core/rng.h"

#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace rnnscope {
namespace {

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// GCC/Clang extension; __extension__ keeps -Wpedantic quiet about it.
__extension__ using Uint128 = unsigned __int128;

bool IsZero(const RngState& st) { return (st.s[0] | st.s[1] | st.s[2] | st.s[3]) == 0; }

}  // namespace

void Rng::Seed(uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t& word : state_.s) word = SplitMix64(x);
}

uint64_t Rng::Next() {
  std::array<uint64_t, 4>& s = state_.s;
  const uint64_t result = Rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = Rotl(s[3], 45);
  return result;
}

double Rng::UniformDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

float Rng::UniformFloat() { return static_cast<float>(Next() >> 40) * 0x1.0p-24f; }

double Rng::Uniform(double lo, double hi) {
  const double x = lo + (hi - lo) * UniformDouble();
  return x < hi ? x : lo;  // rounding can land on hi for wide ranges; keep the interval half-open
}

uint64_t Rng::UniformInt(uint64_t n) {
  // Lemire's multiply-shift with rejection: one 128-bit multiply, rarely a retry.
  Uint128 m = static_cast<Uint128>(Next()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<Uint128>(Next()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double Rng::Normal(double mean, double stddev) {
  // 1 - u keeps the log argument in (0, 1]. Two uniforms per call and no cached spare, so the
  // generator state alone determines the future (nothing extra to checkpoint).
  const double u1 = 1.0 - UniformDouble();
  const double u2 = UniformDouble();
  const double r = std::sqrt(-2.0 * std::log(u1));
  return mean + stddev * r * std::cos(2.0 * std::numbers::pi * u2);
}

int Rng::Categorical(std::span<const float> weights) {
  auto usable = [](float w) { return std::isfinite(w) && w > 0.0f ? static_cast<double>(w) : 0.0; };
  double total = 0.0;
  for (float w : weights) total += usable(w);
  if (total <= 0.0) return 0;
  const double target = UniformDouble() * total;
  double acc = 0.0;
  int last_positive = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double w = usable(weights[i]);
    if (w <= 0.0) continue;
    last_positive = static_cast<int>(i);
    acc += w;
    if (target < acc) return last_positive;
  }
  return last_positive;
}

int Rng::CategoricalWithTemperature(std::span<const float> probs, float temperature) {
  if (!(temperature > 1e-6f)) {  // also catches NaN: fall back to greedy
    int best = 0;
    for (std::size_t i = 1; i < probs.size(); ++i)
      if (probs[i] > probs[static_cast<std::size_t>(best)]) best = static_cast<int>(i);
    return best;
  }
  if (temperature == 1.0f) return Categorical(probs);
  // p^(1/T) underflows for small p and small T, so scale by the max first: (p / p_max)^(1/T).
  const double inv_t = 1.0 / static_cast<double>(temperature);
  double p_max = 0.0;
  for (float p : probs)
    if (std::isfinite(p) && p > p_max) p_max = p;
  if (p_max <= 0.0) return 0;
  auto weight = [&](float p) {
    return std::isfinite(p) && p > 0.0f ? std::pow(static_cast<double>(p) / p_max, inv_t) : 0.0;
  };
  double total = 0.0;
  for (float p : probs) total += weight(p);
  const double target = UniformDouble() * total;
  double acc = 0.0;
  int last_positive = 0;
  for (std::size_t i = 0; i < probs.size(); ++i) {
    const double w = weight(probs[i]);
    if (w <= 0.0) continue;
    last_positive = static_cast<int>(i);
    acc += w;
    if (target < acc) return last_positive;
  }
  return last_positive;
}

void Rng::SetState(const RngState& state) {
  if (IsZero(state)) throw ConfigError("rng state: all-zero state is invalid for xoshiro256**");
  state_ = state;
}

nlohmann::json ToJson(const RngState& state) {
  nlohmann::json words = nlohmann::json::array();
  for (uint64_t w : state.s) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(w));
    words.push_back(buf);
  }
  return {{"algorithm", "xoshiro256**"}, {"state", words}};
}

RngState RngStateFromJson(const nlohmann::json& j) {
  if (!j.is_object() || j.value("algorithm", "") != "xoshiro256**")
    throw InputError("rng state: expected {\"algorithm\": \"xoshiro256**\", \"state\": [4 hex strings]}");
  const nlohmann::json& words = j.at("state");
  if (!words.is_array() || words.size() != 4)
    throw InputError("rng state: \"state\" must hold 4 hex strings");
  RngState st;
  for (std::size_t i = 0; i < 4; ++i) {
    const nlohmann::json& w = words[i];
    if (!w.is_string()) throw InputError("rng state: state[" + std::to_string(i) + "] is not a string");
    const std::string& hex = w.get_ref<const std::string&>();
    std::size_t used = 0;
    try {
      st.s[i] = std::stoull(hex, &used, 16);
    } catch (const std::exception&) {
      used = 0;
    }
    if (hex.empty() || hex.size() > 16 || used != hex.size())
      throw InputError("rng state: state[" + std::to_string(i) + "] = \"" + hex +
                       "\" is not a 64-bit hex number");
  }
  if (IsZero(st)) throw InputError("rng state: all-zero state is invalid");
  return st;
}

}  // namespace rnnscope
