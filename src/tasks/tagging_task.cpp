#include "tasks/tagging_task.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace rnnscope {

TagScheme ParseTagScheme(const std::string& name) {
  if (name == "bio") return TagScheme::kBio;
  if (name == "plain") return TagScheme::kPlain;
  throw ConfigError("tag scheme '" + name + "' unknown (bio, plain)");
}

std::string TagSchemeName(TagScheme scheme) { return scheme == TagScheme::kBio ? "bio" : "plain"; }

std::vector<SlotSpan> ExtractSpans(const std::vector<std::string>& tags) {
  std::vector<SlotSpan> spans;
  bool open = false;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const std::string& tag = tags[i];
    const int pos = static_cast<int>(i);
    if (tag == "O" || tag.empty()) {
      open = false;
      continue;
    }
    const bool begin = tag.rfind("B-", 0) == 0, inside = tag.rfind("I-", 0) == 0;
    const std::string type = begin || inside ? tag.substr(2) : tag;
    if (open && !begin && spans.back().type == type) {
      spans.back().end = pos + 1;
    } else {
      spans.push_back({type, pos, pos + 1});
      open = true;
    }
  }
  return spans;
}

int TaggingTask::TagId(const std::string& tag) const {
  auto it = tag_index_.find(tag);
  if (it == tag_index_.end()) throw InputError("unknown tag '" + tag + "'");
  return it->second;
}

int32_t TaggingTask::AddTag(const std::string& tag) {
  auto it = tag_index_.find(tag);
  if (it != tag_index_.end()) return it->second;
  const auto id = static_cast<int32_t>(tags_.size());
  tags_.push_back(tag);
  tag_index_.emplace(tag, id);
  return id;
}

std::vector<std::string> TaggingTask::SlotTypes() const {
  std::vector<std::string> types;
  for (const std::string& tag : tags_) {
    if (tag == "O") continue;
    const std::string type = tag.rfind("B-", 0) == 0 || tag.rfind("I-", 0) == 0 ? tag.substr(2) : tag;
    if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
  }
  return types;
}

std::vector<int32_t> TaggingTask::EncodeWords(const std::string& text) const {
  std::istringstream in(text);
  std::vector<int32_t> ids;
  std::string word;
  while (in >> word) ids.push_back(words_.Has(word) ? words_.Id(word) : kUnk);
  if (ids.empty()) throw InputError("empty input: expected words separated by spaces");
  return ids;
}

bool IsTaggingTask(const std::string& name) { return name == "slots" || name == "flipflop" || name == "conll"; }

std::unique_ptr<TaggingTask> MakeTaggingTask(const std::string& name, const nlohmann::json& options) {
  try {
    if (name == "slots") return MakeSlotTask(ParseTagScheme(options.value("tags", "bio")));
    if (name == "flipflop") return MakeFlipFlopTask();
    if (name == "conll") {
      const std::string path = options.value("data", "");
      if (path.empty()) throw ConfigError("task conll needs --data FILE (two columns: token<TAB>tag)");
      return MakeConllTask(path);
    }
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("tagging task options: " + std::string(e.what()));
  }
  throw ConfigError("unknown tagging task '" + name + "' (known: slots, flipflop, conll)");
}

SequenceBatch MakeTaggingBatch(const std::vector<TaggingExample>& examples) {
  SequenceBatch batch;
  batch.B = static_cast<int>(examples.size());
  for (const auto& ex : examples) batch.T = std::max(batch.T, static_cast<int>(ex.words.size()));
  const auto B = static_cast<std::size_t>(batch.B);
  batch.tokens.assign(static_cast<std::size_t>(batch.T) * B, SymbolTable::kPad);
  batch.labels.assign(static_cast<std::size_t>(batch.T) * B, -1);
  for (std::size_t b = 0; b < B; ++b) {
    const auto& ex = examples[b];
    for (std::size_t t = 0; t < ex.words.size(); ++t) {
      batch.tokens[t * B + b] = ex.words[t];
      batch.labels[t * B + b] = ex.tags[t];
    }
    batch.lengths.push_back(static_cast<int>(ex.words.size()));
  }
  return batch;
}

TaggingExample SampleOfSplit(const std::function<TaggingExample(Rng&)>& generate, Rng& rng, Split split,
                             const std::string& task) {
  for (int attempt = 0; attempt < 10000; ++attempt) {
    TaggingExample ex = generate(rng);
    if (SplitOf(ex.words) == split) return ex;
  }
  throw ConfigError(task + ": could not draw an example of the requested split");
}

}  // namespace rnnscope
