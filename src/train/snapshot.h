// What the trainer thread publishes for the UI: an immutable value, shared as
// std::shared_ptr<const Snapshot>. Everything a panel draws comes from here; panels never touch
// the model. Matrices are (units, timesteps) for the probe sequence (batch column 0), copied out
// of the same per-timestep caches that training's backward pass used.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/model_config.h"
#include "train/debugger_types.h"

namespace rnnscope {

// Hyperparameters that may change between steps (no rebuild needed).
struct TrainSettings {
  std::string optimizer = "adam";  // sgd, momentum, adagrad, adam
  float learning_rate = 2e-3f;
  float momentum = 0.9f;           // momentum SGD; Adam's beta1
  float beta2 = 0.999f;
  float weight_decay = 0.0f;
  std::string clip_mode = "norm";  // none, value, norm
  float clip = 5.0f;               // ±clip (value) or max global L2 norm (norm)
  int batch = 32;
  int seq_len = 64;
  bool sequential = true;          // truncated BPTT, state carried across consecutive chunks
  float temperature = 1.0f;        // sampling
  float teacher_forcing = 1.0f;    // seq2seq
  // Dropout rate on the embedding, between layers and before the output layer (model/dropout.h,
  // PyTorch's word-language-model example); char LM, tagging, classification. Masks follow
  // seed and step.
  float dropout = 0.0f;
  uint64_t seed = 1;
  // Learning-rate schedule (train/lr_schedule.h): the rate a step uses is LearningRateAt(this,
  // learning_rate, step, plateau state); learning_rate stays the base rate.
  std::string lr_schedule = "constant";  // constant, step, plateau, cosine
  int lr_step = 1000;      // step: every lr_step steps ...
  float lr_gamma = 0.5f;   // ... lr ×= lr_gamma
  int lr_patience = 0;     // plateau: evaluations without improvement tolerated (0: the first divides)
  float lr_factor = 4.0f;  // plateau: lr /= lr_factor (word-language-model example: 4)
  int lr_warmup = 0;       // cosine: linear warm-up steps
  int lr_total = 10000;    // cosine: the step at which the rate reaches lr_min
  float lr_min = 1e-5f;    // plateau: floor; cosine: final rate (> 0: a rate of 0 trains nothing)
};

// One recurrent layer in one direction, on the probe sequence. T = probe length.
struct LayerTrace {
  int layer = 0;
  int direction = 0;                     // 0 forward, 1 reverse
  std::vector<std::string> gate_names;   // {"i","f","g","o"}, {"r","z","n"} or {"h"}
  std::vector<MatF> gates;               // one (H, T) per gate, post-activation
  MatF cell;                             // (H, T) c_t; empty unless LSTM
  MatF hidden;                           // (H, T) h_t (Jordan: its output y_t)
  MatF hidden_prev0;                     // (H, 1) initial state h_{-1} fed to t = 0
  MatF cell_prev0;                       // (H, 1) initial cell state; empty unless LSTM
  std::vector<float> grad_h_norm;        // (T) ‖∂L/∂h_t‖ on the probe
  std::vector<float> grad_c_norm;        // (T) ‖∂L/∂c_t‖; empty unless LSTM
};

struct LossPoint {
  int64_t step = 0;
  float train_loss = std::numeric_limits<float>::quiet_NaN();  // nats per token
  float val_loss = std::numeric_limits<float>::quiet_NaN();    // NaN where not evaluated
  float grad_norm = 0.0f;        // global L2 norm before clipping
  bool clipped = false;
};

// A hyperparameter changed at `step` (drawn as a marker on every plot).
struct SettingMarker {
  int64_t step = 0;
  std::string what;  // "lr 0.002 → 0.01"
};

// A loss curve that is not the active one: the future that was abandoned when the user rewound
// to `parent_step` and branched with other settings (time travel). Drawn as its own curve.
struct BranchHistory {
  int id = 0;
  int parent_id = 0;            // the line it split from (0 = the original run)
  int64_t parent_step = 0;      // it shares the curve with its parent up to here
  std::string label;            // e.g. "lr 0.002 (steps 200-450)"
  std::vector<LossPoint> history;  // its points after parent_step
};

struct ParamStat {
  std::string name;          // PyTorch state_dict name
  std::vector<int64_t> shape;
  float norm = 0.0f;
  float grad_norm = 0.0f;
  std::vector<float> grad_norm_history;  // bounded, one value per recorded step
};

// A weight matrix and its gradient, for the Weights panel (copied only for small models or
// downsampled by the trainer to at most 256×256).
struct WeightView {
  std::string name;
  MatF value;
  MatF grad;
};

// Attention of one decoded sequence: (output steps, source steps).
struct AttentionTrace {
  std::vector<std::string> source_tokens;
  std::vector<std::string> output_tokens;
  MatF weights;                        // (T_out, T_src), rows sum to 1
  std::vector<std::string> beam_outputs;
  std::vector<float> beam_scores;
  // Interventions (model/intervention.h): the rows whose weights were overwritten, and the
  // greedy output the model gives without any intervention (both empty when none apply).
  std::vector<int> overridden_rows;
  std::vector<std::string> plain_output_tokens;
  // The same sequences joined the way the task joins them (Seq2SeqTask::JoinSource / Join):
  // word-level sides with spaces ("we watch pandas"), character-level ones without, <eos>
  // left out. Panels show these, never their own concatenation of the tokens.
  std::string source_text, output_text, plain_output_text;
  // The probe (example 0) only: output tokens its decoding was forced to start with
  // (DecoderPrefixCommand), as typed, and how many tokens they are; empty / 0 when none.
  std::string forced_prefix;
  int forced_prefix_tokens = 0;
};

// What runs, as the job built it: Controls, the window title and the `model:` line read this,
// never the settings the user asked for (docs/architecture.md §3). Fields that do not apply to
// the task stay at their empty/zero value, and Line() leaves them out.
struct RunningModel {
  std::string task = "charlm";
  std::string structure;            // "language model", "N→M encoder–decoder", "N→N tagging", …
  CellKind cell = CellKind::kLstm;  // the (encoder) cell
  int hidden = 0;                   // (encoder) hidden units per layer and direction
  int layers = 1;
  int embed = 0;                    // 0 = one-hot input
  bool bidirectional = false;       // seq2seq: the encoder
  bool peephole = false;
  int vocab = 0;                    // input vocabulary
  int outputs = 0;                  // output classes (vocabulary, tags, classes)
  // seq2seq only
  bool seq2seq = false;
  CellKind decoder_cell = CellKind::kLstm;
  int decoder_hidden = 0;
  std::string attention;            // none | additive | dot | general
  // classification / generation only
  std::string readout;              // last | mean
  std::string condition;            // first | every
  std::string data_path;            // the file the task reads; empty = built in
  std::string imported_from;        // a PyTorch state_dict this model was loaded from
  // Its names, which Export model writes by default: "word_language_model (as model.pt)"
  // (train/checkpoint.h SourceLayoutLabel); empty: rnnscope's own names.
  std::string source_layout;
  // What matched what when the PyTorch file was opened, one line each (model/pytorch_layout.h
  // PyTorchLayout::report: "encoder.weight → embedding (10000 × 200)"); empty after a reload
  // from a checkpoint, which keeps the layout but not the report.
  std::vector<std::string> import_report;
  // Where clamps and pins (model/intervention.h) act in this job, for the Interventions panel;
  // empty: nowhere (the job's SetInterventions refuses them).
  std::string interventions;
  // The recurrent part from a model config (cell, sizes, directions, vocab); the job adds the rest.
  static RunningModel Of(const std::string& task, const std::string& structure, const ModelConfig& c);
  // One line: "reverse (N→M encoder–decoder): encoder GRU H=64 bidirectional, decoder GRU
  // H=64, additive attention, embed 32, vocab 14→14".
  std::string Line() const;
};

// A file that fits more than one kind (io/file_kind.h): the window asks which, and its answer
// is an OpenFileCommand with that kind. A new question gets a new id.
struct OpenChoice {
  int id = 0;                      // 0: no question
  std::string path;                // absolute
  std::vector<std::string> kinds;  // FileKindName of each reading, the likeliest first
  std::string detail;              // what was seen ("source<TAB>target lines, 2.1 KiB")
  // Non-empty: a text opened while this PyTorch state_dict runs; the window offers to train
  // that model on the text (OpenUse::kRunningModel) beside a new char LM.
  std::string running_model;
};

struct Snapshot {
  uint64_t version = 0;          // increments with every publish; textures re-upload on change
  int64_t step = 0;
  bool paused = false;
  bool has_job = false;          // false: no model runs (it failed to build); nothing to save
  std::string task = "charlm";
  std::string status;            // last message from the trainer ("rebuilt model", errors)
  std::string error;             // non-empty: something the user must see (a modal)
  ModelConfig config;
  RunningModel running;          // what runs (Job::Describe), for Controls and the title
  std::string opened_file;       // the file this run was opened from (any kind); empty: built in
  OpenChoice open_choice;        // a file waiting for the user to say how to open it
  TrainSettings settings;
  float effective_lr = 0.0f;     // the rate the next step uses (settings.learning_rate scheduled)
  double tokens_per_second = 0.0;
  double step_ms = 0.0;
  int64_t tokens_trained = 0;    // by this trainer since it started: throughput over any window

