// Builds the Job for a task name, or restores one from a checkpoint. The GUI's Rebuild/Load
// commands and the CLI's train/sample/eval all come through here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "train/job.h"
#include "train/memory_estimate.h"
#include "train/task_registry.h"

namespace rnnscope {

struct JobSpec {
  std::string task = "charlm";  // a name of the task registry (train/task_registry.h)
  std::string text_path;        // charlm: a UTF-8 file; empty = the built-in procedural corpus
  ModelConfig model;            // vocab is filled from the data
  TrainSettings settings;
  std::string attention = "additive";  // seq2seq tasks
  // charlm from a PyTorch model (train/char_lm_import.cpp): a safetensors state_dict and its
  // vocabulary (JSON list of tokens). The cell and sizes come from the tensors' names and
  // shapes; model.cell only tells a relu RNN from a tanh one. text_path (or the built-in
  // corpus) is then what the probe shows and training (optional) continues on.
  std::string weights_path;
  std::string vocab_path;
  // seq2seq_weights (train/seq2seq_job.h ImportSeq2SeqJob): weights_path is the seq2seq
  // state_dict, vocab_path its source vocabulary, this its target vocabulary, data_path the
  // training pairs.
  std::string target_vocab_path;
  // How weights_path's names map to rnnscope's (model/pytorch_layout.h): --layout (empty =
  // detect) and --map old=new, in order.
  std::string weights_layout;
  std::vector<std::string> weights_map;
  // Which model fields the user chose (names of ModelFieldNames(): "cell", "hidden", …); each
  // field not in the set takes the task's default (TaskInfo::defaults). The CLI fills it from
  // the flags given. nullopt: every field as set here (a Rebuild from the UI, compare runs,
  // tests), except that an embed of 0 on a task that needs embeddings takes the task's.
  std::optional<std::set<std::string>> given;
  bool Given(const std::string& field) const { return !given || given->count(field) > 0; }
  // Tagging, classification and generation tasks (train/structure_job.h).
  std::string data_path;         // conll: the two-column file
  std::string tags = "bio";      // slots: bio or plain tags
  std::string readout = "last";  // classification: last or mean
  std::string condition = "first";  // generation: class fed at the first step or every step
};

std::vector<std::string> KnownTasks();  // TaskNames() of the registry
// The spec as it will run: the task's defaults under the fields not given, `given` cleared.
// Throws UsageError for an unknown task (with a did-you-mean), a field the task does not use
// (naming the flag, the task and why) and a task without its required --data.
JobSpec ResolveSpec(const JobSpec& spec);
// What training the resolved spec needs (train/memory_estimate.h); the sizes a task's data
// decides (its vocabulary, its sequence length) come from the registry's bounds.
MemoryNeed MemoryNeedOf(const JobSpec& resolved);
// UsageError "model needs about 1.2 TiB (parameters …), this machine has 24 GiB" when the
// estimate exceeds `physical_bytes` (0 = unknown: no check).
void CheckFitsInMemory(const JobSpec& resolved, uint64_t physical_bytes);
// ResolveSpec, then CheckFitsInMemory(PhysicalMemoryBytes()) unless weights are imported: what
// MakeJob checks, for callers that want the UsageError before starting a thread or a window.
JobSpec CheckedSpec(const JobSpec& spec);
// CheckedSpec, then the job.
std::unique_ptr<Job> MakeJob(const JobSpec& spec);
std::unique_ptr<Job> LoadJob(const std::string& checkpoint_path, TrainSettings* settings_out);

}  // namespace rnnscope
