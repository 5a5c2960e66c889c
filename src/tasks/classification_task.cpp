#include "tasks/classification_task.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/utf8.h"

namespace rnnscope {

nlohmann::json ClassificationTask::Options() const {
  return {{"min_length", options_.min_length}, {"max_length", options_.max_length}};
}

ClassificationExample ClassificationTask::Sample(Rng& rng, Split split) const {
  for (int attempt = 0; attempt < 10000; ++attempt) {
    ClassificationExample ex = Generate(rng);
    if (SplitOf(ex.tokens) == split) return ex;
  }
  throw ConfigError(Name() + ": could not draw an example of the requested split (lengths too small)");
}

std::vector<int32_t> ClassificationTask::Encode(const std::string& text) const {
  std::vector<int32_t> ids;
  int column = 1;
  for (char32_t cp : DecodeUtf8(text, "input")) {
    const std::string ch = EncodeUtf8(cp);
    if (!symbols_.Has(ch) || symbols_.Id(ch) < 3)
      throw InputError("input column " + std::to_string(column) + ": '" + ch + "' is not a symbol of the " + Name() + " task");
    ids.push_back(symbols_.Id(ch));
    ++column;
  }
  if (ids.empty()) throw InputError("empty input");
  return ids;
}

std::string ClassificationTask::Decode(const std::vector<int32_t>& tokens) const {
  std::string s;
  for (int32_t id : tokens) s += symbols_.Token(id);
  return s;
}

bool IsClassificationTask(const std::string& name) { return name == "brackets" || name == "majority"; }

std::unique_ptr<ClassificationTask> MakeClassificationTask(const std::string& name, const nlohmann::json& options) {
  TaskOptions o = name == "majority" ? TaskOptions{5, 15} : TaskOptions{2, 16};
  try {
    o.min_length = options.value("min_length", o.min_length);
    o.max_length = options.value("max_length", o.max_length);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("classification task options: " + std::string(e.what()));
  }
  if (o.min_length < 2 || o.max_length < o.min_length || o.max_length > 256)
    throw ConfigError("task lengths [" + std::to_string(o.min_length) + ", " + std::to_string(o.max_length) +
                      "] must satisfy 2 ≤ min ≤ max ≤ 256");
  if (name == "brackets") return MakeBracketsTask(o);
  if (name == "majority") return MakeMajorityTask(o);
  throw ConfigError("unknown classification task '" + name + "' (known: brackets, majority)");
}

SequenceBatch MakeClassificationBatch(const std::vector<ClassificationExample>& examples) {
  SequenceBatch batch;
  batch.B = static_cast<int>(examples.size());
  for (const auto& ex : examples) batch.T = std::max(batch.T, static_cast<int>(ex.tokens.size()));
  const auto B = static_cast<std::size_t>(batch.B);
  batch.tokens.assign(static_cast<std::size_t>(batch.T) * B, SymbolTable::kPad);
  for (std::size_t b = 0; b < B; ++b) {
    for (std::size_t t = 0; t < examples[b].tokens.size(); ++t) batch.tokens[t * B + b] = examples[b].tokens[t];
    batch.lengths.push_back(static_cast<int>(examples[b].tokens.size()));
    batch.labels.push_back(examples[b].label);
  }
  return batch;
}

}  // namespace rnnscope
