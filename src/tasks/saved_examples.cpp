#include "tasks/saved_examples.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace rnnscope {
namespace {

std::string NoteFor(const std::string& unavailable, std::size_t n, const char* what) {
  return "the data file is unavailable (" + unavailable + "): these metrics come from the " + std::to_string(n) +
         " validation " + what + " saved in the checkpoint";
}

[[noreturn]] void NoTrainingSplit(const std::string& unavailable) {
  throw ConfigError("the training examples are not in the checkpoint: " + unavailable);
}

void CheckIds(const std::vector<int32_t>& ids, int limit, const char* what) {
  for (int32_t id : ids)
    if (id < 0 || id >= limit)
      throw InputError(std::string("saved example: ") + what + " id " + std::to_string(id) + " outside the vocabulary of " +
                       std::to_string(limit));
}

class SavedSeq2SeqTask final : public Seq2SeqTask {
 public:
  SavedSeq2SeqTask(std::string name, const std::vector<std::string>& source, const std::vector<std::string>& target,
                   std::vector<Seq2SeqExample> examples, std::string unavailable)
      : name_(std::move(name)), unavailable_(std::move(unavailable)), examples_(std::move(examples)) {
    // In id order; the special tokens found by name, so an imported model's (SOS=0, EOS=1, …)
    // keep their ids as the built-in tasks' <pad>, <sos>, <eos> = 0, 1, 2 do.
    source_ = SymbolTable::FromTokens(source, "saved source vocabulary");
    target_ = SymbolTable::FromTokens(target, "saved target vocabulary");
    if (source_.eos() < 0 || target_.eos() < 0 || target_.sos() < 0)
      throw InputError("saved vocabulary: no end token (<eos>/EOS) in one of them or no start token (<sos>/SOS) in the target");
    for (const Seq2SeqExample& ex : examples_) {
      CheckIds(ex.source, source_.Size(), "source");
      CheckIds(ex.target, target_.Size(), "target");
      max_target_ = std::max(max_target_, static_cast<int>(ex.target.size()));
    }
    if (examples_.empty()) throw InputError("the checkpoint saved no validation examples");
  }
  std::string Name() const override { return name_; }
  bool HasAlignment() const override { return false; }
  std::string SplitNote(Split split) const override {
    return split == Split::kTrain ? "" : NoteFor(unavailable_, examples_.size(), "pairs");
  }
  int MaxTargetLength() const override { return max_target_; }
  Seq2SeqExample Sample(Rng& rng, Split split) const override {
    if (split == Split::kTrain) NoTrainingSplit(unavailable_);
    return examples_[rng.UniformInt(examples_.size())];
  }
  std::string DataUnavailable() const override { return unavailable_; }

 protected:
  Seq2SeqExample Generate(Rng&) const override { NoTrainingSplit(unavailable_); }

 private:
  std::string name_, unavailable_;
  std::vector<Seq2SeqExample> examples_;
  int max_target_ = 0;
};

class SavedTaggingTask final : public TaggingTask {
 public:
  SavedTaggingTask(std::string name, nlohmann::json options, const std::vector<std::string>& words,
                   const std::vector<std::string>& tags, std::vector<TaggingExample> examples, std::string unavailable)
      : name_(std::move(name)), options_(std::move(options)), unavailable_(std::move(unavailable)), examples_(std::move(examples)) {
    for (std::size_t i = 0; i < words.size(); ++i)
      if (words_.Add(words[i]) != static_cast<int32_t>(i))
        throw InputError("saved vocabulary: word '" + words[i] + "' out of place (ids 0-3 are <pad>, <sos>, <eos>, <unk>)");
    for (const std::string& tag : tags) AddTag(tag);
    if (tags_.size() != tags.size()) throw InputError("saved tags: a tag is listed twice");
    for (const TaggingExample& ex : examples_) {
      CheckIds(ex.words, words_.Size(), "word");
      CheckIds(ex.tags, static_cast<int>(tags_.size()), "tag");
      if (ex.words.size() != ex.tags.size() || ex.words.empty())
        throw InputError("saved example: words and tags differ in length");
    }
    if (examples_.empty()) throw InputError("the checkpoint saved no validation sentences");
  }
  std::string Name() const override { return name_; }
  nlohmann::json Options() const override { return options_; }
  const std::vector<TaggingExample>* Examples(Split split) const override {
    return split == Split::kTrain ? nullptr : &examples_;
  }
  std::string SplitNote(Split split) const override {
    return split == Split::kTrain ? "" : NoteFor(unavailable_, examples_.size(), "sentences");
  }
  TaggingExample Sample(Rng& rng, Split split) const override {
    if (split == Split::kTrain) NoTrainingSplit(unavailable_);
    return examples_[rng.UniformInt(examples_.size())];
  }
  std::string DataUnavailable() const override { return unavailable_; }

 private:
  std::string name_;
  nlohmann::json options_;
  std::string unavailable_;
  std::vector<TaggingExample> examples_;
};

template <typename Example>
nlohmann::json ToJsonPairs(const std::vector<Example>& examples, auto first, auto second) {
  nlohmann::json out = nlohmann::json::array();
  for (const Example& e : examples) out.push_back({e.*first, e.*second});
  return out;
}

template <typename Example>
std::vector<Example> FromJsonPairs(const nlohmann::json& j, auto first, auto second) {
  std::vector<Example> out;
  for (const nlohmann::json& pair : j.get_ref<const nlohmann::json::array_t&>()) {
    Example e;
    e.*first = pair.at(0).get<std::vector<int32_t>>();
    e.*second = pair.at(1).get<std::vector<int32_t>>();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

nlohmann::json SavedExamplesToJson(const std::vector<Seq2SeqExample>& examples) {
  return ToJsonPairs(examples, &Seq2SeqExample::source, &Seq2SeqExample::target);
}

nlohmann::json SavedExamplesToJson(const std::vector<TaggingExample>& examples) {
  return ToJsonPairs(examples, &TaggingExample::words, &TaggingExample::tags);
}

std::vector<Seq2SeqExample> Seq2SeqExamplesFromJson(const nlohmann::json& j) {
  return FromJsonPairs<Seq2SeqExample>(j, &Seq2SeqExample::source, &Seq2SeqExample::target);
}

std::vector<TaggingExample> TaggingExamplesFromJson(const nlohmann::json& j) {
  return FromJsonPairs<TaggingExample>(j, &TaggingExample::words, &TaggingExample::tags);
}

std::unique_ptr<Seq2SeqTask> MakeSavedSeq2SeqTask(const std::string& name, const std::vector<std::string>& source_tokens,
                                                  const std::vector<std::string>& target_tokens,
                                                  const std::vector<Seq2SeqExample>& examples, const std::string& unavailable) {
  return std::make_unique<SavedSeq2SeqTask>(name, source_tokens, target_tokens, examples, unavailable);
}

std::unique_ptr<TaggingTask> MakeSavedTaggingTask(const std::string& name, const nlohmann::json& options,
                                                  const std::vector<std::string>& words,
                                                  const std::vector<std::string>& tags,
                                                  const std::vector<TaggingExample>& examples, const std::string& unavailable) {
  return std::make_unique<SavedTaggingTask>(name, options, words, tags, examples, unavailable);
}

}  // namespace rnnscope
