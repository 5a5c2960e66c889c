// Export from the UI: every panel's "Save PNG…" / "Save CSV…" (title-bar right-click menu and
// File ▸ Export view), and File ▸ Export trace / Export model / Save checkpoint; and the two
// opens, File ▸ Open… and File ▸ Open PyTorch model. There is no native file dialog: the
// in-window browser (ui/file_browser.h) asks, pre-filled with "rnnscope-<what>-step<N>.<ext>"
// in the folder last saved to (first time: the working directory), and the menu bar shows
// where the file went (or the error) for a few seconds.
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

#include "ui/file_browser.h"

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
  // Opens the file browser for `kind` (panel: id for PNG/CSV, else ignored): Save mode with the
  // derived name, or for kOpenModel Open mode for the weights (then, when "<name>.vocab.json"
  // is not beside them, a second Open for the vocabulary).
  void Ask(ExportKind kind, const std::string& panel, const Snapshot& snapshot);
  // File ▸ Open…: the browser in Open mode with open_filters(); the chosen path goes to
  // UiState::on_open (set by the app) in EndFrame.
  void AskOpen();
  // The filters File ▸ Open… offers ("All files" first); callers may replace them, e.g. with
  // content-based kind detection.
  void SetOpenFilters(std::vector<FileFilter> filters) { open_filters_ = std::move(filters); }
  FileBrowser& browser() { return browser_; }
  // Runs a job without asking (the screenshot command's flags).
  void Queue(ExportJob job) { queue_.push_back(std::move(job)); }

  // Called first in PanelRegistry::DrawAll: hides the mouse while a capture is due.
  void BeginFrame();
  // Called last in PanelRegistry::DrawAll: the dialog, then the next queued job.
  void EndFrame(const Snapshot& snapshot, UiState& state, PanelRegistry& panels);
  // Shows a line from elsewhere in the menu bar's status (what an opened file did).
  void Report(const std::string& message, bool error) { Finish(message, error, false); }
  // The last result, drawn at the right of the main menu bar while recent.
  void DrawStatus() const;

  bool Idle() const { return queue_.empty() && !browser_.IsOpen(); }
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
  // What the browser is asking for: a save job's path, the weights or vocabulary of
  // kOpenModel, or a file for File ▸ Open….
  enum class Asking { kNothing, kSavePath, kWeights, kVocab, kOpenAny };
  void Chosen(const std::string& path, UiState& state);
  FileBrowser browser_;
  Asking asking_ = Asking::kNothing;
  ExportJob dialog_job_;
  std::vector<FileFilter> open_filters_ = DefaultOpenFilters();
  // Result.
  std::string status_;
  bool status_error_ = false;
  double status_time_ = -1e9;
  std::vector<std::string> log_;
  int failures_ = 0;
};

}  // namespace rnnscope
