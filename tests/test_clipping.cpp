// Clipping against torch.nn.utils.clip_grad_norm_ (cases in tests/data/optimizer_goldens.json)
// and against hand-computed values.
#include "train/clipping.h"

#include <cmath>
#include <fstream>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace rnnscope {
namespace {

using nlohmann::json;

const json& Goldens() {
  static const json j = [] {
    std::ifstream in(RNNSCOPE_SOURCE_DIR "/tests/data/optimizer_goldens.json");
    if (!in) throw std::runtime_error("cannot open tests/data/optimizer_goldens.json");
    return json::parse(in);
  }();
  return j;
}

ModelConfig SmallConfig() {
  ModelConfig c;
  c.cell = CellKind::kGru;
  c.vocab = 3;
  c.embed = 2;
  c.hidden = 2;
  return c;
}

// Golden tensors are row-major (PyTorch); Eigen is column-major.
ModelParams<float> Load(const json& by_name) {
  ModelParams<float> p;
  p.Allocate(SmallConfig());
  p.ForEach([&](const std::string& name, MatF& m, bool) {
    const json& flat = by_name.at(name);
    for (Eigen::Index r = 0; r < m.rows(); ++r)
      for (Eigen::Index c = 0; c < m.cols(); ++c)
        m(r, c) = flat[static_cast<std::size_t>(r * m.cols() + c)].get<float>();
  });
  return p;
}

TEST(Clipping, GlobalNormMatchesTorchClipGradNorm) {
  const json& cases = Goldens().at("clip_norm");
  ASSERT_EQ(cases.size(), 2u);
  bool saw_clip = false, saw_no_clip = false;
  for (const json& c : cases) {
    ModelParams<float> g = Load(Goldens().at("grads")[0]);
    const float max_norm = c.at("max_norm").get<float>();
    const double torch_norm = c.at("total_norm").get<double>();
    const ClipResult r = ClipByGlobalNorm(g, max_norm);
    EXPECT_NEAR(r.norm, torch_norm, 1e-6 * torch_norm);
    EXPECT_EQ(r.clipped, torch_norm > max_norm);
    (r.clipped ? saw_clip : saw_no_clip) = true;
    const ModelParams<float> expected = Load(c.at("clipped"));
    std::vector<const MatF*> e;
    expected.ForEach([&](const std::string&, const MatF& m, bool) { e.push_back(&m); });
    std::size_t i = 0;
    g.ForEach([&](const std::string& name, const MatF& m, bool) {
      const MatF& x = *e[i++];
      for (Eigen::Index k = 0; k < m.size(); ++k)
        EXPECT_NEAR(m.data()[k], x.data()[k], 1e-6 * std::max(std::abs(x.data()[k]), 1e-3f))
            << name << "[" << k << "] max_norm " << max_norm;
    });
    if (r.clipped) {
      EXPECT_NEAR(GlobalNorm(g), max_norm, 1e-5 * max_norm);
    }
  }
  EXPECT_TRUE(saw_clip && saw_no_clip);
}

ModelParams<float> Filled(float value) {
  ModelParams<float> g;
  g.Allocate(SmallConfig());
  g.ForEach([&](const std::string&, MatF& m, bool) { m.setConstant(value); });
  return g;
}

TEST(Clipping, GlobalNormIsL2OverAllTensors) {
  ModelParams<float> g = Filled(0.5f);
  const double n = static_cast<double>(g.ParameterCount());
  EXPECT_NEAR(GlobalNorm(g), std::sqrt(n * 0.25), 1e-6);
}

TEST(Clipping, ByValueClampsAndReportsNormBefore) {
  ModelParams<float> g = Filled(0.0f);
  g.fc_w(0, 0) = 7.0f;
  g.fc_w(1, 1) = -9.0f;
  g.rnn[0].b_hh(2, 0) = 4.0f;
  const ClipResult r = ClipByValue(g, 5.0f);
  EXPECT_TRUE(r.clipped);
  EXPECT_NEAR(r.norm, std::sqrt(49.0 + 81.0 + 16.0), 1e-5);
  EXPECT_EQ(g.fc_w(0, 0), 5.0f);
  EXPECT_EQ(g.fc_w(1, 1), -5.0f);
  EXPECT_EQ(g.rnn[0].b_hh(2, 0), 4.0f);  // inside the range: untouched

  const ClipResult again = ClipByValue(g, 5.0f);
  EXPECT_FALSE(again.clipped);
  EXPECT_THROW(ClipByValue(g, 0.0f), ConfigError);
}

TEST(Clipping, ByNormScalesOnlyAboveMax) {
  ModelParams<float> g = Filled(0.0f);
  g.fc_b(0, 0) = 3.0f;
  g.fc_b(1, 0) = 4.0f;  // norm 5
  ClipResult r = ClipByGlobalNorm(g, 10.0f);
  EXPECT_FALSE(r.clipped);
  EXPECT_FLOAT_EQ(r.norm, 5.0f);
  EXPECT_EQ(g.fc_b(0, 0), 3.0f);

  r = ClipByGlobalNorm(g, 1.0f);
  EXPECT_TRUE(r.clipped);
  EXPECT_FLOAT_EQ(r.norm, 5.0f);
  const float coef = 1.0f / (5.0f + 1e-6f);
  EXPECT_FLOAT_EQ(g.fc_b(0, 0), 3.0f * coef);
  EXPECT_FLOAT_EQ(g.fc_b(1, 0), 4.0f * coef);
  EXPECT_THROW(ClipByGlobalNorm(g, -1.0f), ConfigError);
}

TEST(Clipping, NonFiniteNormLeavesGradientsAlone) {
  ModelParams<float> g = Filled(1.0f);
  g.rnn[0].w_hh(0, 0) = std::numeric_limits<float>::infinity();
  const ClipResult r = ClipByGlobalNorm(g, 1.0f);
  EXPECT_FALSE(std::isfinite(r.norm));
  EXPECT_FALSE(r.clipped);
  EXPECT_EQ(g.fc_w(0, 0), 1.0f);
}

TEST(Clipping, DispatchByMode) {
  EXPECT_EQ(ParseClipMode("none"), ClipMode::kNone);
  EXPECT_EQ(ParseClipMode("value"), ClipMode::kValue);
  EXPECT_EQ(ParseClipMode("norm"), ClipMode::kNorm);
  EXPECT_THROW(ParseClipMode("l1"), ConfigError);
  for (ClipMode m : {ClipMode::kNone, ClipMode::kValue, ClipMode::kNorm})
    EXPECT_EQ(ParseClipMode(ClipModeName(m)), m);

  ModelParams<float> g = Filled(10.0f);
  const float before = GlobalNorm(g);
  ClipResult r = ClipGradients(g, ClipMode::kNone, 1.0f);
  EXPECT_FALSE(r.clipped);
  EXPECT_EQ(r.norm, before);
  EXPECT_EQ(g.fc_w(0, 0), 10.0f);
  r = ClipGradients(g, ClipMode::kValue, 1.0f);
  EXPECT_TRUE(r.clipped);
  EXPECT_EQ(g.fc_w(0, 0), 1.0f);
  r = ClipGradients(g, ClipMode::kNorm, 1.0f);
  EXPECT_TRUE(r.clipped);
  EXPECT_NEAR(GlobalNorm(g), 1.0f, 1e-5f);
}

TEST(Clipping, TensorNormsInStateDictOrder) {
  ModelParams<float> g = Filled(0.0f);
  g.embedding.setConstant(1.0f);  // (3, 2): norm sqrt(6)
  g.fc_b(2, 0) = -2.0f;
  const auto norms = TensorNorms(g);
  ASSERT_EQ(norms.size(), 7u);
  EXPECT_EQ(norms.front().first, "embedding.weight");
  EXPECT_NEAR(norms.front().second, std::sqrt(6.0f), 1e-6f);
  EXPECT_EQ(norms[1].first, "rnn.weight_ih_l0");
  EXPECT_EQ(norms[1].second, 0.0f);
  EXPECT_EQ(norms.back().first, "fc.bias");
  EXPECT_FLOAT_EQ(norms.back().second, 2.0f);
}

TEST(Clipping, FirstNonFiniteNamesTheTensor) {
  ModelParams<float> g = Filled(1.0f);
  EXPECT_FALSE(FirstNonFinite(g).has_value());
  g.fc_w(2, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(FirstNonFinite(g).value_or(""), "fc.weight");
  g.rnn[0].b_ih(1, 0) = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(FirstNonFinite(g).value_or(""), "rnn.bias_ih_l0");  // earlier in state_dict order
}

}  // namespace
}  // namespace rnnscope
