#include "train/job_factory.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "train/checkpoint.h"
#include "io/safetensors.h"
#include "train/char_lm_job.h"
#include "train/seq2seq_job.h"
#include "train/structure_job.h"
#include "train/training_job.h"

namespace rnnscope {

std::vector<std::string> KnownTasks() { return TaskNames(); }

JobSpec ResolveSpec(const JobSpec& spec) {
  const TaskInfo& task = TaskOrThrow(spec.task);
  const auto refuse = [&](const std::string& field) {
    const std::string reason = FieldRefusal(task, field);
    if (!reason.empty()) throw UsageError("--" + field + " does not apply to --task " + spec.task + ": " + reason);
  };
  if (spec.given) {
    for (const std::string& field : *spec.given) refuse(field);
  } else if (spec.model.bidirectional) {
    refuse("bidirectional");  // a UI Rebuild sets every field; this one would make numbers false
  }
  if (spec.task == kImportedSeq2SeqTask && spec.weights_path.empty())
    throw UsageError("--task " + spec.task + " needs --weights FILE (" + task.help + ")");
  if (task.data == TaskData::kDataRequired && spec.data_path.empty())
    throw UsageError("--task " + spec.task + " needs --data FILE (" + task.help + ")");
  JobSpec out = spec;
  const TaskDefaults& d = task.defaults;
  ModelConfig& m = out.model;
  if (!spec.Given("cell")) m.cell = d.cell;
  if (!spec.Given("hidden")) m.hidden = d.hidden;
  if (!spec.Given("layers")) m.layers = d.layers;
  if (!spec.Given("embed") || (m.embed == 0 && d.embed > 0)) m.embed = d.embed;
  if (!spec.Given("bidirectional")) m.bidirectional = d.bidirectional;
  if (!spec.Given("peephole")) m.peephole = false;
  if (!spec.Given("attention")) out.attention = d.attention;
  out.given.reset();
  return out;
}

MemoryNeed MemoryNeedOf(const JobSpec& r) {
  const TaskInfo& task = TaskOrThrow(r.task);
  MemoryNeed n;
  n.cell_gates = GateCount(r.model.cell);
  n.hidden = r.model.hidden;
  n.layers = r.model.layers;
  n.directions = r.model.Directions();
  n.vocab = task.vocab;
  n.input = r.model.embed > 0 ? r.model.embed : task.vocab;
  n.embed_rows = r.model.embed > 0 ? task.vocab : 0;
  n.extra_layers = task.structure == TaskStructure::kSeq2Seq ? 1 : 0;
  n.optimizer_copies = OptimizerCopies(r.settings.optimizer);
  n.batch = r.settings.batch;
  n.length = task.max_length > 0 ? task.max_length : r.settings.seq_len;
  return n;
}

void CheckFitsInMemory(const JobSpec& resolved, uint64_t physical_bytes) {
  if (physical_bytes == 0) return;
  const MemoryEstimate e = EstimateTrainingMemory(MemoryNeedOf(resolved));
  if (e.Total() <= static_cast<double>(physical_bytes)) return;
  throw UsageError("model needs about " + FormatBytes(e.Total()) + " (" + e.Breakdown() + "), this machine has " +
                   FormatBytes(static_cast<double>(physical_bytes)) +
                   "; lower --hidden, --layers, --batch or --seq-len");
}

JobSpec CheckedSpec(const JobSpec& given_spec) {
  JobSpec spec = ResolveSpec(given_spec);
  // An imported model's tensors already exist at their sizes; the flags do not size it.
  if (spec.weights_path.empty()) CheckFitsInMemory(spec, PhysicalMemoryBytes());
  return spec;
}

std::unique_ptr<Job> MakeJob(const JobSpec& given_spec) {
  const JobSpec spec = CheckedSpec(given_spec);
  switch (TaskOrThrow(spec.task).structure) {
    case TaskStructure::kLanguageModel:
      return std::make_unique<CharLmJob>(spec);
    case TaskStructure::kSeq2Seq: {
      if (spec.task == kImportedSeq2SeqTask) {
        Seq2SeqImport in{spec.weights_path, spec.vocab_path, spec.target_vocab_path, spec.data_path, {},
                         spec.settings.seed};
        in.layout.layout = spec.weights_layout;
        for (const std::string& m : spec.weights_map) in.layout.map.push_back(ParseMapFlag(m));
        return ImportSeq2SeqJob(in);
      }
      nlohmann::json overrides = {{"attention", spec.attention},
                                  {"cell", std::string(CellName(spec.model.cell))},
                                  {"hidden", spec.model.hidden},
                                  {"encoder_layers", spec.model.layers},
                                  {"embed", spec.model.embed},
                                  {"bidirectional", spec.model.bidirectional}};
      if (!spec.data_path.empty()) overrides["data"] = spec.data_path;
      return MakeSeq2SeqJob(spec.task, &overrides, spec.settings.seed);
    }
    case TaskStructure::kTagging:
    case TaskStructure::kClassification:
    case TaskStructure::kGeneration: {
      StructureJobOptions o = DefaultStructureOptions(spec.task);
      o.model.rnn.cell = spec.model.cell;
      o.model.rnn.hidden = spec.model.hidden;
      o.model.rnn.layers = spec.model.layers;
      o.model.rnn.embed = spec.model.embed;
      o.model.rnn.bidirectional = spec.model.bidirectional;
      o.model.rnn.peephole = spec.model.peephole;
      o.model.readout = ParseReadout(spec.readout);
      o.model.condition = ParseCondition(spec.condition);
      if (spec.task == "slots") o.task_options["tags"] = spec.tags;
      if (spec.task == "conll") o.task_options["data"] = spec.data_path;
      o.seed = spec.settings.seed;
      return MakeStructureJob(spec.task, o);
    }
  }
  throw UsageError("task '" + spec.task + "' has no job");
}

std::unique_ptr<Job> LoadJob(const std::string& path, TrainSettings* settings_out) {
  const TensorFile file = ReadSafetensors(path);
  // Training never applies a non-finite update, so NaN/Inf here means a corrupt or foreign file.
  file.CheckFinite();
  return LoadJobFrom(file, nullptr, settings_out);
}

std::unique_ptr<Job> LoadJobFrom(const TensorFile& file, const Job* donor, TrainSettings* settings_out) {
  const nlohmann::json meta = GetMetadata(file);
  const auto kind = meta.find("kind");  // .value() would throw type_error on a non-string
  const std::string k = kind != meta.end() && kind->is_string() ? kind->get<std::string>() : "";
  if (k == "charlm") return CharLmJob::LoadFrom(file, meta, donor, settings_out);
  if (k == "seq2seq") return Seq2SeqJob::LoadFrom(file, meta, donor, settings_out);
  if (k == "structure") return LoadStructureJobFrom(file, meta, donor, settings_out);
  const auto task = meta.find("task");
  throw InputError(file.source + ": checkpoint kind '" + k + "' (task '" +
                   (task != meta.end() && task->is_string() ? task->get<std::string>() : std::string("?")) +
                   "') is not known to this rnnscope");
}

}  // namespace rnnscope