  // Probe: the input the panels show.
  std::vector<std::string> probe_tokens;   // (T) input token per timestep, UTF-8
  std::vector<std::string> probe_targets;  // (T) target token per timestep (may be empty)
  std::vector<LayerTrace> layers;          // index layer * D + direction
  MatF probe_probs;                        // (V, T) output distribution per timestep
  std::vector<std::string> vocab;          // (V) token strings
  float probe_loss = 0.0f;

  std::vector<LossPoint> history;          // bounded (decimated when long)
  std::vector<SettingMarker> markers;
  std::vector<ParamStat> params;
  std::vector<WeightView> weights;
  std::string sample;                      // generated text (char LM) or predictions vs targets
  std::vector<AttentionTrace> attention;   // seq2seq tasks only

  // Debugger (train/debugger_types.h): breakpoints, time travel, cell finder, interventions.
  BreakpointRules breakpoint_rules;        // the rules in force
  std::string breakpoint;                  // non-empty: why training paused (the rule's message)
  BreakpointHit breakpoint_hit;            // which rule fired and where (when breakpoint is set)
  std::vector<int64_t> ring_steps;         // steps the checkpoint ring can rewind to, oldest first
  int64_t ring_bytes = 0;                  // memory the ring holds
  int64_t ring_cap_bytes = 0;              // its cap
  int ring_interval = 0;                   // a checkpoint every this many steps (0 = off)
  std::vector<BranchHistory> branches;     // abandoned futures, one curve each
  int active_branch = 0;                   // id of the line `history` belongs to
  std::string active_branch_label;
  CellFinderResult cell_finder;            // units ranked by correlation with known signals
  CellQueryResult cell_query;              // the LSTMVis query's answer (CellQueryCommand)
  std::vector<Intervention> interventions; // active clamps/pins
  std::vector<std::string> intervention_labels;  // one line each, same order
};

}  // namespace rnnscope
