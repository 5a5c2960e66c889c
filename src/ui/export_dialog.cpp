// Contents: menu entries · dialog · jobs (CSV, trace, model, PNG) · PNG capture callback · status
#include "ui/export_dialog.h"

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "io/file_kind.h"
#include "io/safetensors.h"
#include "io/tensor_file_writer.h"
#include "train/snapshot_export.h"
#include "train/snapshot.h"
#include "ui/panel.h"
#include "ui/panel_registry.h"
#include "ui/ui_state.h"
#include "viz/screenshot.h"

namespace rnnscope {
namespace {

// Frames between a PNG request and its capture: the frame that closes the menu or dialog
// still shows it, and a tab brought forward draws one frame later.
constexpr int kPngWaitFrames = 2;
constexpr double kStatusSeconds = 12.0;

const char* Describe(ExportKind kind) {
  switch (kind) {
    case ExportKind::kPng: return "PNG of the panel as drawn";
    case ExportKind::kCsv: return "CSV of the numbers behind the panel";
    case ExportKind::kTrace: return "the probe's trace (gates, states, gradient norms) as safetensors";
    case ExportKind::kModel: return "the model as a PyTorch state_dict";  // .pt/.pth: torch.save, else safetensors
    case ExportKind::kCheckpoint: return "a checkpoint (weights, optimizer, data position) to resume from";
    case ExportKind::kOpenModel:
      return "a PyTorch state_dict (safetensors: [embedding.weight], rnn.*, fc.weight, fc.bias;\n"
             "docs/trace_format.md) and its vocabulary (JSON list of tokens, id = position)";
  }
  return "";
}

// "<run>-<what>-step<N>.<ext>", the run named by the file it was opened from (its stem) or
// else its task: "tang300-checkpoint-step300.safetensors", "reverse-attention-step600.png".
std::string DefaultName(ExportKind kind, const std::string& panel, const Snapshot& snapshot) {
  std::string run = snapshot.opened_file.empty() ? snapshot.task
                                                 : std::filesystem::path(snapshot.opened_file).stem().string();
  if (run.empty()) run = "rnnscope";
  const std::string suffix = "-step" + std::to_string(snapshot.step);
  switch (kind) {
    case ExportKind::kPng: return run + "-" + panel + suffix + ".png";
    case ExportKind::kCsv: return run + "-" + panel + suffix + ".csv";
    case ExportKind::kTrace: return run + "-trace" + suffix + ".safetensors";
    case ExportKind::kModel:  // in the format it came in: a model imported from a .pt goes out as one
      return run + "-model" + suffix + (IsTorchSavePath(snapshot.running.imported_from) ? ".pt" : ".safetensors");
    case ExportKind::kCheckpoint: return run + "-checkpoint" + suffix + ".safetensors";
    case ExportKind::kOpenModel: return "model.safetensors";
  }
  return run + "-export";
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

// "model.safetensors" -> "model.vocab.json": the vocabulary File > Open PyTorch model (and
// `--weights/--vocab`) needs to load the exported model again.
std::string VocabPathFor(const std::string& model_path) {
  std::filesystem::path p(model_path);
  p.replace_extension(".vocab.json");
  return p.string();
}

void WriteVocab(const std::string& path, const std::vector<std::string>& vocab) {
  AtomicFileWriter writer(path);
  writer.Write(nlohmann::json(vocab).dump() + "\n");
  writer.Commit();
}

// The names Export model writes (train/checkpoint.h ExportModel, kDefault).
std::string ExportNamesLine(const Snapshot& snapshot) {
  return "names: " + (snapshot.running.source_layout.empty() ? std::string("rnnscope") : snapshot.running.source_layout);
}

}  // namespace

void Exporter::MenuItems(const Panel& panel, const Snapshot& snapshot, UiState& state) {
  if (ImGui::MenuItem("Save PNG\u2026")) Ask(ExportKind::kPng, panel.id(), snapshot);
  const bool csv = panel.ExportCsv(snapshot, state).has_value();
  if (ImGui::MenuItem("Save CSV\u2026", nullptr, false, csv)) Ask(ExportKind::kCsv, panel.id(), snapshot);
}

void Exporter::Ask(ExportKind kind, const std::string& panel, const Snapshot& snapshot) {
  dialog_job_ = ExportJob{kind, panel, {}};
  if (kind == ExportKind::kOpenModel) {
    asking_ = Asking::kWeights;
    browser_.OpenForLoad("Open PyTorch model: the state_dict (safetensors)",
                         {AllFilesFilter(), ExtensionFilter("safetensors (.safetensors)", {".safetensors"})}, 1);
    return;
  }
  asking_ = Asking::kSavePath;
  std::string title = std::string("Save ") + Describe(kind);
  if (kind == ExportKind::kModel) title += " \u2014 " + ExportNamesLine(snapshot);
  browser_.OpenForSave(title, DefaultName(kind, panel, snapshot));
}

void Exporter::AskOpen() {
  asking_ = Asking::kOpenAny;
  browser_.OpenForLoad("Open a text, TSV or CoNLL file, a checkpoint or a PyTorch model", open_filters_);
}

void Exporter::Chosen(const std::string& path, UiState& state) {
  switch (std::exchange(asking_, Asking::kNothing)) {
    case Asking::kNothing:
      return;
    case Asking::kSavePath:
      dialog_job_.path = path;
      queue_.push_back(dialog_job_);
      return;
    case Asking::kWeights: {
      // A checkpoint (what `train` writes, or a model export) is a run, not bare weights: it
      // opens as one, by content, instead of failing on its optimizer tensors.
      try {
        if (DetectFileKind(path).kind == FileKind::kCheckpoint && state.on_open) {
          state.on_open(path);
          return;
        }
      } catch (const std::exception&) {
        // Unreadable or not a model: the import below names the problem.
      }
      dialog_job_.path = path;
      // The vocabulary Export model writes beside the weights; ask only when it is not there.
      const std::string vocab = VocabPathFor(path);
      std::error_code ec;
      if (std::filesystem::is_regular_file(vocab, ec)) {
        dialog_job_.vocab = vocab;
        queue_.push_back(dialog_job_);
        return;
      }
      asking_ = Asking::kVocab;
      browser_.OpenForLoad("Open PyTorch model: the vocabulary for " + std::filesystem::path(path).filename().string() +
                               " (JSON list of tokens)",
                           {AllFilesFilter(), ExtensionFilter("JSON (.json)", {".json"})}, 1);
      return;
    }
    case Asking::kVocab:
      dialog_job_.vocab = path;
      queue_.push_back(dialog_job_);
      return;
    case Asking::kOpenAny:
      if (!state.on_open) {
        Finish(path + ": this window cannot open files (no handler)", true);
        return;
      }
      state.on_open(path);  // the app reports what it did (Report)
      return;
  }
}

void Exporter::BeginFrame() {
  const bool png_due = png_wait_ >= 0 || (!queue_.empty() && queue_.front().kind == ExportKind::kPng);
  // Items test hovering against io.MousePos as they are submitted, so moving it away now keeps
  // tooltips and hover highlights out of the captured pixels.
  if (png_due) ImGui::GetIO().MousePos = {-FLT_MAX, -FLT_MAX};
}

void Exporter::EndFrame(const Snapshot& snapshot, UiState& state, PanelRegistry& panels) {
  if (const std::optional<std::string> chosen = browser_.Draw()) {
    Chosen(*chosen, state);
  } else if (!browser_.IsOpen() && asking_ != Asking::kNothing) {
    asking_ = Asking::kNothing;  // cancelled
  }

  if (png_wait_ > 0) {
    --png_wait_;
  } else if (png_wait_ == 0) {
    png_wait_ = -1;
    if (png_panel_ != nullptr && png_panel_->drawn_frame() == ImGui::GetFrameCount()) {
      // Last in the foreground list: runs after every window has rendered, before the swap.
      ImGui::GetForegroundDrawList()->AddCallback(&Exporter::CaptureCallback, this);
    } else {
      Finish(png_path_ + ": the panel was not drawn (closed or collapsed?)", true);
    }
  } else if (!queue_.empty() && !browser_.IsOpen()) {
    const ExportJob job = queue_.front();
    queue_.pop_front();
    Run(job, snapshot, state, panels);
  }
}

void Exporter::Run(const ExportJob& job, const Snapshot& snapshot, UiState& state, PanelRegistry& panels) {
  const std::string path = Absolute(job.path);
  try {
    switch (job.kind) {
      case ExportKind::kPng: {
        png_panel_ = panels.Find(job.panel);
        if (png_panel_ == nullptr || !panels.Show(job.panel)) {
          Finish(job.panel + ": no such panel", true);
          return;
        }
        png_path_ = path;
        png_wait_ = kPngWaitFrames;
        return;
      }
      case ExportKind::kCsv: {
        const Panel* panel = panels.Find(job.panel);
        if (panel == nullptr) {
          Finish(job.panel + ": no such panel", true);
          return;
        }
        const std::optional<CsvTable> table = panel->ExportCsv(snapshot, state);
        if (!table) {
          Finish(job.panel + ": this panel has no CSV view", true);
          return;
        }
        WriteCsv(path, *table);
        Finish("csv " + job.panel + " " + path + " " + std::to_string(table->rows.size()) + " rows", false);
        return;
      }
      case ExportKind::kTrace: {
        if (snapshot.layers.empty()) {
          Finish(path + ": no trace in this snapshot yet", true);
          return;
        }
        const TensorFile trace = TraceFromSnapshot(snapshot);
        WriteSafetensors(path, trace);
        Finish("trace " + path + " " + std::to_string(trace.tensors.size()) + " tensors", false);
        return;
      }
      case ExportKind::kOpenModel: {
        // The trainer builds the char LM from these files; a name or shape mismatch comes back
        // as the snapshot's error (the error dialog), listing what was expected.
        RebuildCommand open{"charlm", snapshot.config, snapshot.settings};
        open.weights_path = path;
        open.vocab_path = Absolute(job.vocab);
        state.Send(open);
        Finish("opening " + path + " (sent to the trainer)", false, false);
        return;
      }
      case ExportKind::kModel:
      case ExportKind::kCheckpoint:
        if (!snapshot.has_job) {
          Finish(path + ": no model is running" + (snapshot.error.empty() ? std::string() : " (" + snapshot.error + ")"), true);
          return;
        }
        if (job.kind == ExportKind::kModel) WriteVocab(VocabPathFor(path), snapshot.vocab);
        // The trainer thread owns the weights; it writes the file at its next step boundary and
        // reports in its status line (or the error dialog).
        state.Send(SaveCommand{path, job.kind == ExportKind::kModel});
        Finish(std::string(job.kind == ExportKind::kModel ? "model" : "checkpoint") + " " + path +
                   (job.kind == ExportKind::kModel ? " + " + VocabPathFor(path) + " (" + ExportNamesLine(snapshot) + ")" : std::string()) +
                   " (sent to the trainer)", false);
        return;
    }
  } catch (const std::exception& e) {
    Finish(e.what(), true);
  }
}

void Exporter::CaptureCallback(const ImDrawList* /*list*/, const ImDrawCmd* cmd) {
  static_cast<Exporter*>(cmd->UserCallbackData)->Capture();
}

void Exporter::Capture() {
  try {
    const ImGuiIO& io = ImGui::GetIO();
    const ImVec2 scale = io.DisplayFramebufferScale;
    const int fb_w = static_cast<int>(io.DisplaySize.x * scale.x), fb_h = static_cast<int>(io.DisplaySize.y * scale.y);
    const Image frame = ReadBackBuffer(fb_w, fb_h);
    // The panel's rectangle in framebuffer pixels, clipped to the frame.
    const ImVec2 lo = png_panel_->rect_min(), hi = png_panel_->rect_max();
    const int x0 = std::clamp(static_cast<int>(lo.x * scale.x), 0, fb_w), y0 = std::clamp(static_cast<int>(lo.y * scale.y), 0, fb_h);
    const int x1 = std::clamp(static_cast<int>(hi.x * scale.x), 0, fb_w), y1 = std::clamp(static_cast<int>(hi.y * scale.y), 0, fb_h);
    const Image image = Crop(frame, x0, y0, x1 - x0, y1 - y0);
    if (image.width <= 0 || image.height <= 0) throw std::runtime_error(png_path_ + ": the panel is off screen");
    WritePng(image, png_path_);
    Finish("png " + png_panel_->id() + " " + png_path_ + " " + std::to_string(image.width) + "x" +
               std::to_string(image.height), false);
  } catch (const std::exception& e) {  // never unwind into the GL backend
    Finish(e.what(), true);
  }
}

void Exporter::Finish(const std::string& message, bool error, bool wrote) {
  status_ = error || !wrote ? message : "wrote " + message;
  status_error_ = error;
  status_time_ = ImGui::GetTime();
  log_.push_back(error ? "export error: " + message : wrote ? "exported " + message : message);
  if (error) ++failures_;
}

void Exporter::DrawStatus() const {
  if (status_.empty() || ImGui::GetTime() - status_time_ > kStatusSeconds) return;
  ImGui::Separator();
  if (status_error_) {
    ImGui::TextColored({1.0f, 0.45f, 0.4f, 1.0f}, "export failed: %s", status_.c_str());
  } else {
    ImGui::TextDisabled("%s", status_.c_str());
  }
}

}  // namespace rnnscope
