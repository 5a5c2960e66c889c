#include "model/model_config.h"

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace rnnscope {

int ModelConfig::InputSize(int layer) const {
  if (layer > 0) return OutputSize();
  return embed > 0 ? embed : vocab;
}

namespace {
void CheckRange(const char* name, long long value, long long lo, long long hi) {
  if (value < lo || value > hi) {
    throw ConfigError(std::string(name) + " = " + std::to_string(value) + " is out of range [" +
                      std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
}
}  // namespace

void ModelConfig::Validate() const {
  CheckRange("vocab", vocab, 2, kMaxVocab);
  if (classes != 0) CheckRange("classes", classes, 2, kMaxVocab);
  CheckRange("embed", embed, 0, kMaxEmbed);
  CheckRange("hidden", hidden, 1, kMaxHidden);
  CheckRange("layers", layers, 1, kMaxLayers);
  if (peephole && cell != CellKind::kLstm) throw ConfigError("peephole connections need --cell lstm");
  if (cell == CellKind::kJordan && bidirectional)
    throw ConfigError("a Jordan RNN feeds back its own output and is unidirectional here");
}

nlohmann::json ToJson(const ModelConfig& c) {
  nlohmann::json j = {{"cell", std::string(CellName(c.cell))}, {"vocab", c.vocab}, {"embed", c.embed},
                      {"hidden", c.hidden}, {"layers", c.layers}, {"bidirectional", c.bidirectional},
                      {"peephole", c.peephole}};
  if (c.classes > 0) j["classes"] = c.classes;  // language models keep their old JSON
  return j;
}

ModelConfig ModelConfigFromJson(const nlohmann::json& j) {
  try {
    ModelConfig c;
    c.cell = ParseCellKind(j.at("cell").get<std::string>());
    c.vocab = j.at("vocab").get<int>();
    c.embed = j.value("embed", 0);
    c.hidden = j.at("hidden").get<int>();
    c.layers = j.value("layers", 1);
    c.bidirectional = j.value("bidirectional", false);
    c.peephole = j.value("peephole", false);
    c.classes = j.value("classes", 0);  // absent in files from before taggers loaded
    c.Validate();
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("model config: ") + e.what());
  }
}

}  // namespace rnnscope
