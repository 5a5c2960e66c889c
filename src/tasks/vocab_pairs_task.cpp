// A seq2seq task over a PyTorch model's own vocabularies: two JSON lists of tokens (id =
// position, special tokens found by name: SymbolTable::FromTokens) and the model's training
// pairs, 'source<TAB>target' per line (the tsv task's parser, ForEachTsvPair). A side is
// word-level when its vocabulary holds a multi-character token other than the specials (split
// at whitespace, joined with spaces), else one token per UTF-8 character. An unknown token
// becomes <unk> when the vocabulary has one, else it is an InputError naming file:line.
// Splits as the tsv task: SplitOf(source), borrowing when a split is empty.
#include <algorithm>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <tuple>

#include "core/error.h"
#include "core/utf8.h"
#include "io/atomic_file.h"
#include "tasks/borrowed_splits.h"
#include "tasks/line_file.h"
#include "tasks/seq2seq_task.h"

namespace rnnscope {

std::vector<std::string> ReadTokenList(const std::string& path) {
  const std::string text = ReadFileChecked(path, 64ull << 20);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": not valid JSON (" + e.what() + "); expected a JSON list of tokens, id = position");
  }
  if (!j.is_array()) throw InputError(path + ": expected a JSON list of tokens (id = position), found " + std::string(j.type_name()));
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string())
      throw InputError(path + ": token " + std::to_string(i) + " is " + std::string(j[i].type_name()) + ", expected a string");
    tokens.push_back(j[i].get<std::string>());
  }
  return tokens;
}

namespace {

bool WordLevel(const SymbolTable& table) {
  for (int32_t id = 0; id < table.Size(); ++id)
    if (!table.IsSpecial(id) && DecodeUtf8(table.Token(id), "vocabulary").size() > 1) return true;
  return false;
}

class VocabPairsTask : public Seq2SeqTask {
 public:
  VocabPairsTask(std::string name, const VocabPairsOptions& o) : name_(std::move(name)), path_(o.pairs_path) {
    source_ = SymbolTable::FromTokens(o.source_tokens, o.source_name);
    target_ = SymbolTable::FromTokens(o.target_tokens, o.target_name);
    for (const auto& [table, file, what] : {std::tuple{&source_, &o.source_name, "source"},
                                            std::tuple{&target_, &o.target_name, "target"}}) {
      if (table->eos() < 0)
        throw InputError(*file + ": the " + std::string(what) +
                         " vocabulary has no end-of-sequence token (EOS, <eos> or </s>); the model ends every "
                         "sequence with it");
    }
    if (target_.sos() < 0)
      throw InputError(o.target_name + ": the target vocabulary has no start token (SOS, <sos> or <bos>); the "
                       "decoder's first input is it");
    source_words_ = WordLevel(source_);
    target_words_ = WordLevel(target_);
    if (path_.empty()) throw ConfigError(name_ + " needs its training pairs (--data FILE, lines 'source<TAB>target')");
    ForEachTsvPair(path_, [&](int line, std::string_view source, std::string_view target) {
      const std::string where = path_ + ":" + std::to_string(line);
      Seq2SeqExample ex;
      ex.source = Encode(source, source_, source_words_, where, "source", o.source_name);
      ex.target = Encode(target, target_, target_words_, where, "target", o.target_name);
      max_target_ = std::max(max_target_, static_cast<int>(ex.target.size()));
      splits_[static_cast<int>(SplitOf(ex.source))].push_back(std::move(ex));
    });
    BorrowEmptySplits(splits_, notes_, path_, "pairs", "the source");
  }
  std::string Name() const override { return name_; }
  std::string SplitNote(Split split) const override { return notes_[static_cast<int>(split)]; }
  bool HasAlignment() const override { return false; }
  int MaxTargetLength() const override { return max_target_; }
  Seq2SeqExample Sample(Rng& rng, Split split) const override {
    const auto& list = splits_[static_cast<int>(split)];
    return list[rng.UniformInt(list.size())];
  }
  std::vector<int32_t> EncodeSource(const std::string& text) const override {
    std::vector<int32_t> ids = Encode(text, source_, source_words_, "input", "source", "the model's");
    if (ids.empty()) throw InputError("empty input");
    return ids;
  }
  std::string Join(const std::vector<std::string>& tokens) const override { return JoinAs(tokens, target_words_); }
  std::string JoinSource(const std::vector<std::string>& tokens) const override { return JoinAs(tokens, source_words_); }

 protected:
  Seq2SeqExample Generate(Rng& rng) const override { return Sample(rng, Split::kTrain); }

 private:
  static std::string JoinAs(const std::vector<std::string>& tokens, bool words) {
    std::string s;
    for (const std::string& t : tokens) s += (words && !s.empty() ? " " : "") + t;
    return s;
  }
  static std::vector<int32_t> Encode(std::string_view text, const SymbolTable& table, bool words,
                                     const std::string& where, const char* side, const std::string& vocab_name) {
    std::vector<std::string> pieces;
    if (words) {
      std::istringstream in{std::string(text)};
      for (std::string w; in >> w;) pieces.push_back(w);
    } else {
      for (char32_t cp : DecodeUtf8(text, where)) pieces.push_back(EncodeUtf8(cp));
    }
    std::vector<int32_t> ids;
    for (const std::string& p : pieces) {
      if (table.Has(p)) ids.push_back(table.Id(p));
      else if (table.unk() >= 0) ids.push_back(table.unk());
      else
        throw InputError(where + ": " + side + " token '" + p + "' is not in " + vocab_name +
                         " (no <unk>/UNK token to stand for it)");
    }
    return ids;
  }

  std::string name_, path_;
  bool source_words_ = false, target_words_ = false;
  int max_target_ = 0;
  std::vector<Seq2SeqExample> splits_[3];
  std::string notes_[3];
};

}  // namespace

std::unique_ptr<Seq2SeqTask> MakeVocabPairsTask(const std::string& name, const VocabPairsOptions& options) {
  return std::make_unique<VocabPairsTask>(name, options);
}

}  // namespace rnnscope
