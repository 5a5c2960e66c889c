// A linked GLSL program built from shaders/<name>.vert and shaders/<name>.frag, loaded at run
// time so shader edits need no rebuild. Main thread only; destroy before the GL context goes.
#pragma once

#include <epoxy/gl.h>

#include <string>

namespace rnnscope {

class GlProgram {
 public:
  GlProgram() = default;
  // Compiles and links `name`.vert + `name`.frag; throws Error with the file name and the
  // driver's log on a missing file, a compile error or a link error.
  explicit GlProgram(const std::string& name);
  ~GlProgram();
  GlProgram(GlProgram&& other) noexcept;
  GlProgram& operator=(GlProgram&& other) noexcept;
  GlProgram(const GlProgram&) = delete;
  GlProgram& operator=(const GlProgram&) = delete;

  GLuint id() const { return program_; }
  GLint Uniform(const char* uniform_name) const;
  void Reset();

 private:
  GLuint program_ = 0;
};

}  // namespace rnnscope
