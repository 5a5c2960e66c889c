#include "train/task_registry.h"

#include "core/edit_distance.h"
#include "core/error.h"

namespace rnnscope {

namespace {
using S = TaskStructure;
using D = TaskData;
// Seq2seq tasks: the GRU encoder–decoder with additive attention over a bidirectional encoder
// that reaches the README's targets on reverse and dates; tagging/classification/generation: a
// unidirectional GRU with 32-wide embeddings; the char LM: one LSTM layer of 128 on one-hot input.
constexpr TaskDefaults kLm{CellKind::kLstm, 128, 1, 0, false, "none"};
constexpr TaskDefaults kSeq{CellKind::kGru, 64, 1, 32, true, "additive"};
constexpr TaskDefaults kStructure{CellKind::kGru, 64, 1, 32, false, "none"};
// The flip-flop: 16 GRU units, the size Sussillo & Barak's analyses use, small enough that the
// fixed-point search is instant (docs/dynamics.md).
constexpr TaskDefaults kFlipFlop{CellKind::kGru, 16, 1, 32, false, "none"};

const std::vector<TaskInfo> kTable = {
    {"charlm", S::kLanguageModel, "next character of a text (--text FILE, else a built-in corpus)", kLm,
     D::kTextOptional, 0, 256},
    {"copy", S::kSeq2Seq, "\"abcd\" → \"abcd\"", kSeq, D::kGenerated, 13, 16},
    {"reverse", S::kSeq2Seq, "\"abcd\" → \"dcba\"", kSeq, D::kGenerated, 13, 16},
    {"sort", S::kSeq2Seq, "digits in order: \"3141\" → \"1134\"", kSeq, D::kGenerated, 13, 16},
    {"add", S::kSeq2Seq, "\"123+45\" → \"168\"", kSeq, D::kGenerated, 8, 16},
    {"dates", S::kSeq2Seq, "written dates → ISO 8601: \"3 May 1987\" → \"1987-05-03\"", kSeq, D::kGenerated, 41,
     64},
    {"translation", S::kSeq2Seq, "toy word-level translation whose grammar reorders", kSeq, D::kGenerated, 24, 128},
    {"zh_en", S::kSeq2Seq, "toy Chinese→English, characters in, words out: \"我爱中国\" → \"i love china\"", kSeq,
     D::kGenerated, 12, 64},
    {"tsv", S::kSeq2Seq, "'source<TAB>target' pairs from --data FILE, one token per character", kSeq,
     D::kDataRequired, 256, 4096},
    {"seq2seq_weights", S::kSeq2Seq,
     "a PyTorch seq2seq with attention (--weights, its --vocab and --target-vocab) trained further on --data "
     "'source<TAB>target' pairs", kSeq, D::kDataRequired, 256, 65536},
    {"slots", S::kTagging, "travel requests tagged with from/to/date slots (--tags bio|plain)", kStructure,
     D::kGenerated, 16, 64},
    {"flipflop", S::kTagging, "3-bit flip-flop: remember the sign of the last pulse on each of 3 channels",
     kFlipFlop, D::kGenerated, 100, 31},
    {"conll", S::kTagging, "'token<TAB>tag' sentences from --data FILE", kStructure, D::kDataRequired, 128, 65536},
    {"brackets", S::kClassification, "is the string of ( and ) balanced?", kStructure, D::kGenerated, 64, 4},
    {"majority", S::kClassification, "which of a, b, c occurs most often?", kStructure, D::kGenerated, 64, 4},
    {"spell", S::kGeneration, "class k (0..19) → its English word, letter by letter", kStructure, D::kGenerated,
     12, 32},
    {"numbers", S::kGeneration, "class k (0..99) → k in English words (\"forty two\")", kStructure,
     D::kGenerated, 16, 32},
};
}  // namespace

std::string_view StructureName(TaskStructure structure) {
  switch (structure) {
    case S::kLanguageModel: return "language model";
    case S::kSeq2Seq: return "N→M seq2seq";
    case S::kTagging: return "N→N tagging";
    case S::kClassification: return "N→1 classification";
    case S::kGeneration: return "1→N generation";
  }
  return "?";
}

SettingsUsed SettingsUsedBy(TaskStructure structure) {
  SettingsUsed u;
  u.seq_len = u.sequential = u.temperature = structure == S::kLanguageModel;
  // The models whose reading half is RnnModel or the sequence encoder (model/dropout.h).
  u.dropout = structure == S::kLanguageModel || structure == S::kTagging || structure == S::kClassification;
  u.teacher_forcing = structure == S::kSeq2Seq;
  return u;
}

SettingsUsed SettingsUsedBy(std::string_view task) {
  const TaskInfo* info = FindTask(task);
  return info ? SettingsUsedBy(info->structure) : SettingsUsed{};
}

const std::vector<TaskInfo>& TaskTable() { return kTable; }

std::vector<std::string> TaskNames() {
  std::vector<std::string> names;
  for (const TaskInfo& t : kTable) names.emplace_back(t.name);
  return names;
}

const TaskInfo* FindTask(std::string_view name) {
  for (const TaskInfo& t : kTable)
    if (name == t.name) return &t;
  return nullptr;
}

const TaskInfo& TaskOrThrow(const std::string& name) {
  if (const TaskInfo* t = FindTask(name)) return *t;
  const std::vector<std::string> names = TaskNames();
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  const std::string closest = ClosestName(name, names);
  throw UsageError("unknown task '" + name + "'" + (closest.empty() ? "" : " — did you mean '" + closest + "'?") +
                   " (known: " + known + ")");
}

std::string TaskHelp() {
  std::string help = "Task (default charlm):";
  for (const TaskInfo& t : kTable)
    help += "\n  " + std::string(t.name) + " (" + std::string(StructureName(t.structure)) + "): " + t.help;
  return help;
}

const std::vector<std::string>& ModelFieldNames() {
  static const std::vector<std::string> names = {"text",      "weights",   "vocab",     "target-vocab", "cell",   "hidden",
                                                 "layers",    "embed",     "bidirectional", "peephole",
                                                 "attention", "data",      "tags",      "readout", "condition",
                                                 "teacher-forcing", "dropout"};
  return names;
}

std::string FieldRefusal(const TaskInfo& task, std::string_view field) {
  const std::string name = task.name;
  const std::string is = name + " is " + (task.structure == S::kSeq2Seq ? "an " : "a ") +
                         std::string(StructureName(task.structure));
  const bool lm = task.structure == S::kLanguageModel;
  const bool seq2seq = task.structure == S::kSeq2Seq;
  // The imported seq2seq (train/seq2seq_job.h ImportSeq2SeqJob): its sizes, cell and attention
  // are the file's.
  const bool imported = name == "seq2seq_weights";
  if (field == "target-vocab" && !imported)
    return is + "; --target-vocab is the seq2seq_weights task's (a PyTorch seq2seq's target vocabulary)";
  if (field == "text" && !lm) return is + "; only the char LM (charlm) reads --text";
  if ((field == "weights" || field == "vocab") && !lm && !imported)
    return is + "; only the char LM (charlm) and seq2seq_weights import --weights/--vocab";
  if (imported && (field == "cell" || field == "hidden" || field == "layers" || field == "embed" ||
                   field == "bidirectional" || field == "peephole" || field == "attention"))
    return is + " whose model comes from --weights: its cell, sizes and attention are the file's";
  if (field == "bidirectional" && lm)
    return is + ": a bidirectional layer's reverse direction reads the characters it is asked to predict, "
                "so its loss would be false";
  if (field == "bidirectional" && task.structure == S::kGeneration)
    return is + ": it writes its sequence left to right, so a reverse direction would read outputs not yet "
                "generated";
  if (field == "peephole" && seq2seq) return is + ": its encoder and decoder have no peephole connections";
  if ((field == "attention" || field == "teacher-forcing") && !seq2seq)
    return is + "; attention and teacher forcing are for seq2seq tasks (copy, reverse, …) only";
  if (field == "dropout" && !SettingsUsedBy(task.structure).dropout)
    return is + "; dropout is applied by the char LM, tagging and classification tasks so far";
  if (field == "data" && task.data != D::kDataRequired)
    return is + " that " + (lm ? "reads --text FILE" : "generates its own examples") +
           "; --data is for conll and tsv";
  if (field == "tags" && name != "slots") return is + "; --tags chooses the slots task's tag scheme";
  if (field == "readout" && task.structure != S::kClassification)
    return is + "; --readout is for N→1 classification (brackets, majority)";
  if (field == "condition" && task.structure != S::kGeneration)
    return is + "; --condition is for 1→N generation (spell, numbers)";
  return "";
}

}  // namespace rnnscope
