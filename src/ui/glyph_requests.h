// Texts drawn from outside the snapshot (file names in the browser, recent files) whose
// characters the font atlas may lack: the drawing code hands them in here and the app passes
// them to its FontAtlas (app/fonts.h) before the next frame, which rebuilds the atlas when
// needed. ui/ cannot include app/, hence this hand-off. Main thread only, like all UI code.
#pragma once

#include <string>
#include <string_view>

namespace rnnscope {

void RequestGlyphs(std::string_view text);
// Everything requested since the last call (concatenated), and forgets it.
std::string TakeGlyphRequests();

}  // namespace rnnscope
