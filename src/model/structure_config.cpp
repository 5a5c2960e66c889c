#include "model/structure_config.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "core/error.h"

namespace rnnscope {

std::string StructureName(StructureKind kind) {
  switch (kind) {
    case StructureKind::kTagger: return "tagger";
    case StructureKind::kClassifier: return "classifier";
    case StructureKind::kGenerator: return "generator";
  }
  return "?";
}

StructureKind ParseStructureKind(const std::string& name) {
  if (name == "tagger") return StructureKind::kTagger;
  if (name == "classifier") return StructureKind::kClassifier;
  if (name == "generator") return StructureKind::kGenerator;
  throw ConfigError("structure '" + name + "' unknown (tagger, classifier, generator)");
}

std::string ReadoutName(Readout r) { return r == Readout::kLast ? "last" : "mean"; }

Readout ParseReadout(const std::string& name) {
  if (name == "last") return Readout::kLast;
  if (name == "mean") return Readout::kMean;
  throw ConfigError("readout '" + name + "' unknown (last, mean)");
}

std::string ConditionName(Condition c) { return c == Condition::kFirst ? "first" : "every"; }

Condition ParseCondition(const std::string& name) {
  if (name == "first") return Condition::kFirst;
  if (name == "every") return Condition::kEvery;
  throw ConfigError("condition '" + name + "' unknown (first, every)");
}

void StructureConfig::Validate() const {
  rnn.Validate();
  if (rnn.embed < 1) throw ConfigError(StructureName(kind) + ": embed must be ≥ 1 (token embeddings are learned)");
  if (classes < 2 || classes > 4096)
    throw ConfigError(StructureName(kind) + ": classes = " + std::to_string(classes) + " is out of range [2, 4096]");
  if (kind == StructureKind::kGenerator && rnn.bidirectional)
    throw ConfigError("generator: a bidirectional layer would read the tokens it has to generate");
}

nlohmann::json ToJson(const StructureConfig& c) {
  return {{"structure", StructureName(c.kind)}, {"rnn", ToJson(c.rnn)}, {"classes", c.classes},
          {"readout", ReadoutName(c.readout)}, {"condition", ConditionName(c.condition)}};
}

StructureConfig StructureConfigFromJson(const nlohmann::json& j) {
  try {
    StructureConfig c;
    c.kind = ParseStructureKind(j.at("structure").get<std::string>());
    c.rnn = ModelConfigFromJson(j.at("rnn"));
    c.classes = j.at("classes").get<int>();
    c.readout = ParseReadout(j.value("readout", "last"));
    c.condition = ParseCondition(j.value("condition", "first"));
    c.Validate();
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("structure config: ") + e.what());
  } catch (const ConfigError& e) {
    throw InputError(std::string("structure config: ") + e.what());
  }
}

template <class S>
void AllocateStructureParams(const StructureConfig& c, ModelParams<S>& p) {
  p.Allocate(c.rnn);
  const int G = c.rnn.Gates(), H = c.rnn.hidden;
  if (c.kind == StructureKind::kGenerator) p.rnn[0].w_ih.setZero(G * H, c.InputSize());  // (G*H, K+E)
  p.fc_w.setZero(c.OutputSize(), c.rnn.OutputSize());  // (K or V, D*H)
  p.fc_b.setZero(c.OutputSize(), 1);
}

template <class S>
void InitStructureParams(const StructureConfig& c, uint64_t seed, ModelParams<S>& p) {
  p.InitRandom(c.rnn, seed);
  // Re-draw the tensors whose shapes differ from the char LM's, with the same bounds.
  std::mt19937_64 rng(seed ^ 0x57a7c7u);
  auto uniform = [&](Mat<S>& m, double bound) {
    std::uniform_real_distribution<double> u(-bound, bound);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<S>(u(rng));
  };
  const int G = c.rnn.Gates(), H = c.rnn.hidden;
  if (c.kind == StructureKind::kGenerator) {
    p.rnn[0].w_ih.resize(G * H, c.InputSize());
    uniform(p.rnn[0].w_ih, 1.0 / std::sqrt(static_cast<double>(H)));
  }
  p.fc_w.resize(c.OutputSize(), c.rnn.OutputSize());
  p.fc_b.resize(c.OutputSize(), 1);
  const double kf = 1.0 / std::sqrt(static_cast<double>(c.rnn.OutputSize()));
  uniform(p.fc_w, kf);
  uniform(p.fc_b, kf);
}

template void AllocateStructureParams<float>(const StructureConfig&, ModelParams<float>&);
template void AllocateStructureParams<double>(const StructureConfig&, ModelParams<double>&);
template void InitStructureParams<float>(const StructureConfig&, uint64_t, ModelParams<float>&);
template void InitStructureParams<double>(const StructureConfig&, uint64_t, ModelParams<double>&);

}  // namespace rnnscope
