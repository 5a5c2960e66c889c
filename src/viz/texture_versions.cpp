#include "viz/texture_versions.h"

#include <unordered_map>

namespace rnnscope {
namespace {

// One counter for all textures: a deleted id that GL hands out again still gets a new version.
struct Versions {
  uint64_t next = 1;
  std::unordered_map<GLuint, uint64_t> of;
};

Versions& Table() {
  static Versions versions;
  return versions;
}

}  // namespace

void MarkTextureChanged(GLuint texture) {
  Versions& v = Table();
  v.of[texture] = v.next++;
}

uint64_t TextureVersion(GLuint texture) {
  const Versions& v = Table();
  const auto it = v.of.find(texture);
  return it == v.of.end() ? 0 : it->second;
}

}  // namespace rnnscope
