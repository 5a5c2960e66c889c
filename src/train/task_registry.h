// Every task rnnscope trains, in one table (docs/architecture.md §4 "A task"): its structure,
// help line, default model, the data it reads, and which model flags apply to it. The CLI's
// --task help, MakeJob, the Controls Task list and the did-you-mean all read this table.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/cell_kind.h"

namespace rnnscope {

enum class TaskStructure { kLanguageModel, kSeq2Seq, kTagging, kClassification, kGeneration };
// "language model", "N→M seq2seq", "N→N tagging", "N→1 classification", "1→N generation".
std::string_view StructureName(TaskStructure structure);

// The training settings (train/snapshot.h TrainSettings) a structure reads beyond the
// optimizer, clipping and batch that every task uses: the language model cuts chunks of
// seq_len (carrying the state across them when sequential) and samples at a temperature;
// seq2seq feeds back its own predictions at 1 − teacher_forcing. The other structures take
// each example at its own length. Controls and `train` show only what applies.
struct SettingsUsed {
  bool seq_len = false;
  bool sequential = false;
  bool temperature = false;
  bool teacher_forcing = false;
  bool dropout = false;
};
SettingsUsed SettingsUsedBy(TaskStructure structure);
// By task name: unknown names use none of them.
SettingsUsed SettingsUsedBy(std::string_view task);

// What the task trains with when a flag is not given.
struct TaskDefaults {
  CellKind cell = CellKind::kGru;
  int hidden = 64;
  int layers = 1;
  int embed = 32;             // 0 = one-hot input (the char LM only)
  bool bidirectional = false;
  const char* attention = "none";  // seq2seq: none, additive, dot, general
};

enum class TaskData {
  kGenerated,     // the task makes its own examples from the seed
  kTextOptional,  // --text FILE, else the built-in corpus (charlm)
  kDataRequired,  // --data FILE (conll, tsv)
};

struct TaskInfo {
  const char* name;
  TaskStructure structure;
  const char* help;  // one line
  TaskDefaults defaults;
  TaskData data;
  // For the memory estimate before anything is built: the longest sequence a batch holds
  // (0 = --seq-len, the char LM's chunk) and the output vocabulary, at most (charlm: bytes).
  int max_length;
  int vocab;
};

const std::vector<TaskInfo>& TaskTable();
std::vector<std::string> TaskNames();  // in table order
const TaskInfo* FindTask(std::string_view name);
// The task's row, or UsageError "unknown task 'revers' — did you mean 'reverse'? (known: …)".
const TaskInfo& TaskOrThrow(const std::string& name);
// The --task help text: each task with its structure, grouped as the table is.
std::string TaskHelp();

// The model fields a user can give (the flag without its dashes: "cell", "hidden", …,
// "teacher-forcing"). JobSpec::given holds a subset; the CLI turns flags into these names.
const std::vector<std::string>& ModelFieldNames();
// "" when `field` applies to `task`, else why not, e.g. "charlm is a language model: a
// bidirectional layer reads the characters it is asked to predict".
std::string FieldRefusal(const TaskInfo& task, std::string_view field);

}  // namespace rnnscope
