// The three single-network structure types against PyTorch: loss and the gradient of every
// parameter, compared tensor by tensor with goldens written by
// tests/parity/make_structure_goldens.py (packed bidirectional GRU/LSTM taggers and
// classifiers with both readouts, the generator conditioned at the first or every step).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "model/classifier.h"
#include "model/generator.h"
#include "model/tagger.h"

namespace rnnscope {
namespace {

MatD FromJson(const nlohmann::json& j) {
  if (!j.at(0).is_array()) {  // a bias: (n, 1)
    MatD m(static_cast<Eigen::Index>(j.size()), 1);
    for (std::size_t i = 0; i < j.size(); ++i) m(static_cast<Eigen::Index>(i), 0) = j.at(i).get<double>();
    return m;
  }
  MatD m(static_cast<Eigen::Index>(j.size()), static_cast<Eigen::Index>(j.at(0).size()));
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c) m(r, c) = j.at(static_cast<std::size_t>(r)).at(static_cast<std::size_t>(c)).get<double>();
  return m;
}

// Loads the golden weights into `params` (every tensor must be there, at the same shape).
void LoadParams(const nlohmann::json& c, ModelParams<double>& params) {
  int loaded = 0;
  params.ForEach([&](const std::string& name, MatD& m, bool) {
    ASSERT_TRUE(c.at("params").contains(name)) << name;
    const MatD w = FromJson(c.at("params").at(name));
    ASSERT_EQ(w.rows(), m.rows()) << name;
    ASSERT_EQ(w.cols(), m.cols()) << name;
    m = w;
    ++loaded;
  });
  EXPECT_EQ(static_cast<std::size_t>(loaded), c.at("params").size()) << "PyTorch has tensors we do not";
}

void ExpectGrads(const nlohmann::json& c, const ModelParams<double>& grads, const std::string& label) {
  grads.ForEach([&](const std::string& name, const MatD& g, bool) {
    const MatD want = FromJson(c.at("grads").at(name));
    ASSERT_EQ(g.rows(), want.rows()) << name;
    const double scale = std::max(1.0, want.cwiseAbs().maxCoeff());
    EXPECT_LT((g - want).cwiseAbs().maxCoeff(), 1e-10 * scale) << label << " " << name << "\ngot\n" << g << "\nwant\n" << want;
  });
}

TEST(StructuresParity, MatchesPyTorch) {
  std::ifstream in(std::string(RNNSCOPE_SOURCE_DIR) + "/tests/parity/structure_goldens.json");
  ASSERT_TRUE(in) << "missing goldens: run /usr/bin/python3 tests/parity/make_structure_goldens.py";
  const nlohmann::json goldens = nlohmann::json::parse(in);
  int checked = 0;
  for (const nlohmann::json& c : goldens.at("cases")) {
    const std::string kind = c.at("kind");
    const std::string label = kind + "_" + c.at("cell").get<std::string>() + "_" + c.value("readout", c.value("condition", ""));
    SCOPED_TRACE(label);
    StructureConfig config;
    config.rnn.cell = ParseCellKind(c.at("cell").get<std::string>());
    config.rnn.vocab = goldens.at("V");
    config.rnn.embed = goldens.at("E");
    config.rnn.hidden = goldens.at("H");
    const int T = c.at("T"), B = c.at("B");
    if (kind == "generator") {
      config.kind = StructureKind::kGenerator;
      config.classes = c.at("classes_count");
      config.condition = ParseCondition(c.at("condition"));
      GeneratorModel<double> model(config, 1);
      LoadParams(c, model.params);
      GenerationBatch batch;
      batch.T = T, batch.B = B;
      batch.classes = c.at("classes").get<std::vector<int32_t>>();
      batch.target = c.at("target").get<std::vector<int32_t>>();
      GeneratorPass<double> pass;
      EXPECT_NEAR(model.Forward(batch, pass), c.at("loss").get<double>(), 1e-12);
      model.grads.SetZero();
      model.Backward(batch, pass);
      ExpectGrads(c, model.grads, label);
    } else {
      config.rnn.bidirectional = true;
      config.rnn.layers = c.at("layers");
      config.classes = goldens.at("K");
      SequenceBatch batch;
      batch.T = T, batch.B = B;
      batch.tokens = c.at("tokens").get<std::vector<int32_t>>();
      batch.lengths = c.at("lengths").get<std::vector<int>>();
      batch.labels = c.at("labels").get<std::vector<int32_t>>();
      if (kind == "tagger") {
        config.kind = StructureKind::kTagger;
        TaggerModel<double> model(config, 1);
        LoadParams(c, model.params);
        TaggerPass<double> pass;
        EXPECT_NEAR(model.Forward(batch, pass), c.at("loss").get<double>(), 1e-12);
        model.grads.SetZero();
        model.Backward(batch, pass);
        ExpectGrads(c, model.grads, label);
      } else {
        config.kind = StructureKind::kClassifier;
        config.readout = ParseReadout(c.at("readout"));
        ClassifierModel<double> model(config, 1);
        LoadParams(c, model.params);
        ClassifierPass<double> pass;
        EXPECT_NEAR(model.Forward(batch, pass), c.at("loss").get<double>(), 1e-12);
        model.grads.SetZero();
        model.Backward(batch, pass);
        ExpectGrads(c, model.grads, label);
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

}  // namespace
}  // namespace rnnscope
