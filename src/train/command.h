// Commands from the UI (or a test) to the trainer thread. They queue up and are applied at the
// next step boundary; the sender never waits.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "model/model_config.h"
#include "train/dynamics_view.h"
#include "train/snapshot.h"

namespace rnnscope {

struct PauseCommand { bool paused = true; };
struct StepCommand { int steps = 1; };               // train N batches while paused
struct ResetCommand {};                              // re-initialise weights from the seed
struct SetSettingsCommand { TrainSettings settings; };  // hyperparameters, from the next step
// Structural change: the trainer rebuilds model and optimizer (task may change too).
struct RebuildCommand {
  std::string task;
  ModelConfig model;
  TrainSettings settings;
  std::string attention = "additive";  // seq2seq tasks: none, additive, dot, general
  // Non-empty: the char LM opens this PyTorch state_dict + vocabulary (JSON list of tokens)
  // instead of fresh weights (train/char_lm_import.cpp; File > Open PyTorch model).
  std::string weights_path{}, vocab_path{};
  // true: the task's own default model on its built-in data (File ▸ Examples), not `model`.
  bool task_defaults = false;
};
struct ProbeCommand { std::string text; };          // run this text through the current weights
// Seq2seq: the first output tokens the probe's greedy and beam decoding are forced to start with
// ("" = none); words or characters as the target side is (Seq2SeqTask::EncodeTarget).
struct DecoderPrefixCommand { std::string tokens; };
// state_dict_only: only the weights under their PyTorch names (no optimizer buffers, no carried
// state), so `model.load_state_dict(safetensors.torch.load_file(path))` works with strict=True.
struct SaveCommand {
  std::string path;
  bool state_dict_only = false;
};
struct LoadCommand { std::string path; };
// Open a file by what it holds (io/file_kind.h, train/open_file.h): a text, TSV, CoNLL file,
// checkpoint or PyTorch state_dict. kind: a FileKindName, or empty to detect; a file that fits
// several kinds is not opened but asked about (Snapshot::open_choice). A file that fails leaves
// the running job as it was.
// A text opened while the running char LM was imported from a PyTorch state_dict could be meant
// for that model: the window asks (OpenChoice::running_model) and answers with `use`.
enum class OpenUse { kAsk, kNewRun, kRunningModel };
struct OpenFileCommand {
  std::string path;
  std::string kind{};
  OpenUse use = OpenUse::kAsk;
};
struct PublishCommand {};                            // publish a snapshot now

// Debugger commands (train/debugger_types.h, model/intervention.h).
struct SetBreakpointsCommand { BreakpointRules rules; };
// Time travel: restore the newest kept checkpoint at or before `step`. branch = false replays
// (the same batches, so the same losses, bit for bit); branch = true keeps the abandoned future
// as a BranchHistory and continues with `settings` (when change_settings) as a new line.
struct RewindCommand {
  int64_t step = 0;
  bool branch = false;
  bool change_settings = false;
  TrainSettings settings;
  std::string label;                // the new line's name; empty = describe the change
};
// A checkpoint every `interval` steps (0 = off), keeping at most cap_bytes of them.
struct SetCheckpointRingCommand {
  int interval = 50;
  int64_t cap_bytes = 64ll << 20;
};
// The cell finder: a user regex (empty = only the built-in signals) and how often to rerun.
struct SetCellFinderCommand {
  bool enabled = true;
  std::string regex;
  int interval_ms = 3000;
};
// LSTMVis query on the probe: units with h > threshold throughout t0..t1, and where else in
// the validation text they are all on (runs of at least min_length). t0 = -1 clears it.
struct CellQueryCommand {
  int t0 = -1, t1 = -1;
  float threshold = 0.5f;
  int min_length = 3;
};
// The Dynamics panel (train/dynamics_worker.h): whether to compute views, and how to project.
struct SetDynamicsCommand { DynamicsSettings settings; };
// A fixed-point search for a constant input (token name; empty = the task's default) from
// `starts` held-out states; cancel = stop the running one instead.
struct FindFixedPointsCommand {
  std::string input;
  int starts = 256;
  bool cancel = false;
};
struct AddInterventionCommand { Intervention intervention; };  // its id is assigned
struct RemoveInterventionCommand { int id = -1; };               // -1: remove all

using Command = std::variant<PauseCommand, StepCommand, ResetCommand, SetSettingsCommand,
                             RebuildCommand, ProbeCommand, SaveCommand, LoadCommand, OpenFileCommand,
                             PublishCommand, SetBreakpointsCommand, RewindCommand,
                             SetCheckpointRingCommand, SetCellFinderCommand, CellQueryCommand,
                             AddInterventionCommand, RemoveInterventionCommand, SetDynamicsCommand,
                             FindFixedPointsCommand, DecoderPrefixCommand>;

}  // namespace rnnscope
