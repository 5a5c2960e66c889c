#include "tasks/generation_task.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace rnnscope {

int32_t GenerationTask::ClassId(const std::string& name) const {
  for (std::size_t k = 0; k < classes_.size(); ++k)
    if (classes_[k] == name || std::to_string(k) == name) return static_cast<int32_t>(k);
  std::string known;
  for (const auto& c : classes_) known += (known.empty() ? "" : ", ") + c;
  throw InputError("class '" + name + "' is not one of the " + Name() + " task's classes (" + known + ")");
}

std::string GenerationTask::Decode(const std::vector<int32_t>& tokens) const {
  std::string s;
  for (int32_t id : tokens) {
    if (id == SymbolTable::kEos) break;
    s += symbols_.Token(id);
  }
  return s;
}

bool IsGenerationTask(const std::string& name) { return name == "spell" || name == "numbers"; }

std::unique_ptr<GenerationTask> MakeGenerationTask(const std::string& name, const nlohmann::json& /*options*/) {
  if (name == "spell") return MakeSpellTask();
  if (name == "numbers") return MakeNumbersTask();
  throw ConfigError("unknown generation task '" + name + "' (known: spell, numbers)");
}

GenerationBatch MakeGenerationBatch(const std::vector<GenerationExample>& examples) {
  GenerationBatch batch;
  batch.B = static_cast<int>(examples.size());
  for (const auto& ex : examples) batch.T = std::max(batch.T, static_cast<int>(ex.target.size()) + 1);
  const auto B = static_cast<std::size_t>(batch.B);
  batch.target.assign(static_cast<std::size_t>(batch.T) * B, -1);
  for (std::size_t b = 0; b < B; ++b) {
    const auto& ex = examples[b];
    batch.classes.push_back(ex.cls);
    for (std::size_t t = 0; t < ex.target.size(); ++t) batch.target[t * B + b] = ex.target[t];
    batch.target[ex.target.size() * B + b] = SymbolTable::kEos;
  }
  return batch;
}

}  // namespace rnnscope
