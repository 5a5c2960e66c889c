#include "tasks/seq2seq_task.h"

#include <algorithm>
#include <initializer_list>

#include "core/error.h"
#include "core/utf8.h"

namespace rnnscope {

SymbolTable::SymbolTable() {
  Add("<pad>");
  Add("<sos>");
  Add("<eos>");
}

SymbolTable SymbolTable::FromTokens(const std::vector<std::string>& tokens, const std::string& source) {
  SymbolTable t;
  t.tokens_.clear();
  t.index_.clear();
  t.pad_ = t.sos_ = t.eos_ = t.unk_ = -1;
  for (const std::string& token : tokens) {
    const auto id = static_cast<int32_t>(t.tokens_.size());
    if (token.empty()) throw InputError(source + ": token " + std::to_string(id) + " is empty");
    if (t.Has(token))
      throw InputError(source + ": token " + std::to_string(id) + " '" + token + "' appears twice (first as " +
                       std::to_string(t.Id(token)) + "); ids are positions, so each token must be listed once");
    t.Add(token);
    auto is = [&](std::initializer_list<const char*> names) {
      for (const char* n : names)
        if (token == n) return true;
      return false;
    };
    if (is({"SOS", "<sos>", "<bos>", "<s>"}) && t.sos_ < 0) t.sos_ = id;
    else if (is({"EOS", "<eos>", "</s>"}) && t.eos_ < 0) t.eos_ = id;
    else if (is({"<pad>", "PAD"}) && t.pad_ < 0) t.pad_ = id;
    else if (is({"<unk>", "UNK"}) && t.unk_ < 0) t.unk_ = id;
  }
  return t;
}

int32_t SymbolTable::Add(const std::string& token) {
  auto it = index_.find(token);
  if (it != index_.end()) return it->second;
  const auto id = static_cast<int32_t>(tokens_.size());
  tokens_.push_back(token);
  index_.emplace(token, id);
  return id;
}

int32_t SymbolTable::Id(const std::string& token) const {
  auto it = index_.find(token);
  if (it == index_.end()) throw InputError("unknown token '" + token + "'");
  return it->second;
}

Split SplitOf(const std::vector<int32_t>& source) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the ids
  for (int32_t id : source) {
    h ^= static_cast<uint64_t>(static_cast<uint32_t>(id));
    h *= 1099511628211ull;
  }
  const uint64_t r = (h >> 17) % 10;
  return r < 8 ? Split::kTrain : r == 8 ? Split::kValidation : Split::kTest;
}

Seq2SeqExample Seq2SeqTask::Sample(Rng& rng, Split split) const {
  for (int attempt = 0; attempt < 10000; ++attempt) {
    Seq2SeqExample ex = Generate(rng);
    if (SplitOf(ex.source) == split) return ex;
  }
  throw ConfigError(Name() + ": could not draw an example of the requested split (task too small)");
}

std::vector<int32_t> Seq2SeqTask::EncodeSource(const std::string& text) const {
  std::vector<int32_t> ids;
  int column = 1;
  for (char32_t cp : DecodeUtf8(text, "input")) {
    const std::string ch = EncodeUtf8(cp);
    if (!source_.Has(ch))
      throw InputError("input column " + std::to_string(column) + ": '" + ch + "' is not in the " +
                       Name() + " task's source vocabulary");
    ids.push_back(source_.Id(ch));
    ++column;
  }
  if (ids.empty()) throw InputError("empty input");
  return ids;
}

std::vector<int32_t> Seq2SeqTask::EncodeTarget(const std::string& text) const {
  bool words = false;
  for (int32_t id = 0; id < target_.Size() && !words; ++id)
    words = !target_.IsSpecial(id) && DecodeUtf8(target_.Token(id), "vocabulary").size() > 1;
  std::vector<std::string> tokens;
  if (words) {
    std::istringstream in(text);
    for (std::string w; in >> w;) tokens.push_back(w);
  } else {
    for (char32_t cp : DecodeUtf8(text, "prefix")) tokens.push_back(EncodeUtf8(cp));
  }
  std::vector<int32_t> ids;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (!target_.Has(tokens[i]))
      throw InputError("prefix " + std::string(words ? "word " : "character ") + std::to_string(i + 1) + ": '" +
                       tokens[i] + "' is not in the " + Name() + " task's target vocabulary");
    ids.push_back(target_.Id(tokens[i]));
  }
  return ids;
}

