#include "tasks/line_file.h"

#include <cstring>

#include "core/error.h"
#include "core/utf8.h"

namespace rnnscope {

void CheckLineFileText(std::string_view text, const std::string& source, const std::string& expected) {
  if (text.empty()) throw InputError(source + ": file is empty; expected " + expected);
  if (const void* nul = std::memchr(text.data(), 0, text.size())) {
    const auto offset = static_cast<std::size_t>(static_cast<const char*>(nul) - text.data());
    throw InputError(source + ": byte offset " + std::to_string(offset) +
                     ": NUL byte; this looks like a binary file, expected UTF-8 text");
  }
  const Utf8Error err = ValidateUtf8(text);
  if (!err.ok()) throw InputError(source + ": " + err.Describe(text) + "; expected UTF-8 text");
}

std::string QuotedLine(std::string_view line) {
  std::string s(line.substr(0, 60));
  for (char& ch : s)
    if (ch == '\t') ch = ' ';
  return "'" + s + (line.size() > 60 ? "…'" : "'");
}

}  // namespace rnnscope
