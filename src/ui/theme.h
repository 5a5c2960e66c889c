// The dark theme: ImGui's dark style with calmer greys, a single blue accent and slightly
// roomier spacing, scaled for HiDPI.
#pragma once

namespace rnnscope {

void ApplyTheme(float scale);

}  // namespace rnnscope
