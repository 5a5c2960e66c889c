#include "viz/gl_program.h"

#include <utility>
#include <vector>

#include "core/error.h"
#include "viz/asset_path.h"

namespace rnnscope {
namespace {

std::string InfoLog(GLuint object, bool is_program) {
  GLint length = 0;
  if (is_program) {
    glGetProgramiv(object, GL_INFO_LOG_LENGTH, &length);
  } else {
    glGetShaderiv(object, GL_INFO_LOG_LENGTH, &length);
  }
  std::vector<char> log(static_cast<std::size_t>(std::max(length, 1)), '\0');
  if (is_program) {
    glGetProgramInfoLog(object, length, nullptr, log.data());
  } else {
    glGetShaderInfoLog(object, length, nullptr, log.data());
  }
  std::string text(log.data());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}

GLuint Compile(GLenum stage, const std::string& file) {
  const auto path = FindDataFile("shaders", file);
  const std::string source = ReadTextFile(path);
  const GLuint shader = glCreateShader(stage);
  const char* text = source.c_str();
  glShaderSource(shader, 1, &text, nullptr);
  glCompileShader(shader);
  GLint ok = GL_FALSE;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (ok != GL_TRUE) {
    const std::string log = InfoLog(shader, false);
    glDeleteShader(shader);
    throw Error(path.string() + ": shader compile failed: " + log);
  }
  return shader;
}

}  // namespace

GlProgram::GlProgram(const std::string& name) {
  const GLuint vert = Compile(GL_VERTEX_SHADER, name + ".vert");
  GLuint frag = 0;
  try {
    frag = Compile(GL_FRAGMENT_SHADER, name + ".frag");
  } catch (...) {
    glDeleteShader(vert);
    throw;
  }
  program_ = glCreateProgram();
  glAttachShader(program_, vert);
  glAttachShader(program_, frag);
  glLinkProgram(program_);
  // The program keeps the compiled code; the shader objects are no longer needed.
  glDeleteShader(vert);
  glDeleteShader(frag);
  GLint ok = GL_FALSE;
  glGetProgramiv(program_, GL_LINK_STATUS, &ok);
  if (ok != GL_TRUE) {
    const std::string log = InfoLog(program_, true);
    Reset();
    throw Error("shaders/" + name + ".{vert,frag}: link failed: " + log);
  }
}

GlProgram::~GlProgram() { Reset(); }

GlProgram::GlProgram(GlProgram&& other) noexcept : program_(std::exchange(other.program_, 0)) {}

GlProgram& GlProgram::operator=(GlProgram&& other) noexcept {
  if (this != &other) {
    Reset();
    program_ = std::exchange(other.program_, 0);
  }
  return *this;
}

GLint GlProgram::Uniform(const char* uniform_name) const {
  return glGetUniformLocation(program_, uniform_name);
}

void GlProgram::Reset() {
  if (program_ != 0) glDeleteProgram(program_);
  program_ = 0;
}

}  // namespace rnnscope
