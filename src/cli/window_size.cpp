#include "cli/window_size.h"

#include <charconv>

#include "core/error.h"

namespace rnnscope {

namespace {
// Digits only, the whole span: no sign, no spaces, no "12abc" read as 12.
bool ParseSide(const char* first, const char* last, int& out) {
  if (first == last || *first < '0' || *first > '9') return false;
  const auto [end, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && end == last;
}
}  // namespace

WindowSize ParseWindowSize(const std::string& text) {
  WindowSize size;
  const auto x = text.find('x');
  const char* s = text.data();
  const bool ok = x != std::string::npos && ParseSide(s, s + x, size.width) &&
                  ParseSide(s + x + 1, s + text.size(), size.height) && size.width >= kMinWindowWidth &&
                  size.width <= kMaxWindowSide && size.height >= kMinWindowHeight && size.height <= kMaxWindowSide;
  if (!ok)
    throw UsageError("--size: '" + text + "' is not WIDTHxHEIGHT (e.g. 1280x800, each " +
                     std::to_string(kMinWindowWidth) + ".." + std::to_string(kMaxWindowSide) + " / " +
                     std::to_string(kMinWindowHeight) + ".." + std::to_string(kMaxWindowSide) + ")");
  return size;
}

}  // namespace rnnscope
