// Fonts from the system: DejaVu Sans (fonts-dejavu-core) with a CJK-capable font merged in when
// one is installed, so probe texts in Chinese or Japanese render; ImGui's built-in font if not.
#pragma once

#include <string>

namespace rnnscope {

// Adds the fonts to ImGui's atlas at `size_px` (already multiplied by the content scale).
// Returns a one-line description ("DejaVu Sans 15px + Noto Sans CJK") for logs.
std::string LoadFonts(float size_px);

}  // namespace rnnscope
