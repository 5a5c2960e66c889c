// Text as the window draws it: every byte the model sees gets a glyph you can see. Corpora
// carry tabs, CR, ANSI colour codes (the Tang poems in fortunes-zh wrap titles in ESC[32m),
// other C0/C1 controls and stray non-UTF-8 bytes; ImGui would draw those as nothing or "?",
// so a heatmap column or a sampled character would look empty. Pure (no ImGui) so it is
// tested headless; ui/token_text.h is what the panels include.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rnnscope {

enum class VisibleMode {
  kToken,    // one token as a label: " " → "␣", "\n" → "⏎", "" → "∅"
  kRunning,  // running text (samples, joined outputs): spaces and newlines stay as they are
};

// Mapping (both modes unless said): tab "⇥", CR "␍", ESC "␛", NUL "␀", other C0 and DEL their
// U+2400 control picture, C1 (U+0080..U+009F) and invalid UTF-8 bytes as "\x9b", invisible
// format characters (zero-width space, BOM, bidi marks, line/paragraph separators) as
// "<U+200B>"; space "␣" and newline "⏎" in kToken only; everything else unchanged.
std::string VisibleText(std::string_view text, VisibleMode mode);

}  // namespace rnnscope
