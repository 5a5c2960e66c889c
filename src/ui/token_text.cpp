#include "ui/token_text.h"

namespace rnnscope {

std::string VisibleToken(const std::string& token) { return VisibleText(token, VisibleMode::kToken); }

std::vector<std::string> VisibleTokens(const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) out.push_back(VisibleToken(t));
  return out;
}

std::string VisibleRunningText(const std::string& text) { return VisibleText(text, VisibleMode::kRunning); }

}  // namespace rnnscope
