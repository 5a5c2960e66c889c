#include "tasks/vocab.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/utf8.h"
#include "io/atomic_file.h"

namespace rnnscope {
namespace {

// A vocabulary file lists characters, so even a huge one is small; the cap only stops us from
// parsing a wrong (multi-GB) file given by mistake.
constexpr std::uint64_t kMaxVocabFileBytes = 64ull << 20;

std::string Printable(char32_t cp) {
  if (cp == U'\n') return "'\\n' (" + CodePointName(cp) + ")";
  if (cp == U'\t') return "'\\t' (" + CodePointName(cp) + ")";
  if (cp < 0x20 || cp == 0x7F) return CodePointName(cp);
  return "'" + EncodeUtf8(cp) + "' (" + CodePointName(cp) + ")";
}

}  // namespace

void Vocab::Index() {
  tokens_.clear();
  lookup_.clear();
  std::fill(std::begin(ascii_), std::end(ascii_), -1);
  tokens_.reserve(code_points_.size());
  for (std::size_t i = 0; i < code_points_.size(); ++i) {
    const char32_t cp = code_points_[i];
    tokens_.push_back(EncodeUtf8(cp));
    if (cp < 128) ascii_[cp] = static_cast<int32_t>(i);
    else lookup_.emplace(cp, static_cast<int32_t>(i));
  }
}

Vocab Vocab::FromCodePoints(std::vector<char32_t> code_points) {
  std::sort(code_points.begin(), code_points.end());
  code_points.erase(std::unique(code_points.begin(), code_points.end()), code_points.end());
  Vocab v;
  v.code_points_ = std::move(code_points);
  v.Index();
  return v;
}

Vocab Vocab::FromText(std::string_view utf8_text, std::string_view source) {
  std::vector<bool> seen(kMaxCodePoint + 1, false);
  std::vector<char32_t> cps;
  std::size_t pos = 0;
  char32_t cp = 0;
  while (pos < utf8_text.size()) {
    const Utf8Status s = DecodeUtf8At(utf8_text, &pos, &cp);
    if (s != Utf8Status::kOk)
      throw InputError(std::string(source) + ": " + Utf8Error{s, pos}.Describe(utf8_text));
    if (!seen[cp]) {
      seen[cp] = true;
      cps.push_back(cp);
    }
  }
  return FromCodePoints(std::move(cps));
}

Vocab Vocab::FromTokens(const std::vector<std::string>& tokens, std::string_view source) {
  const std::string src(source);
  if (tokens.empty()) throw InputError(src + ": the vocabulary is empty");
  Vocab v;
  std::unordered_map<char32_t, std::size_t> first;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string where = src + ": token " + std::to_string(i);
    std::vector<char32_t> cps;
    const Utf8Error err = TryDecodeUtf8(tokens[i], &cps);
    if (!err.ok()) throw InputError(where + ": " + err.Describe(tokens[i]));
    if (cps.size() != 1) {
      throw InputError(where + " \"" + tokens[i] + "\" is " + std::to_string(cps.size()) +
                       " characters; rnnscope vocabularies are character-level (one code point per token)");
    }
    const auto [it, inserted] = first.emplace(cps[0], i);
    if (!inserted) {
      throw InputError(where + " " + Printable(cps[0]) + " duplicates token " + std::to_string(it->second));
    }
    v.code_points_.push_back(cps[0]);
  }
  v.Index();
  return v;
}

Vocab Vocab::FromJson(const nlohmann::json& j, std::string_view source) {
  const std::string src(source);
  if (!j.is_array()) throw InputError(src + ": expected a JSON list of token strings");
  std::vector<std::string> tokens;
  tokens.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string())
      throw InputError(src + ": token " + std::to_string(i) + " is not a string: " + j[i].dump());
    tokens.push_back(j[i].get<std::string>());
  }
  return FromTokens(tokens, source);
}

Vocab Vocab::Load(const std::filesystem::path& path) {
  const std::string text = ReadFileChecked(path, kMaxVocabFileBytes);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path.string() + ": invalid JSON: " + e.what());
  }
  return FromJson(j, path.string());
}

nlohmann::json Vocab::ToJson() const { return tokens_; }

void Vocab::Save(const std::filesystem::path& path) const {
  WriteFileAtomic(path, ToJson().dump() + "\n");
}

int32_t Vocab::Id(char32_t cp) const {
  if (cp < 128) return ascii_[cp];
  const auto it = lookup_.find(cp);
  return it == lookup_.end() ? -1 : it->second;
}

char32_t Vocab::CodePoint(int32_t id) const {
  if (id < 0 || id >= Size()) {
    throw InputError("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                     std::to_string(Size()) + ")");
  }
  return code_points_[static_cast<std::size_t>(id)];
}

const std::string& Vocab::Token(int32_t id) const {
  CodePoint(id);  // range check
  return tokens_[static_cast<std::size_t>(id)];
}

std::vector<int32_t> Vocab::Encode(std::string_view utf8_text, UnknownPolicy policy,
                                   std::string_view source) const {
  std::vector<int32_t> ids;
  ids.reserve(utf8_text.size());
  std::size_t pos = 0;
  char32_t cp = 0;
  while (pos < utf8_text.size()) {
    const std::size_t start = pos;
    const Utf8Status s = DecodeUtf8At(utf8_text, &pos, &cp);
    if (s != Utf8Status::kOk)
      throw InputError(std::string(source) + ": " + Utf8Error{s, pos}.Describe(utf8_text));
    const int32_t id = Id(cp);
    if (id >= 0) {
      ids.push_back(id);
    } else if (policy == UnknownPolicy::kError) {
      throw InputError(std::string(source) + ": byte offset " + std::to_string(start) + ": character " +
                       Printable(cp) + " is not in the vocabulary (" + std::to_string(Size()) +
                       " tokens)");
    }
  }
  return ids;
}

std::string Vocab::Decode(std::span<const int32_t> ids) const {
  std::string out;
  out.reserve(ids.size());
  for (int32_t id : ids) out += Token(id);
  return out;
}

}  // namespace rnnscope
