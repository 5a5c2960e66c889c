#include "core/rng.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace rnnscope {
namespace {

// Reference outputs of xoshiro256** from state {1, 2, 3, 4} (the authors' C code).
TEST(Rng, MatchesReferenceXoshiro256StarStar) {
  Rng rng;
  rng.SetState({{1, 2, 3, 4}});
  EXPECT_EQ(rng.Next(), 11520u);
  EXPECT_EQ(rng.Next(), 0u);
  EXPECT_EQ(rng.Next(), 1509978240u);
  EXPECT_EQ(rng.Next(), 1215971899390074240u);
}

TEST(Rng, SameSeedSameSequenceDifferentSeedDifferent) {
  Rng a(42), b(42), c(43);
  int same_as_c = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    same_as_c += x == c.Next();
  }
  EXPECT_EQ(same_as_c, 0);
}

TEST(Rng, StateRestoreResumesBitExactlyAcrossEveryDistribution) {
  Rng rng(7);
  for (int i = 0; i < 100; ++i) rng.Normal();
  const RngState saved = rng.State();
  const std::vector<float> probs = {0.1f, 0.2f, 0.3f, 0.4f};
  std::vector<double> first;
  for (int i = 0; i < 50; ++i) {
    first.push_back(rng.UniformDouble());
    first.push_back(rng.UniformFloat());
    first.push_back(rng.Normal(1.0, 2.0));
    first.push_back(static_cast<double>(rng.UniformInt(17)));
    first.push_back(rng.CategoricalWithTemperature(probs, 0.7f));
  }
  // Through JSON, as a checkpoint would store it, into a generator with another seed.
  const nlohmann::json j = ToJson(saved);
  Rng other(999);
  other.SetState(RngStateFromJson(nlohmann::json::parse(j.dump())));
  EXPECT_EQ(other.State(), saved);
  for (int i = 0; i < 50; ++i) {
    const auto k = static_cast<std::size_t>(5 * i);
    EXPECT_EQ(other.UniformDouble(), first[k]);
    EXPECT_EQ(static_cast<double>(other.UniformFloat()), first[k + 1]);
    EXPECT_EQ(other.Normal(1.0, 2.0), first[k + 2]);
    EXPECT_EQ(static_cast<double>(other.UniformInt(17)), first[k + 3]);
    EXPECT_EQ(other.CategoricalWithTemperature(probs, 0.7f), first[k + 4]);
  }
}

TEST(Rng, JsonRejectsMalformedState) {
  EXPECT_THROW(RngStateFromJson(nlohmann::json::object()), InputError);
  nlohmann::json j = ToJson(Rng(1).State());
  j["state"][2] = "xyz";
  EXPECT_THROW(RngStateFromJson(j), InputError);
  j["state"][2] = "11112222333344445";  // 17 hex digits
  EXPECT_THROW(RngStateFromJson(j), InputError);
  j["state"] = {"0", "0", "0", "0"};
  EXPECT_THROW(RngStateFromJson(j), InputError);
  Rng rng;
  EXPECT_THROW(rng.SetState({}), ConfigError);
  // Large words survive (they would not as JSON numbers read by a double-based parser).
  const RngState big{{~0ULL, 1ULL << 63, 0x0123456789abcdefULL, 5}};
  EXPECT_EQ(RngStateFromJson(ToJson(big)), big);
}

TEST(Rng, UniformRangesAndMoments) {
  Rng rng(3);
  const int n = 200000;
  double sum = 0, sum_f = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.UniformDouble();
    const float f = rng.UniformFloat();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ASSERT_GE(f, 0.0f);
    ASSERT_LT(f, 1.0f);
    sum += u;
    sum_f += f;
    const double x = rng.Uniform(-2.0, 3.0);
    ASSERT_GE(x, -2.0);
    ASSERT_LT(x, 3.0);
  }
  // Standard error of the mean of U(0,1) is 0.289/sqrt(n) ≈ 6.5e-4: 5 sigma.
  EXPECT_NEAR(sum / n, 0.5, 3.3e-3);
  EXPECT_NEAR(sum_f / n, 0.5, 3.3e-3);
}

