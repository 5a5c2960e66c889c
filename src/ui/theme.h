// The dark theme: ImGui's dark style with calmer greys, a single blue accent and slightly
// roomier spacing, scaled for HiDPI.
#pragma once

namespace rnnscope {

void ApplyTheme(float scale);

// The panels' background, which the app clears each frame to (panels draw none of their own).
inline constexpr float kPanelColor[3] = {0.135f, 0.140f, 0.155f};

}  // namespace rnnscope
