// The window's side of opening files (train/open_file.h does the opening, on the trainer
// thread): the question asked when a file fits two kinds (Snapshot::open_choice), and File ▸
// Examples — data that ships with rnnscope or with a Debian package it installs.
#pragma once

#include <string>
#include <vector>

namespace rnnscope {

struct Snapshot;
struct UiState;

// "How should rnnscope open X?": one button per kind the trainer found plausible; the answer
// goes back as an OpenFileCommand with that kind. Call once per frame.
void DrawOpenChoiceDialog(const Snapshot& snapshot, UiState& state);

// One entry of File ▸ Examples.
struct Example {
  std::string title;
  std::string path;  // a file to open; empty: `task` on its built-in data
  std::string task;  // for a built-in example
  std::string missing;  // non-empty: why it cannot open here ("install fortunes-zh")
};
std::vector<Example> Examples();
// The menu's items (inside an open "Examples" menu).
void DrawExamplesMenu(const Snapshot& snapshot, UiState& state);

}  // namespace rnnscope
