// Published PyTorch state_dict layouts → rnnscope's canonical names (model/model_io.h:
// `embedding.weight`, `rnn.*`, `fc.weight`, `fc.bias`), and back. One resolver for every
// command that opens a PyTorch model (grad, trace, train/gui --weights).
//
// Layouts that load (matched by names, then by PyTorch's naming pattern and the shapes):
//   rnnscope            embedding (nn.Embedding, optional) · rnn · fc (nn.Linear)
//   word_language_model encoder (nn.Embedding) · rnn (LSTM/GRU/RNN_TANH/RNN_RELU) · decoder
//                       (nn.Linear), github.com/pytorch/examples word_language_model/model.py
//                       RNNModel; with tie_weights encoder.weight and decoder.weight are one
//                       parameter (reported as tied; gradients summed as autograd does)
//   d2l                 rnn · linear (nn.Linear(num_hiddens * directions, vocab)), one-hot input
//                       (d2l.ai chapter "Concise Implementation of RNNs", class RNNModel)
//   by shapes           any names: the unique `<P>weight_ih_l0` family is the recurrent module,
//                       the X.weight/X.bias pair whose input width is directions × hidden is the
//                       output layer, a 2-D X.weight (no bias) whose width is the recurrent
//                       input is the embedding
// A `module.` (DistributedDataParallel) or `_orig_mod.` (torch.compile) prefix is stripped
// first; `--map old=new` renames a tensor or a module before anything is matched.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "io/safetensors.h"
#include "model/cell_kind.h"

namespace rnnscope {

struct LayoutOptions {
  // "" = detect; else rnnscope | word_language_model | d2l, or the seq2seq layouts
  // pytorch_tutorial | d2l_seq2seq (model/seq2seq_pytorch_layouts.h); the file must match it.
  std::string layout;
  // --map old=new, applied in order: `old` is a tensor name or a module prefix of the file
  // (e.g. `lstm=rnn`, `head.weight=fc.weight`); `new` is a canonical name or module.
  std::vector<std::pair<std::string, std::string>> map;
  std::optional<CellKind> cell;  // --cell; absent: from the shapes (tanh for nn.RNN)
};
// Parses one --map value "old=new"; throws ConfigError.
std::pair<std::string, std::string> ParseMapFlag(const std::string& value);
// Parses --layout; throws ConfigError listing the names.
std::string ParseLayoutName(const std::string& value);

struct PyTorchLayout {
  std::string name;        // "rnnscope", "word_language_model", "d2l" or "by shapes"
  std::string wrapper;     // stripped prefix ("module.", "_orig_mod.", ...), "" if none
  CellKind cell = CellKind::kLstm;
  std::map<std::string, std::string> to_file;  // canonical name → the file's own name
  std::vector<std::string> report;             // what matched what, one line each
  bool tied = false;  // embedding.weight and fc.weight hold the same values (tie_weights)

  // The file's name for a canonical one; names the layout does not know (loss, logits) as-is.
  std::string FileName(const std::string& canonical) const;
};

// The first step of every resolver (this one and model/seq2seq_pytorch_layouts.h), on `names`
// (current name → the file's original name; only the keys change): strips the `module.` /
// `_orig_mod.` prefixes every name shares (they may nest), then applies --map in order.
// Returns the stripped prefix ("" if none) and adds a report line per step. Throws InputError
// (from `src`) for a --map that names nothing or makes two names collide.
std::string StripWrappersAndMap(const std::string& src, std::map<std::string, std::string>& names,
                                const std::vector<std::pair<std::string, std::string>>& map,
                                std::vector<std::string>& report);

// The layout an imported model keeps with its run and checkpoints (train/char_lm_job.cpp), so
// that an export writes the file's own names again: {"version": 1, "name", "wrapper", "cell",
// "tied", "to_file": {canonical: file name}} (the report is not kept). FromJson throws InputError
// "<source>: source_layout: …" for a damaged or newer entry.
inline constexpr int kSourceLayoutVersion = 1;
nlohmann::json SourceLayoutToJson(const PyTorchLayout& layout);
PyTorchLayout SourceLayoutFromJson(const nlohmann::json& j, const std::string& source);

// Matches `file` to a layout. Throws InputError (no layout fits, ambiguous, --map names
// nothing) listing the names seen and those expected, ShapeError when two tensors contradict
// each other (naming both) or --cell contradicts the gate count.
PyTorchLayout ResolveLayout(const TensorFile& file, const LayoutOptions& options = {});

// The same tensors under canonical names (what InferModelConfig/LoadModelParams read).
TensorFile ToCanonical(const TensorFile& file, const PyTorchLayout& layout);
// Inverse: canonical names back to the file's own (round trip: same names, same tensors).
TensorFile FromCanonical(const TensorFile& canonical, const PyTorchLayout& layout);
// FromCanonical for gradients: with tied weights the one parameter's gradient is the sum of
// its two uses (what autograd accumulates), written under both names.
TensorFile GradientsToFile(const TensorFile& canonical_grads, const PyTorchLayout& layout);

}  // namespace rnnscope
