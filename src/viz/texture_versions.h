// Content versions of GL textures whose pixels change while their id stays the same (a heatmap
// re-rendered into its colour texture). The UI renderer (viz/imgui_renderer.h) hashes a
// texture's version with every triangle that samples it, so a heatmap that changed is redrawn
// on screen even though ImGui drew the very same quad. Main thread only, like all GL calls.
#pragma once

#include <epoxy/gl.h>

#include <cstdint>

namespace rnnscope {

// Call after writing into `texture` (rendering to it, uploading to it).
void MarkTextureChanged(GLuint texture);
// 0 for a texture never marked (the font atlas, which never changes).
uint64_t TextureVersion(GLuint texture);

}  // namespace rnnscope
