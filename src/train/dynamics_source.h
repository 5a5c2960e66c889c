// What the dynamics analyses (docs/dynamics.md) need from a running job, taken on the trainer
// thread and handed to a worker or to `rnnscope dynamics`: the recurrent stack's configuration,
// a double copy of its weights (so the analyses are exact and outlive the job's next step), the
// input tokens' names and real held-out sequences, whose trajectories start the fixed-point
// search (model/fixed_points.h) and fill the state-space view.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/fixed_points.h"
#include "model/model_config.h"
#include "model/params.h"
#include "model/state_jacobian.h"

namespace rnnscope {

struct DynamicsSource {
  std::string task;                 // the job's task, for messages
  ModelConfig config;               // the recurrent stack; vocab = input tokens
  ModelParams<double> params;       // embedding, rnn.*, and fc when `per_step_readout`
  // fc reads the top layer's h at every step with targets per step (a language model, a
  // tagger): the per-position gradient analyses (model/gradient_contributions.h) apply.
  bool per_step_readout = false;
  std::vector<std::string> outputs; // names of fc's rows when per_step_readout (characters, tags)
  std::vector<std::string> tokens;  // input token names, index = id
  int32_t default_input = 0;        // the constant input a search uses unless one is chosen
  std::string default_input_why;    // e.g. "a space", "no pulse on any channel"
  // Held-out sequences, each read from the zero state as the task reads them (the char LM's
  // validation text in chunks; a tagger's validation examples).
  std::vector<std::vector<int32_t>> held_out;
};

// The token named `name` (exact match; "space", "\\n" and "\\t" name those characters), or
// InputError naming `flag` and listing a few of the model's tokens.
int32_t InputTokenNamed(const DynamicsSource& source, const std::string& name, const std::string& flag);

// Fixed and slow points for the constant input `token`, from `starts` states spread along the
// held-out trajectories (StatesAlong). The one search the window's worker and `rnnscope
// dynamics` both run.
FixedPointResult SearchFixedPoints(const DynamicsSource& source, const StateMap& map, int32_t token, int starts,
                                   const FixedPointOptions& options = {}, const FixedPointProgress& progress = {},
                                   const std::atomic<bool>* cancel = nullptr);

}  // namespace rnnscope
