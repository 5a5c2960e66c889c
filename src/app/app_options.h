// Options for the window and for `rnnscope screenshot`, parsed by main.cpp (CLI11).
#pragma once

#include <string>
#include <vector>

namespace rnnscope {

struct AppOptions {
  // Model / task the trainer starts with.
  std::string task = "charlm";
  std::string cell = "lstm";
  int hidden = 64;
  int layers = 1;
  bool bidirectional = false;
  uint64_t seed = 1;
  // A PyTorch model to inspect instead (TrainerThread → CharLmJob import): safetensors
  // state_dict + vocabulary JSON; both or neither.
  std::string weights;
  std::string vocab;

  // Window.
  int width = 1280;
  int height = 800;

  // Screenshot mode (no ini file, no vsync, fixed frame count).
  bool screenshot = false;
  std::string out_path;
  int steps = 50;             // train this many steps before capturing
  int frames = 60;            // frames rendered (and timed) before the capture
  bool check = false;         // fail when the image is nearly uniform
  std::vector<std::string> show;  // panels to open by id ("help", "attention", "weights", ...)
  float mouse_x = -1.0f, mouse_y = -1.0f;  // simulated mouse position (hover tooltips)
  int cursor_t = -1, unit = -1;            // initial timestep cursor / unit
  int crop_x = 0, crop_y = 0, crop_w = 0, crop_h = 0;  // crop_w > 0: write only this rectangle
};

}  // namespace rnnscope
