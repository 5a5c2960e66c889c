#include "train/job_factory.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "train/checkpoint.h"
#include "io/safetensors.h"
#include "train/char_lm_job.h"
#include "train/seq2seq_job.h"
#include "train/structure_job.h"

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
  const nlohmann::json meta = GetMetadata(file);
  const auto found = meta.find("task");  // .value() would throw type_error on a non-string
  const std::string task = found != meta.end() && found->is_string() ? found->get<std::string>() : "";
  if (task == "charlm") return CharLmJob::Load(path, settings_out);
  const auto kind = meta.find("kind");
  if (kind != meta.end() && kind->is_string() && kind->get<std::string>() == "seq2seq")
    return Seq2SeqJob::Load(path, settings_out);
  if (kind != meta.end() && kind->is_string() && kind->get<std::string>() == "structure")
    return LoadStructureJob(path, settings_out);
  throw InputError(path + ": checkpoint task '" + task + "' is not known to this rnnscope");
}

}  // namespace rnnscope
