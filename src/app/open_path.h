// What the window does with a file the user opened: File ▸ Open…, a file dropped on the
// window, and `rnnscope screenshot --open-via-browser/--drop` all end here. The kind comes from
// the file's content (io/file_kind.h); the trainer opens it (OpenFileCommand, train/open_file.h)
// and keeps the running job when it fails.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "io/file_kind.h"
#include "train/command.h"

namespace rnnscope {

struct OpenedPath {
  std::string line;               // "open: …" or "open error: …", for the status and stdout
  bool error = false;
  std::optional<FileKind> kind;   // as detected (when the file could be read)
};

// Detects the kind (a file that cannot be read is refused here, at once, naming it) and sends
// the trainer an OpenFileCommand; never throws.
OpenedPath OpenPathInWindow(const std::string& path, const std::function<void(Command)>& send);

}  // namespace rnnscope
