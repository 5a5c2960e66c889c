// Probe tokens as axis labels: whitespace and control characters made visible so a heatmap
// column for " " or "\n" has a label you can see.
#pragma once

#include <string>
#include <vector>

namespace rnnscope {

// " " → "␣", "\n" → "⏎", "\t" → "⇥", other control bytes → "·"; anything else unchanged.
std::string VisibleToken(const std::string& token);
std::vector<std::string> VisibleTokens(const std::vector<std::string>& tokens);

}  // namespace rnnscope
