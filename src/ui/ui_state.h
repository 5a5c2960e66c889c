// State shared by every panel: the one timestep cursor and selected unit that all views follow,
// view toggles, GPU heatmaps kept across frames, and the link used to send commands. Lives on
// the main thread only; panels read the Snapshot and read/write this.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "train/trainer_link.h"
#include "ui/compare.h"
#include "viz/heatmap.h"

namespace rnnscope {

struct Snapshot;
class Exporter;

// Frame timing the status line shows (filled by the app every frame).
struct FrameTiming {
  double last_ms = 0.0;
  double median_ms = 0.0;
  double p95_ms = 0.0;
};

struct UiState {
  TrainerLink* trainer = nullptr;  // not owned; null in tests that only draw

  // Shared selection: every heatmap draws the cursor, every per-unit view follows the unit.
  int cursor_t = 0;
  int selected_unit = 0;
  int layer = 0;
  int direction = 0;             // 0 forward, 1 reverse
  std::vector<int> pinned_units;  // extra units drawn in the states line plot

  bool loss_log_y = true;
  bool show_perplexity = false;
  bool grad_log_y = true;
  bool show_help = false;

  std::string probe_text;         // edited in the controls and probe panels, sent as a ProbeCommand
  int attention_row = -1;         // output step last clicked in the attention map (the
                                  // Interventions panel's "overwrite attention row" starts there)
  HeatmapCache heatmaps;
  Exporter* exporter = nullptr;   // "Save PNG/CSV…" (ui/export_dialog.h); set by PanelRegistry
  FrameTiming frame;

  // Side-by-side runs (ui/compare.h): empty, or every run including the one `trainer` drives
  // (runs[0]); refreshed by the app each frame. compare_request: a Compare menu choice (a
  // preset id, or "stop") for the app, which owns the trainers.
  std::vector<CompareRun> runs;
  std::string compare_request;
  // File ▸ Open… (and files dropped on the window): the app decides what a chosen file means
  // (app/open_path.h) and owns the trainers, so the UI only hands it the absolute path. Set by
  // the app; empty in tests that only draw (the menu then reports that nothing can open).
  std::function<void(const std::string& path)> on_open;

  // Screenshot mode points this at a list; each panel appends one line saying what it drew
  // ("step_through cursor=5 unit=3 ...") so tests can check the shared selection reached it.
  // Null in the GUI, so the notes cost nothing there.
  std::vector<std::string>* drawn = nullptr;
  void NoteDrawn(const std::string& line) const {
    if (drawn != nullptr) drawn->push_back(line);
  }

  void Send(Command command) const {
    if (trainer != nullptr) trainer->Send(std::move(command));
  }
  // Keeps the selection valid after the model or probe changed shape.
  void Clamp(const Snapshot& snapshot);
};

}  // namespace rnnscope