std::string Seq2SeqTask::Join(const std::vector<std::string>& tokens) const {
  std::string s;
  for (const auto& t : tokens) s += t;
  return s;
}

std::string Seq2SeqTask::DecodeTarget(const std::vector<int32_t>& ids) const {
  std::vector<std::string> tokens;
  for (int32_t id : ids) {
    if (id == target_.eos()) break;
    tokens.push_back(target_.Token(id));
  }
  return Join(tokens);
}

std::string Seq2SeqTask::DecodeSource(const std::vector<int32_t>& ids) const {
  std::vector<std::string> tokens;
  for (int32_t id : ids) tokens.push_back(source_.Token(id));
  return JoinSource(tokens);
}

// The generated tasks; "tsv" (file-backed) is made by MakeSeq2SeqTask too.
std::vector<std::string> Seq2SeqTaskNames() {
  return {"copy", "reverse", "sort", "add", "dates", "translation", "zh_en"};
}

std::unique_ptr<Seq2SeqTask> MakeSeq2SeqTask(const std::string& name, const TaskOptions& options) {
  if (options.min_length < 1 || options.max_length < options.min_length || options.max_length > 256)
    throw ConfigError("task lengths [" + std::to_string(options.min_length) + ", " +
                      std::to_string(options.max_length) + "] must satisfy 1 ≤ min ≤ max ≤ 256");
  if (name == "copy") return MakeCopyTask(options);
  if (name == "reverse") return MakeReverseTask(options);
  if (name == "sort") return MakeSortTask(options);
  if (name == "add" || name == "addition") return MakeAdditionTask(options);
  if (name == "dates") return MakeDateTask(options);
  if (name == "translation") return MakeTranslationTask(options);
  if (name == "zh_en") return MakeZhEnTask(options);
  if (name == "tsv") return MakeTsvTask(options);
  std::string known;
  for (const auto& n : Seq2SeqTaskNames()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError("unknown seq2seq task '" + name + "' (known: " + known + ", tsv with --data)");
}

Seq2SeqBatch Seq2SeqTask::Batch(const std::vector<Seq2SeqExample>& examples) const {
  return MakeSeq2SeqBatch(examples, source_, target_);
}

Seq2SeqBatch MakeSeq2SeqBatch(const std::vector<Seq2SeqExample>& examples) {
  static const SymbolTable kBuiltIn;
  return MakeSeq2SeqBatch(examples, kBuiltIn, kBuiltIn);
}

Seq2SeqBatch MakeSeq2SeqBatch(const std::vector<Seq2SeqExample>& examples, const SymbolTable& source_vocab,
                              const SymbolTable& target_vocab) {
  Seq2SeqBatch batch;
  batch.B = static_cast<int>(examples.size());
  for (const auto& ex : examples) {
    batch.Ts = std::max(batch.Ts, static_cast<int>(ex.source.size()) + 1);
    batch.To = std::max(batch.To, static_cast<int>(ex.target.size()) + 1);
  }
  const auto B = static_cast<std::size_t>(batch.B);
  batch.source.assign(static_cast<std::size_t>(batch.Ts) * B, source_vocab.pad());
  batch.target.assign(static_cast<std::size_t>(batch.To) * B, -1);
  for (std::size_t b = 0; b < B; ++b) {
    const auto& ex = examples[b];
    for (std::size_t t = 0; t < ex.source.size(); ++t) batch.source[t * B + b] = ex.source[t];
    batch.source[ex.source.size() * B + b] = source_vocab.eos();
    batch.source_length.push_back(static_cast<int>(ex.source.size()) + 1);
    for (std::size_t t = 0; t < ex.target.size(); ++t) batch.target[t * B + b] = ex.target[t];
    batch.target[ex.target.size() * B + b] = target_vocab.eos();
  }
  return batch;
}

}  // namespace rnnscope