TEST(Rng, UniformIntIsUnbiasedAndInRange) {
  Rng rng(5);
  const int n = 7, draws = 140000;
  std::vector<int> counts(n, 0);
  for (int i = 0; i < draws; ++i) {
    const uint64_t k = rng.UniformInt(n);
    ASSERT_LT(k, static_cast<uint64_t>(n));
    ++counts[k];
  }
  // Chi-square with 6 degrees of freedom: 22.5 is the 0.999 quantile.
  double chi2 = 0;
  const double expected = static_cast<double>(draws) / n;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 22.5);
  EXPECT_EQ(rng.UniformInt(1), 0u);
}

TEST(Rng, NormalMoments) {
  Rng rng(11);
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double x = rng.Normal(2.0, 3.0);
    ASSERT_TRUE(std::isfinite(x));
    sum += x;
    sum_sq += x * x;
  }
  const double mean = sum / n, var = sum_sq / n - mean * mean;
  EXPECT_NEAR(mean, 2.0, 5 * 3.0 / std::sqrt(n));
  EXPECT_NEAR(var, 9.0, 0.15);  // sd of the sample variance ≈ 9·sqrt(2/n) ≈ 0.028
}

// Frequencies match the weights; zero, negative and NaN weights are never drawn.
TEST(Rng, CategoricalFollowsWeights) {
  Rng rng(13);
  const std::vector<float> w = {1.0f, 0.0f, 3.0f, -1.0f, NAN, 4.0f};
  std::vector<int> counts(w.size(), 0);
  const int draws = 80000;
  for (int i = 0; i < draws; ++i) ++counts[static_cast<std::size_t>(rng.Categorical(w))];
  EXPECT_EQ(counts[1], 0);
  EXPECT_EQ(counts[3], 0);
  EXPECT_EQ(counts[4], 0);
  EXPECT_NEAR(counts[0] / double(draws), 1.0 / 8, 0.01);
  EXPECT_NEAR(counts[2] / double(draws), 3.0 / 8, 0.01);
  EXPECT_NEAR(counts[5] / double(draws), 4.0 / 8, 0.01);
  EXPECT_EQ(rng.Categorical(std::vector<float>{0.0f, 0.0f}), 0);
  EXPECT_EQ(rng.Categorical(std::vector<float>{0.0f, 0.0f, 2.0f}), 2);
}

// p^(1/T) renormalised is softmax(log p / T): check the frequencies for T = 0.5 and T = 2.
TEST(Rng, TemperatureSharpensAndFlattens) {
  const std::vector<float> p = {0.1f, 0.3f, 0.6f};
  for (float t : {0.5f, 2.0f}) {
    Rng rng(17);
    std::vector<double> expected(p.size());
    double z = 0;
    for (std::size_t i = 0; i < p.size(); ++i) z += expected[i] = std::pow(p[i], 1.0 / t);
    std::vector<int> counts(p.size(), 0);
    const int draws = 100000;
    for (int i = 0; i < draws; ++i) ++counts[static_cast<std::size_t>(rng.CategoricalWithTemperature(p, t))];
    for (std::size_t i = 0; i < p.size(); ++i)
      EXPECT_NEAR(counts[i] / double(draws), expected[i] / z, 0.008) << "T=" << t << " i=" << i;
  }
  Rng rng(19);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.CategoricalWithTemperature(p, 0.0f), 2);
  // Tiny probabilities at low temperature must not underflow into "all zero" (→ index 0).
  const std::vector<float> tiny = {1e-30f, 3e-30f};
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.CategoricalWithTemperature(tiny, 0.01f), 1);
}

TEST(Rng, WorksWithStdShuffle) {
  std::vector<int> a(100), b(100);
  std::iota(a.begin(), a.end(), 0);
  b = a;
  Rng r1(23), r2(23);
  std::shuffle(a.begin(), a.end(), r1);
  std::shuffle(b.begin(), b.end(), r2);
  EXPECT_EQ(a, b);
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sorted[static_cast<std::size_t>(i)], i);
}

}  // namespace
}  // namespace rnnscope
