#include "tasks/line_file.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/error.h"
#include "core/utf8.h"
#include "io/atomic_file.h"

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

void ForEachTsvPair(const std::string& path,
                    const std::function<void(int line, std::string_view source, std::string_view target)>& fn) {
  constexpr std::uint64_t kMaxFileBytes = 256ull << 20;
  const std::string text = ReadFileChecked(path, kMaxFileBytes);
  CheckLineFileText(text, path, "lines 'source<TAB>target'");
  std::string_view all(text);
  if (all.rfind("\xEF\xBB\xBF", 0) == 0) all.remove_prefix(3);
  int line_no = 0, pairs = 0;
  for (std::size_t pos = 0; pos < all.size();) {
    std::size_t end = all.find('\n', pos);
    if (end == std::string_view::npos) end = all.size();
    std::string_view line = all.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos)  // else it would become a token
      throw InputError(path + ":" + std::to_string(line_no) +
                       ": carriage return inside a line (old Mac line ends?); expected one 'source<TAB>target' per line");
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string where = path + ":" + std::to_string(line_no) + ": expected 'source<TAB>target', found ";
    const auto tabs = std::count(line.begin(), line.end(), '\t');
    if (tabs != 1) throw InputError(where + (tabs == 0 ? "no tab" : std::to_string(tabs) + " tabs") + ": " + QuotedLine(line));
    const std::size_t tab = line.find('\t');
    if (tab == 0) throw InputError(where + "an empty source: " + QuotedLine(line));
    if (tab + 1 == line.size()) throw InputError(where + "an empty target: " + QuotedLine(line));
    fn(line_no, line.substr(0, tab), line.substr(tab + 1));
    ++pairs;
  }
  if (pairs == 0) throw InputError(path + ": no pairs (only blank lines); expected lines 'source<TAB>target'");
}

}  // namespace rnnscope
