// Character vocabulary: one token per Unicode code point, held as its UTF-8 string so it can be
// shown, saved and compared with a PyTorch user's vocabulary file as-is.
//
// File format (also what users hand us next to a PyTorch model): a JSON list of token strings,
// id = position, e.g. ["\n", " ", "a", "b", "中"].
//
// Unknown characters at encode time follow an explicit policy: kError (default; training data
// must be fully covered, so a miss means the wrong vocabulary) throws InputError naming the
// character and its byte offset; kSkip drops them (for probe text typed in the UI).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rnnscope {

enum class UnknownPolicy { kError, kSkip };

class Vocab {
 public:
  Vocab() { Index(); }

  // Every distinct code point of the text, sorted by code point (deterministic ids).
  // Throws InputError "<source>: byte offset N: invalid UTF-8 ..." on bad input.
  static Vocab FromText(std::string_view utf8_text, std::string_view source = "text");
  // Sorted and deduplicated.
  static Vocab FromCodePoints(std::vector<char32_t> code_points);
  // Keeps the given order (ids are the PyTorch model's). Each token must be exactly one code
  // point and appear once; throws InputError "<source>: token 3 ...".
  static Vocab FromTokens(const std::vector<std::string>& tokens, std::string_view source = "vocabulary");
  static Vocab FromJson(const nlohmann::json& j, std::string_view source = "vocabulary");
  static Vocab Load(const std::filesystem::path& path);

  nlohmann::json ToJson() const;
  void Save(const std::filesystem::path& path) const;  // atomic

  int Size() const { return static_cast<int>(code_points_.size()); }
  bool Contains(char32_t cp) const { return Id(cp) >= 0; }
  int32_t Id(char32_t cp) const;  // -1 when absent
  char32_t CodePoint(int32_t id) const;       // throws InputError when out of range
  const std::string& Token(int32_t id) const;  // UTF-8
  const std::vector<char32_t>& code_points() const { return code_points_; }

  std::vector<int32_t> Encode(std::string_view utf8_text, UnknownPolicy policy = UnknownPolicy::kError,
                              std::string_view source = "text") const;
  // Throws InputError for ids outside [0, Size()).
  std::string Decode(std::span<const int32_t> ids) const;

  bool operator==(const Vocab& other) const { return code_points_ == other.code_points_; }

 private:
  void Index();  // builds tokens_, ascii_ and lookup_ from code_points_

  std::vector<char32_t> code_points_;
  std::vector<std::string> tokens_;
  int32_t ascii_[128] = {};                       // fast path: ids of ASCII characters or -1
  std::unordered_map<char32_t, int32_t> lookup_;  // everything else
};

}  // namespace rnnscope
