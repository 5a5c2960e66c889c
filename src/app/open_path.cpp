#include "app/open_path.h"

#include <exception>

#include "train/open_file.h"

namespace rnnscope {

OpenedPath OpenPathInWindow(const std::string& path, const std::function<void(Command)>& send) {
  OpenedPath out;
  try {
    const std::string abs = AbsolutePath(path);
    const FileKindGuess guess = DetectFileKind(abs);
    out.kind = guess.kind;
    send(OpenFileCommand{abs});
    out.line = "open: " + std::string(FileKindName(guess.kind)) + " " + abs + " (" + guess.detail + ")" +
               (guess.also.empty() ? "" : ", which fits more than one kind: the window asks");
  } catch (const std::exception& e) {
    out.error = true;
    out.line = std::string("open error: ") + e.what();
  }
  return out;
}

}  // namespace rnnscope
