// rnnscope: `rnnscope` or `rnnscope gui` opens the window; `rnnscope screenshot --out F.png`
// renders the full UI after N training steps and writes a PNG; `rnnscope measure` compares
// training throughput headless and with the window open; every other subcommand is
// headless and handled by RunCommandLine (src/cli).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string_view>

#include "app/app.h"
#include "app/make_trainer.h"
#include "app/measure.h"
#include "cli/command_line.h"
#include "cli/model_flags.h"
#include "cli/window_size.h"
#include "core/error.h"
#include "io/file_kind.h"
#include "train/checkpoint.h"
#include "train/open_file.h"
#include "train/cell_finder.h"
#include "ui/compare.h"

namespace rnnscope {
namespace {

// `rnnscope PATH`: the file's kind from its content (or --kind), then the spec it runs as or
// the checkpoint to start from, through the same mechanism as File ▸ Open (train/open_file.h).
// A file that cannot open is one line naming it and a non-zero exit, before any window exists.
void OpenPathAtStart(AppOptions& options) {
  const FileKindGuess guess = DetectFileKind(options.open_path);
  FileKind kind = guess.kind;
  if (!options.open_kind.empty()) {
    if (!ParseFileKind(options.open_kind, &kind))
      throw UsageError("--kind " + options.open_kind + ": no such kind (text, tsv, conll, checkpoint, state_dict)");
  } else if (!guess.also.empty()) {
    std::string also;
    for (FileKind k : guess.also) also += (also.empty() ? "" : ", ") + std::string(FileKindName(k));
    std::printf("open: %s (%s) fits %s and also %s; opening it as %s (choose with --kind)\n", options.open_path.c_str(),
                guess.detail.c_str(), std::string(FileKindName(kind)).c_str(), also.c_str(),
                std::string(FileKindName(kind)).c_str());
  }
  options.opened_file = AbsolutePath(options.open_path);
  std::printf("open: %s as %s (%s)\n", options.opened_file.c_str(), std::string(FileKindTitle(kind)).c_str(),
              guess.detail.c_str());
  if (kind == FileKind::kCheckpoint) {
    GetMetadata(ReadSafetensors(options.opened_file));  // a damaged or foreign file: refused here, named
    options.checkpoint = options.opened_file;
    return;
  }
  options.spec = SpecForFile(options.open_path, kind, options.spec);
}

int RunWindow(AppOptions options, const std::string& size) {
  if (!size.empty()) {
    const WindowSize parsed = ParseWindowSize(size);
    options.width = parsed.width;
    options.height = parsed.height;
  }
  if (!options.open_path.empty()) OpenPathAtStart(options);
  // The task, the flags that apply to it and the memory are checked before any thread or
  // window exists, so a mistake is one clean line (exit 2) instead of an error in the window.
  CheckedSpec(options.spec);
  if (options.measure) return RunMeasure(options);
  AppOptions first = options;
  if (!options.compare_preset.empty()) {
    const ComparePreset* preset = nullptr;
    for (const ComparePreset& p : ComparePresets()) {
      if (p.id == options.compare_preset) preset = &p;
    }
    if (preset == nullptr) {
      std::string known;
      for (const ComparePreset& p : ComparePresets()) known += (known.empty() ? "" : ", ") + p.id;
      throw Error("--compare-preset " + options.compare_preset + ": no such preset (known: " + known + ")");
    }
    first.spec.task = preset->task;
    if (first.compare.empty()) {
      for (const std::string& run : preset->runs) first.compare += (first.compare.empty() ? "" : ",") + run;
    }
  }
  if (!first.compare.empty()) {
    // The first run is the app's own trainer; the App starts the others (ui/compare.h).
    const std::vector<RunSpec> runs = ParseRunList(first.compare);
    for (const RunSpec& run : runs) ParseCellKind(run.cell);
    first.spec.model.cell = ParseCellKind(runs.front().cell);
    if (first.spec.given) first.spec.given->insert("cell");  // the run's whole point is its cell
    if (runs.front().learning_rate > 0.0f) first.learning_rate = runs.front().learning_rate;
  }
  const auto trainer = MakeTrainer(first);
  App app(first, *trainer);  // destroyed before the trainer: the UI stops sending first
  return options.screenshot ? app.RunScreenshot() : app.RunGui();
}

int Main(int argc, char** argv) {
  // `rnnscope PATH`: a first argument that is no command but a file opens it; one that looks
  // like a path (a '/' or '.') but is missing gets "no such file", not "unknown command".
  const bool path_first = argc >= 2 && argv[1][0] != '-' && std::strcmp(argv[1], "gui") != 0 &&
                          std::strcmp(argv[1], "screenshot") != 0 && std::strcmp(argv[1], "measure") != 0 &&
                          !IsHeadlessCommand(argv[1]) &&
                          (std::filesystem::exists(argv[1]) || std::strpbrk(argv[1], "/.") != nullptr);
  const bool gui = argc < 2 || std::strcmp(argv[1], "gui") == 0 || path_first;
  const bool screenshot = argc >= 2 && std::strcmp(argv[1], "screenshot") == 0;
  const bool measure = argc >= 2 && std::strcmp(argv[1], "measure") == 0;
  if (!gui && !screenshot && !measure) return RunCommandLine(argc, argv);

  AppOptions options;
  options.screenshot = screenshot;
  options.measure = measure;
  CLI::App cli(screenshot ? "Render the UI after training N steps and write a PNG"
               : measure  ? "Training tokens/s headless vs with the window open, and frame times"
                          : "Open the rnnscope window",
               screenshot ? "rnnscope screenshot" : measure ? "rnnscope measure" : "rnnscope gui");
  AddModelFlags(cli, options.spec);
  cli.add_option("path", options.open_path, "a file to open, its kind read from its content: UTF-8 text (char LM), "
                 "source<TAB>target pairs (seq2seq), token<TAB>tag sentences (tagging), an rnnscope checkpoint "
                 "(continue the run) or a PyTorch state_dict (inspect it)")->type_name("PATH");
  cli.add_option("--kind", options.open_kind, "how to read PATH when its content fits several kinds: text, tsv, "
                 "conll, checkpoint, state_dict")->type_name("KIND");
  std::string size;
  cli.add_option("--size", size, "window size WIDTHxHEIGHT (e.g. 1280x800)")->type_name("WxH");
  cli.add_option("--compare", options.compare, "side-by-side runs on the same task, seed and batches: "
                 "CELL[:LR],CELL[:LR][,...] (2 or 3), e.g. rnn_tanh,lstm or lstm:0.002,lstm:0.01")
      ->type_name("RUNS");
  cli.add_option("--compare-preset", options.compare_preset, "a Compare menu preset: vanishing (RNN vs LSTM "
                 "on brackets), cells (RNN, GRU, LSTM on the char LM), lr (two LSTM learning rates)")
      ->type_name("ID");
  cli.add_flag("--full-redraw", options.full_redraw, "redraw every pixel every frame instead of only the "
               "parts that changed (slower with software OpenGL; for comparison)");
  if (measure) {
    cli.add_option("--seconds", options.measure_seconds, "seconds measured for each of the two runs")
        ->check(CLI::Range(1.0, 600.0))->capture_default_str();
    cli.add_flag("--verify-redraw", options.verify_redraw, "also draw each frame that left no damage for later "
                 "with ImGui's stock OpenGL backend, and fail if any pixel differs from the partly redrawn frame");
    cli.add_flag("--redraw-offscreen", options.redraw_offscreen, "keep the frame off screen and copy it to the "
                 "window, as on GPU drivers, even where the back buffer survives a swap (tests that path)");
  }
  if (screenshot) {
    cli.add_option("--out", options.out_path, "PNG to write")->required();
    cli.add_option("--steps", options.steps, "training steps before the capture")
        ->check(CLI::Range(0, 10000000))->capture_default_str();
    cli.add_option("--frames", options.frames, "frames rendered and timed before the capture")
        ->check(CLI::Range(1, 100000))->capture_default_str();
    cli.add_flag("--check", options.check, "exit non-zero if the image is nearly uniform");
    cli.add_option("--monkey", options.monkey_seconds, "after training, random clicks, drags, wheel, keys and "
                   "text for this many seconds, training live (prints seed, frames and events)");
    cli.add_option("--monkey-frames", options.monkey_frames, "the same bounded by frames: replays a seed exactly");
    cli.add_option("--monkey-seed", options.monkey_seed, "the monkey's seed")->capture_default_str();
    cli.add_option("--show", options.show,
                   "open panels or bring tabs forward: help, attention, probe, samples, weights, "
                   "gradients, step_through, ...");
    cli.add_option("--mouse", [&options](const CLI::results_t& r) {
         return std::sscanf(r.front().c_str(), "%f,%f", &options.mouse_x, &options.mouse_y) == 2;
       }, "simulated mouse position X,Y (to capture hover tooltips)")->type_name("X,Y");
    cli.add_option("--click", options.clicks, "left-click at X,Y after training (repeatable, in order; "
                   "exercises buttons, e.g. the timeline's Replay)")->type_name("X,Y");
    cli.add_option("--crop", [&options](const CLI::results_t& r) {
         return std::sscanf(r.front().c_str(), "%d,%d,%d,%d", &options.crop_x, &options.crop_y,
                            &options.crop_w, &options.crop_h) == 4 &&
                options.crop_x >= 0 && options.crop_y >= 0 && options.crop_w > 0 && options.crop_h > 0;
       }, "write only this rectangle of the window (README figures of one panel)")->type_name("X,Y,W,H");
    cli.add_option("--cursor", options.cursor_t, "initial timestep cursor");
    cli.add_option("--unit", options.unit, "initial selected unit");
    cli.add_option("--break-at", options.break_at, "set a breakpoint at step N (captures the paused hit)")
        ->check(CLI::Range(int64_t{0}, int64_t{10000000}));
    cli.add_option("--break-grad-norm", options.break_grad_norm, "set a breakpoint on the gradient norm above X")
        ->check(CLI::PositiveNumber);
    cli.add_option("--break-saturation", options.break_saturation, "set a breakpoint on gate saturation: "
                   "fraction F of one gate's values beyond 0.05/0.95")->check(CLI::Range(0.0f, 1.0f));
    cli.add_option("--branch-at", options.branch_at, "after --steps, rewind to step N and branch with 4x "
                   "the learning rate back to --steps")->check(CLI::Range(int64_t{0}, int64_t{10000000}));
    cli.add_option("--intervene", options.interventions, "add an intervention TARGET,LAYER,UNIT,VALUE "
                   "(TARGET h, c or a gate letter i f g o / r z n; LAYER and UNIT a number or 'all'), "
                   "e.g. f,0,3,1 pins unit 3's forget gate open; seq2seq: attn,STEP,SOURCE overwrites the "
                   "attention row of output STEP with a one-hot on SOURCE (or 'uniform')")->type_name("SPEC");
    cli.add_option("--cell-regex", options.cell_regex, "cell finder: also rank units against this regex (RE2 syntax)");
    cli.add_option("--cell-query", [&options](const CLI::results_t& r) {
         const int n = std::sscanf(r.front().c_str(), "%d,%d,%f", &options.query_t0, &options.query_t1, &options.query_threshold);
         return n >= 2 && options.query_t0 >= 0 && options.query_t1 >= options.query_t0;
       }, "LSTMVis query: units on throughout probe timesteps T0..T1 (h > threshold, default 0.5)")
        ->type_name("T0,T1[,THRESHOLD]");
    cli.add_option("--export-png", options.export_png, "after training (and clicks), save PANEL's pixels as "
                   "a PNG, as its Save PNG menu does (repeatable)")->type_name("PANEL:FILE");
    cli.add_option("--export-csv", options.export_csv, "save the numbers behind PANEL as CSV (repeatable)")
        ->type_name("PANEL:FILE");
    cli.add_option("--export-trace", options.export_trace, "save the probe's trace as safetensors (File menu)");
    cli.add_option("--export-model", options.export_model, "save the model as a PyTorch state_dict (File menu)");
    cli.add_option("--open-via-browser", options.open_via_browser, "after training, File > Open... and type PATH into "
                   "the file browser (a folder: the browser stays open on it; a file: it is opened)")->type_name("PATH");
    cli.add_option("--drop", options.drop, "after training, open PATH as if it were dropped on the window")
        ->type_name("PATH");
  }
  // Skip argv[1] (the subcommand) when there is one.
  const int skip = argc >= 2 && !path_first ? 1 : 0;
  try {
    cli.parse(argc - skip, argv + skip);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  // A pattern that does not compile is refused here, with RE2's reason, rather than showing up
  // only later in the cell finder panel of a window nobody may be watching (screenshot runs).
  if (!options.cell_regex.empty()) {
    try {
      CheckRegex(options.cell_regex);
    } catch (const ConfigError& e) {
      throw UsageError(std::string("--cell-regex: ") + e.what());
    }
  }
  return RunWindow(options, size);
}

}  // namespace
}  // namespace rnnscope

int main(int argc, char** argv) {
  try {
    return rnnscope::Main(argc, argv);
  } catch (const rnnscope::UsageError& e) {
    std::fprintf(stderr, "rnnscope: %s\n", e.what());
    return 2;  // as the headless commands (cli/command_line.cpp)
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rnnscope: %s\n", e.what());
    return 1;
  }
}
