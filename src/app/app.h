// The window: GLFW + OpenGL 3.3 core + Dear ImGui, the frame loop, and the screenshot capture.
// Everything here runs on the main thread; the trainer is reached only through TrainerLink.
#pragma once

#include <imgui.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/app_options.h"
#include "app/fonts.h"
#include "app/frame_stats.h"
#include "io/file_kind.h"
#include "train/trainer_link.h"
#include "train/trainer_reaper.h"
#include "ui/panel_registry.h"
#include "ui/ui_state.h"
#include "viz/imgui_renderer.h"

struct GLFWwindow;

namespace rnnscope {

class Monkey;
struct Image;
struct Snapshot;

class App {
 public:
  // Opens the window and initialises ImGui; throws Error with a one-line reason (no display,
  // no GL 3.3) so main() can print it and exit non-zero.
  App(const AppOptions& options, TrainerLink& trainer);
  ~App();  // GL objects, then ImGui, then the window, then glfwTerminate
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Interactive loop until the window closes. Returns the exit code.
  int RunGui();
  // Trains options.steps steps, renders options.frames frames, writes the PNG and prints
  // "frame_ms median=… p95=…" and image statistics. Returns the exit code.
  int RunScreenshot();

  // `rnnscope measure`: frames paced at 60 Hz, as vsync paces them on a real display (Xvfb has
  // none), for `warmup` then `seconds` seconds while the trainer runs; what the measured part saw.
  struct PacedRun {
    std::size_t frames = 0;
    double work_median_ms = 0, work_p95_ms = 0;          // building and drawing one frame
    double interval_median_ms = 0, interval_p95_ms = 0;  // start to start (≥ 16.7 when on time)
    double tokens_per_second = 0;                        // the trainer's, over the same span
    double redrawn_fraction = 0;   // mean share of the frame's pixels redrawn (damage tracking)
    bool redraws_into_back_buffer = false;  // viz/imgui_renderer.h: where the last frame is kept
    std::size_t verified_frames = 0, mismatched_frames = 0;  // --verify-redraw
    std::size_t deferring_frames = 0;  // frames that left damage for the next (not compared)
  };
  PacedRun RunPaced(double warmup, double seconds);

 private:
  // Screenshot --export-*: queues the exports, renders until they are done, prints one
  // "exported …" line each. Returns 0, or the exit code (2 bad flag, 4 an export failed).
  int RunExports();
  // Screenshot --monkey: random input until the time or frame bound; 0, or the exit code.
  int RunMonkey();
  // Screenshot --open-via-browser / --drop: opens the file as the user would, then renders
  // until the opened model runs; 0, or the exit code.
  int RunOpens();
  // Files chosen in File ▸ Open… or dropped since the last frame (app/open_path.h).
  void OpenPendingFiles();
  // One frame; when `capture` is set, reads the back buffer into it before the swap.
  void Frame(Image* capture);
  void WantFontsFor(const Snapshot& snapshot);  // grows the font atlas, between frames
  // Side-by-side runs (ui/compare.h). The first run is trainer_ itself; the others are
  // TrainerThreads the app owns, built with the same task, sizes and settings (so the same seed
  // gives the same batches), one engine thread each so the UI keeps a core.
  void StartExtraRuns(const AppOptions& base, const std::vector<RunSpec>& runs, bool paused);
  void StartPreset(const std::string& id, const Snapshot& current);  // Compare menu
  void StopCompare();
  std::vector<TrainerLink*> RunLinks();  // trainer_ first; just trainer_ when not comparing

  AppOptions options_;
  // The trainer the window shows (main's): an opened file becomes its new job (OpenFileCommand).
  TrainerLink* trainer_;
  std::vector<std::string> pending_opens_;  // from UiState::on_open, opened next frame
  std::size_t opens_handled_ = 0;
  std::optional<FileKind> last_open_kind_;  // of the last file sent to the trainer
  GLFWwindow* window_ = nullptr;
  bool imgui_ready_ = false;
  // The `model:` line goes to stdout whenever what runs changes (a file opened, a rebuild), and
  // the window title names the file and task; both from the snapshot, as built.
  std::string printed_model_line_;
  std::string title_;
  std::string ini_path_;
  // The font atlas grows with the characters the run uses (app/fonts.h): checked once per new
  // snapshot or edited probe text, rebuilt between frames.
  FontAtlas fonts_;
  uint64_t fonts_checked_version_ = ~uint64_t{0};
  std::string fonts_checked_probe_;
  UiState state_;
  std::unique_ptr<PanelRegistry> panels_;
  std::unique_ptr<ImGuiRenderer> renderer_;
  RedrawStats last_redraw_;
  std::size_t verified_frames_ = 0, mismatched_frames_ = 0, deferring_frames_ = 0;  // --verify-redraw
  FrameStats frame_stats_;
  // Screenshot --click: the left button state and position forced on the next frames.
  bool click_active_ = false;
  bool click_down_ = false;
  ImVec2 click_pos_{0.0f, 0.0f};
  double last_frame_start_ = 0.0;
  std::unique_ptr<Monkey> monkey_;  // screenshot --monkey: injects this frame's random input
  std::vector<std::string> run_names_;                    // empty: not comparing
  std::vector<std::unique_ptr<TrainerLink>> extra_runs_;  // runs 1..; each joins its thread when freed
  // Frees stopped runs on its own thread, so stopping Compare never waits on a training step.
  // Declared last: destroyed first, after ~App's body drained it.
  TrainerReaper reaper_;
};

}  // namespace rnnscope
