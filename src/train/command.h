// Commands from the UI (or a test) to the trainer thread. They queue up and are applied at the
// next step boundary; the sender never waits.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "model/model_config.h"
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
};
struct ProbeCommand { std::string text; };          // run this text through the current weights
struct SaveCommand { std::string path; };
struct LoadCommand { std::string path; };
struct PublishCommand {};                            // publish a snapshot now

using Command = std::variant<PauseCommand, StepCommand, ResetCommand, SetSettingsCommand,
                             RebuildCommand, ProbeCommand, SaveCommand, LoadCommand,
                             PublishCommand>;

}  // namespace rnnscope
