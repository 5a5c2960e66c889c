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

std::vector<std::string> KnownTasks() {
  std::vector<std::string> tasks = {"charlm", "copy", "reverse", "sort", "add", "dates", "translation", "tsv"};
  for (const std::string& t : StructureTaskNames()) tasks.push_back(t);
  return tasks;
}

namespace {
// Tagging/classification/generation: task-tuned sizes unless the user chose them (as seq2seq).
std::unique_ptr<Job> MakeStructureJobFromSpec(const JobSpec& spec) {
  StructureJobOptions o = DefaultStructureOptions(spec.task);
  if (spec.model_from_user) {
    o.model.rnn.cell = spec.model.cell;
    o.model.rnn.hidden = spec.model.hidden;
    o.model.rnn.bidirectional = spec.model.bidirectional;
    o.model.rnn.peephole = spec.model.peephole;
  }
  o.model.rnn.layers = spec.model.layers;
  if (spec.model.embed > 0) o.model.rnn.embed = spec.model.embed;
  o.model.readout = ParseReadout(spec.readout);
  o.model.condition = ParseCondition(spec.condition);
  if (spec.task == "slots") o.task_options["tags"] = spec.tags;
  if (spec.task == "conll") o.task_options["data"] = spec.data_path;
  o.seed = spec.settings.seed;
  return MakeStructureJob(spec.task, o);
}
}  // namespace

std::unique_ptr<Job> MakeJob(const JobSpec& spec) {
  if (spec.task == "charlm") return std::make_unique<CharLmJob>(spec);
  if (IsStructureTask(spec.task)) return MakeStructureJobFromSpec(spec);
  for (const std::string& task : KnownTasks()) {
    if (task != spec.task) continue;
    nlohmann::json overrides = {{"attention", spec.attention}};
    if (spec.task == "tsv") overrides["data"] = spec.data_path;
    if (spec.model_from_user) {
      overrides["cell"] = std::string(CellName(spec.model.cell));
      overrides["hidden"] = spec.model.hidden;
      overrides["bidirectional"] = spec.model.bidirectional;
    }
    return MakeSeq2SeqJob(spec.task, &overrides, spec.settings.seed);
  }
  std::string known;
  for (const std::string& t : KnownTasks()) known += (known.empty() ? "" : ", ") + t;
  throw ConfigError("unknown task '" + spec.task + "' (known: " + known + ")");
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
  if (k == "structure") return LoadStructureJobFrom(file, meta, settings_out);
  const auto task = meta.find("task");
  throw InputError(file.source + ": checkpoint kind '" + k + "' (task '" +
                   (task != meta.end() && task->is_string() ? task->get<std::string>() : std::string("?")) +
                   "') is not known to this rnnscope");
}

}  // namespace rnnscope
