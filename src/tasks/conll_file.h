// Two-column tagging files (CoNLL-like): one "token<TAB>tag" (or "token tag", any run of spaces
// or tabs) per line, a blank line between sentences. "-DOCSTART-" lines (CoNLL-2003) are
// skipped; a trailing CR (Windows line ends) is dropped. Anything else — one column, three
// columns, invalid UTF-8, a NUL byte — is an InputError "path:line: what was expected, what
// was found".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rnnscope {

struct TaggedSentence {
  int line = 0;  // 1-based line of the first token (for messages)
  std::vector<std::string> words, tags;
};

std::vector<TaggedSentence> ParseConll(std::string_view text, const std::string& source);
std::vector<TaggedSentence> LoadConll(const std::string& path);  // also: missing/empty file

}  // namespace rnnscope
