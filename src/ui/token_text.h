// Tokens and texts as the panels draw them: whitespace and control characters made visible
// (core/visible_text.h) so a heatmap column for " " or ESC has a label you can see. Every
// panel that draws a token or model text goes through these.
#pragma once

#include <string>
#include <vector>

#include "core/visible_text.h"

namespace rnnscope {

// One token as a label: " " → "␣", "\n" → "⏎", "\t" → "⇥", ESC → "␛", C0 → control pictures,
// C1 and bad bytes → "\x9b"; anything else unchanged.
std::string VisibleToken(const std::string& token);
std::vector<std::string> VisibleTokens(const std::vector<std::string>& tokens);

// Running text (samples, joined outputs): the same, but spaces and newlines kept for layout.
std::string VisibleRunningText(const std::string& text);

}  // namespace rnnscope
