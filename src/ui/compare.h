// Side-by-side runs (docs/compare.md): two or three trainers on the same task, seed and batches,
// e.g. RNN vs LSTM. The app owns the trainers and fills UiState::runs every frame; the loss and
// gradient-flow panels overlay the runs, the Compare panel draws each run in a column of its own.
#pragma once

#include <imgui.h>

#include <memory>
#include <string>
#include <vector>

namespace rnnscope {

struct Snapshot;
struct UiState;
class TrainerLink;

// One run as the panels see it during a frame (the app refreshes `latest` once per frame).
struct CompareRun {
  std::string name;                        // "rnn_tanh", "lstm", "lstm lr=0.01"
  std::shared_ptr<const Snapshot> latest;  // null until the run's first snapshot
  TrainerLink* link = nullptr;             // its trainer (the Controls panel sends edits here)
};

// A one-click comparison from the Compare menu or `--compare-preset`.
struct ComparePreset {
  std::string id;       // "vanishing"
  std::string title;    // menu text
  std::string task;
  std::vector<std::string> runs;  // RunSpec strings, "CELL[:LR]"
  std::string probe;    // probe text sent to every run ("" keeps the task's own)
  int seq_len = 0;      // > 0: training sequence length for every run
};

const std::vector<ComparePreset>& ComparePresets();

// "CELL[:LR]" → cell name and learning rate (0 = the default). Throws Error on a bad LR.
struct RunSpec {
  std::string cell;
  float learning_rate = 0.0f;
  std::string Name() const;
};
RunSpec ParseRunSpec(const std::string& text);
// "rnn_tanh,lstm" → specs; Error unless there are 2 or 3.
std::vector<RunSpec> ParseRunList(const std::string& text);

// One colour per run, shared by every panel so a run reads the same everywhere.
ImU32 RunColor(std::size_t index);

// The "Compare" menu of the main menu bar: the presets, and "Stop comparing" while runs exist.
// A choice is left in state.compare_request for the app, which owns the trainers.
void DrawCompareMenu(UiState& state);

// ‖∂L/∂h_t‖ of layer 0 (forward) at the first timestep over the last one; NaN without data.
// Below 1 the gradient shrinks towards early timesteps (vanishing).
double FirstOverLastGradient(const Snapshot& snapshot);

}  // namespace rnnscope
