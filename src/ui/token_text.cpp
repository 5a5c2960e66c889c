#include "ui/token_text.h"

namespace rnnscope {

std::string VisibleToken(const std::string& token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    switch (c) {
      case ' ': out += "\u2423"; break;   // ␣ open box
      case '\n': out += "\u23CE"; break;  // ⏎ return symbol
      case '\r': out += "\\r"; break;
      case '\t': out += "\u21E5"; break;  // ⇥
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          out += "\u00B7";
        } else {
          out += c;
        }
    }
  }
  return out.empty() ? std::string("\u2205") : out;  // ∅ for an empty token
}

std::vector<std::string> VisibleTokens(const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) out.push_back(VisibleToken(t));
  return out;
}

}  // namespace rnnscope
