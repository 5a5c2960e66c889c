// --size WIDTHxHEIGHT of gui/screenshot/measure, parsed here so the message is one clean line
// (std::stoi's exception text said only "stoi").
#pragma once

#include <string>

namespace rnnscope {

inline constexpr int kMinWindowWidth = 320, kMinWindowHeight = 240, kMaxWindowSide = 8192;

struct WindowSize {
  int width = 0, height = 0;
};
// "1280x800" → {1280, 800}; anything else (or outside 320..8192 × 240..8192) throws UsageError
// "--size: 'axb' is not WIDTHxHEIGHT (e.g. 1280x800, each 320..8192 / 240..8192)".
WindowSize ParseWindowSize(const std::string& text);

}  // namespace rnnscope
