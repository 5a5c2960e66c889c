// What the window does with a file the user opened: File ▸ Open…, a file dropped on the
// window, and `rnnscope screenshot --open-via-browser/--drop` all end here. One small function
// on purpose: the dispatch is by file name for now and will be replaced by content-based kind
// detection, which then only has to change OpenPathInWindow.
#pragma once

#include <functional>
#include <string>

#include "train/command.h"

namespace rnnscope {

// How OpenPathInWindow reaches the trainer; the app fills it in (app.cpp).
struct OpenPathTarget {
  // To the trainer the window shows (a LoadCommand for a checkpoint).
  std::function<void(Command)> send;
  // A fresh char LM trained on this UTF-8 text file. Not a RebuildCommand: that command has no
  // text path (train/command.h), so the app starts a new trainer with JobSpec::text_path.
  // Returns "" or the reason it could not start.
  std::function<std::string(const std::string& text_path)> train_on_text;
};

// ".safetensors" (any case): a checkpoint, loaded with LoadCommand{path}; anything else: a text
// corpus for the char LM. Returns one line saying what was done, "open: …", or "open error: …"
// naming the file (a missing file, a folder, a failed start); never throws.
std::string OpenPathInWindow(const std::string& path, const OpenPathTarget& target);

}  // namespace rnnscope
