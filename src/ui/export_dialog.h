// Export from the UI: every panel's "Save PNG…" / "Save CSV…" (title-bar right-click menu and
// File ▸ Export view), and File ▸ Export trace / Export model / Save checkpoint. There is no
// native file dialog: a small modal asks for a file name pre-filled with
// "rnnscope-<what>-step<N>.<ext>" in the current directory, and the menu bar shows where the
// file went (or the error) for a few seconds.
//
// PNG is the panel's pixels as rendered: the request opens the panel (or brings its tab
// forward), waits until a frame has drawn it with no menu or dialog on top and the mouse
// hidden (no hover tooltip over it), and reads that frame's back buffer from a draw callback
// queued last in the foreground draw list — i.e. after every window rendered, before the swap.
// `rnnscope screenshot --export-png/--export-csv/...` queue the same jobs without the dialog.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace rnnscope {

class Panel;
class PanelRegistry;
struct Snapshot;
struct UiState;

// kOpenModel is the one import: File > Open PyTorch model (weights + vocabulary file names).
enum class ExportKind { kPng, kCsv, kTrace, kModel, kCheckpoint, kOpenModel };

struct ExportJob {
  ExportKind kind = ExportKind::kPng;
  std::string panel;  // panel id for PNG/CSV
  std::string path;
  std::string vocab{};  // kOpenModel: the vocabulary JSON (a default: {kind, panel, path} stays complete)
};

class Exporter {
 public:
  // The two entries of a panel's export menu.
  void MenuItems(const Panel& panel, const Snapshot& snapshot, UiState& state);
  // Opens the file-name dialog for `kind` (panel: id for PNG/CSV, else ignored).
  void Ask(ExportKind kind, const std::string& panel, const Snapshot& snapshot);
  // Runs a job without asking (the screenshot command's flags).
  void Queue(ExportJob job) { queue_.push_back(std::move(job)); }

  // Called first in PanelRegistry::DrawAll: hides the mouse while a capture is due.
  void BeginFrame();
  // Called last in PanelRegistry::DrawAll: the dialog, then the next queued job.
  void EndFrame(const Snapshot& snapshot, UiState& state, PanelRegistry& panels);
  // The last result, drawn at the right of the main menu bar while recent.
  void DrawStatus() const;

  bool Idle() const { return queue_.empty() && !dialog_open_; }
  // One line per finished job ("png gates /abs/path 412x300", "error: …"), for the screenshot
  // command to print; cleared by the caller.
  std::vector<std::string>& log() { return log_; }
  int failures() const { return failures_; }

 private:
  void Run(const ExportJob& job, const Snapshot& snapshot, UiState& state, PanelRegistry& panels);
  // wrote: the message names a file written ("wrote …" / "exported …"), else it is said as is.
  void Finish(const std::string& message, bool error, bool wrote = true);
  static void CaptureCallback(const ImDrawList* list, const ImDrawCmd* cmd);
  void Capture();

  std::deque<ExportJob> queue_;
  // PNG in progress: frames still to wait before the capture frame.
  int png_wait_ = -1;
  Panel* png_panel_ = nullptr;
  std::string png_path_;
  // Dialog.
  bool dialog_open_ = false, dialog_pending_ = false;
  ExportJob dialog_job_;
  char path_buffer_[1024] = {};
  char vocab_buffer_[1024] = {};
  // Result.
  std::string status_;
  bool status_error_ = false;
  double status_time_ = -1e9;
  std::vector<std::string> log_;
  int failures_ = 0;
};

}  // namespace rnnscope
