// The model/task/optimiser flags shared by train, gui and screenshot: one builder.
#pragma once

#include <string>
#include <vector>

#include <optional>

#include "model/model_io.h"
#include "model/pytorch_layout.h"
#include "model/seq2seq_pytorch_layouts.h"
#include "train/job_factory.h"

namespace CLI {
class App;
class Validator;
}

namespace rnnscope {

// Adds --task, --text, --weights, --vocab, --cell, --hidden, --layers, --embed,
// --bidirectional, --peephole, --optimizer, --lr, --momentum, --clip-mode, --clip, --batch,
// --seq-len, --random-batches, --seed, --temperature; values land in `spec`. Ranges are checked at parse time.
// When parsing completes, spec.given names the model fields whose flags were given
// (RecordGivenFlags); the others take the task's defaults in MakeJob. `cmd` and `spec` must
// outlive the parse.
void AddModelFlags(CLI::App& cmd, JobSpec& spec);
void RecordGivenFlags(const CLI::App& cmd, JobSpec& spec);

// The flags of commands that open a PyTorch state_dict (grad, trace): --cell (optional: the
// gate count decides, tanh for nn.RNN), --layout, --map old=new (repeatable); model/pytorch_layout.h.
struct LayoutFlags {
  std::string cell, layout;
  std::vector<std::string> map;
  LayoutOptions Options() const;  // throws ConfigError for a bad value
};
void AddLayoutFlags(CLI::App& cmd, LayoutFlags& flags);
// PyTorch weights as grad and trace open them: read (safetensors or .pt), resolved with the
// flags, the report printed ("PATH:" then what matched what, one "  line" each), and the weights
// under rnnscope's names. One path: a char-LM/tagger/classifier (model/pytorch_layout.h) or a
// seq2seq {"encoder","decoder"} dict; two paths: a seq2seq encoder and decoder
// (model/seq2seq_pytorch_layouts.h). What the weights resolve to decides everything after.
struct OpenedWeights {
  PyTorchLayout layout;                  // when !seq2seq
  std::optional<Seq2SeqLayout> seq2seq;  // a seq2seq layout
  TensorFile canonical;
};
OpenedWeights OpenPyTorchWeights(const std::vector<std::string>& paths, const LayoutOptions& options);
// `rnnscope grad` / `rnnscope trace` of whichever model `opened` is, gradients under the file's
// own names (model/model_io.h, model/seq2seq_io.h).
TensorFile GradientsOf(const OpenedWeights& opened, const TensorFile& batch, FloatDtype dtype,
                       Readout readout = Readout::kLast);
TensorFile TraceOf(const OpenedWeights& opened, const TensorFile& batch, FloatDtype dtype,
                   Readout readout = Readout::kLast);

// Number checks whose messages read "Value 0 must be a finite number above 0" (CLI11's own print
// the whole double range).
const CLI::Validator& AboveZero();
const CLI::Validator& AtLeastZero();

// The flags of AddModelFlags that choose the model or its data (they cannot change on --resume)
// and those that are training settings (given with --resume, they override the checkpoint's).
const std::vector<std::string>& ModelFlagNames();
const std::vector<std::string>& SettingFlagNames();
// Copies each setting whose flag the user gave on `cmd` from `given` into `settings`, and
// returns a note of what changed, e.g. "lr 0.002 → 0.0005".
std::string OverrideGivenSettings(const CLI::App& cmd, const TrainSettings& given, TrainSettings& settings);

}  // namespace rnnscope
