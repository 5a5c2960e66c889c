// Options for the window and for `rnnscope screenshot`, parsed by main.cpp (CLI11).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/job_factory.h"

namespace rnnscope {

struct AppOptions {
  // Model / task / settings the trainer starts with: the flags of cli/model_flags.h.
  JobSpec spec;
  float learning_rate = 0.0f;  // > 0: instead of spec's (a --compare run's CELL:LR)
  // A file to open (`rnnscope PATH`, `gui PATH`, `screenshot PATH`): its kind is detected from
  // its content (io/file_kind.h) unless open_kind names one. main.cpp turns it into `spec`
  // (text, TSV, CoNLL, state_dict) or `checkpoint`.
  std::string open_path;
  std::string open_kind;
  std::string checkpoint;   // start from this checkpoint, paused at its step
  std::string opened_file;  // the absolute path opened, for the title
  // Side-by-side runs (ui/compare.h, docs/compare.md): "CELL[:LR],CELL[:LR][,…]", 2 or 3 runs
  // on the same task and seed; or a Compare menu preset by id (sets task, runs and probe).
  std::string compare;
  std::string compare_preset;

  // Window.
  int width = 1280;
  int height = 800;
  // Redraw every pixel every frame, as ImGui's stock backend does, instead of only what changed
  // (viz/imgui_renderer.h). For comparison and for ruling the damage tracking out.
  bool full_redraw = false;

  // `rnnscope measure` (src/app/measure.cpp): training throughput headless vs with the window
  // open, and frame times, over this many seconds each (no ini file either).
  bool measure = false;
  double measure_seconds = 10.0;
  // Each frame that deferred no damage is also drawn with ImGui's stock backend; frames whose
  // pixels differ from the damage-tracked frame are counted (any such frame fails `measure`).
  bool verify_redraw = false;
  // Keep the frame off screen and copy it to the window each frame, as on a GPU driver, even
  // where the back buffer survives a swap (tests that path on machines without a GPU).
  bool redraw_offscreen = false;

  // `rnnscope screenshot --monkey`: random input (app/monkey.h) for this many seconds or frames
  // after training, with training live; the seed alone decides the events.
  double monkey_seconds = 0.0;
  int64_t monkey_frames = 0;
  uint64_t monkey_seed = 1;

  // Screenshot mode (no ini file, no vsync, fixed frame count).
  bool screenshot = false;
  std::string out_path;
  int steps = 50;             // train this many steps before capturing
  int frames = 60;            // frames rendered (and timed) before the capture
  bool check = false;         // fail when the image is nearly uniform
  std::vector<std::string> show;  // panels to open by id ("help", "attention", "weights", ...)
  float mouse_x = -1.0f, mouse_y = -1.0f;  // simulated mouse position (hover tooltips)
  std::vector<std::string> clicks;         // "X,Y": left clicks replayed after training, in order
  int cursor_t = -1, unit = -1;            // initial timestep cursor / unit
  int crop_x = 0, crop_y = 0, crop_w = 0, crop_h = 0;  // crop_w > 0: write only this rectangle
  // Debugger states for README figures and the UI smoke test (docs/debugger.md):
  int64_t break_at = -1;    // a step-N breakpoint; the capture waits for it instead of --steps
  float break_grad_norm = 0.0f;   // grad-norm breakpoint threshold (0 = off)
  float break_saturation = 0.0f;  // gate-saturation breakpoint: fraction of values (0 = off)
  int64_t branch_at = -1;   // after --steps: rewind here, branch with 4x the learning rate, train
                            // back to --steps (two curves on the loss plot)
  std::vector<std::string> interventions;  // "TARGET,LAYER,UNIT,VALUE": h, c or a gate letter
  std::string cell_regex;                  // cell finder: rank units against this regex too
  int query_t0 = -1, query_t1 = -1;        // LSTMVis query on the probe span t0..t1
  float query_threshold = 0.5f;
  // Exports after the clicks, through the UI's own export path (ui/export_dialog.h):
  // "PANEL:FILE" for a panel's PNG / CSV; FILE for the probe trace / PyTorch state_dict.
  std::vector<std::string> export_png, export_csv;
  std::string export_trace, export_model;
  // Opening files as a user would (app/open_path.h), after exports and the monkey:
  // File ▸ Open… with this path typed into the browser (a folder leaves the browser open on it,
  // for a picture of it), and a file dropped on the window.
  std::string open_via_browser, drop;
};

}  // namespace rnnscope
