// Checkpoints: one safetensors file. Tensors: the weights under their PyTorch state_dict names
// (so `safetensors.torch.load_file` + `load_state_dict(strict=False)` continues in PyTorch),
// optimizer buffers as "optim.<param>.<buffer>", carried recurrent state as "state.h.<k>" /
// "state.c.<k>". Metadata key "rnnscope" holds JSON: format version, task, model config,
// settings, vocabulary, step, optimizer kind/step, RNG and batcher state, and the loss
// history (at most TrainingJob::kLossHistoryCapacity points). Written atomically
// (temp file, fsync, rename), so a crash mid-save leaves the previous checkpoint intact.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "io/safetensors.h"
#include "model/params.h"
#include "model/pytorch_layout.h"
#include "train/optimizer.h"

namespace rnnscope {

// Version 2: one envelope for every task (train/training_job.h): kind, task, step, settings,
// optimizer, data {path, bytes, fnv1a64}, definition {…the task's…}, state {…}, history
// [[step, train_loss, val_loss|null, grad_norm, clipped 0/1], …] (absent in files written
// before it existed: an empty curve; a version-2 addition old readers ignore). Version 1 files
// (one layout per kind) are read by upgrading their metadata to version 2 (GetMetadata).
inline constexpr int kCheckpointVersion = 2;
inline constexpr const char* kCheckpointFormat = "rnnscope-checkpoint";

void PutParams(const ModelParams<float>& params, TensorFile& file);
// Reads every tensor of `params` (already allocated to the expected shapes) from the file;
// throws ShapeError naming the tensor that is missing or mis-shaped.
void GetParams(const TensorFile& file, ModelParams<float>& params);
void PutOptimizerState(const OptimizerState& state, TensorFile& file);
OptimizerState GetOptimizerState(const TensorFile& file, const nlohmann::json& meta);

// The checkpoint minus optimizer buffers ("optim.*") and carried state ("state.*"): a plain
// PyTorch state_dict. The metadata stays (strings only; PyTorch ignores it).
TensorFile StateDictOnly(const TensorFile& checkpoint);

// Model export (File ▸ Export model, `rnnscope export`): which names the state_dict gets.
//   kDefault  the source layout when the model came from a PyTorch file, else rnnscope's
//   kRnnscope rnnscope's names (embedding.weight, rnn.*, fc.*) with the checkpoint's metadata,
//             so that opening the export restores the run (StateDictOnly)
//   kSource   the imported file's own names (definition.source_layout, model/pytorch_layout.h:
//             FromCanonical, wrapper prefix restored, tied weights under both names); the
//             result is a plain PyTorch state_dict without rnnscope metadata (opened again as a
//             PyTorch model with its vocabulary). ConfigError when the model was not imported.
enum class ExportNames { kDefault, kRnnscope, kSource };
ExportNames ParseExportNames(const std::string& value);  // "rnnscope" | "source"; ConfigError
struct ModelExport {
  TensorFile file;
  std::string names;  // "rnnscope" or the source layout's label (SourceLayoutLabel)
  std::string note;   // non-empty: something the user should know (tied weights trained apart)
};
ModelExport ExportModel(const TensorFile& checkpoint, ExportNames names);
// The checkpoint's source layout (definition.source_layout), nullopt when it has none.
std::optional<PyTorchLayout> SourceLayoutOf(const TensorFile& checkpoint, const nlohmann::json& meta);
// "word_language_model (as model.pt)", plus ", prefix module." and ", tied" when they apply.
std::string SourceLayoutLabel(const PyTorchLayout& layout, const std::string& imported_from);

void PutMetadata(const nlohmann::json& meta, TensorFile& file);
// Parses and checks the "rnnscope" metadata (format, version); version 1 comes back upgraded
// to version 2's layout. Throws InputError with the file name on any mismatch.
nlohmann::json GetMetadata(const TensorFile& file);

}  // namespace rnnscope
