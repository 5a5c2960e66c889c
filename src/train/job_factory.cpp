#include "train/job_factory.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "train/char_lm_job.h"
#include "train/seq2seq_job.h"

namespace rnnscope {

std::vector<std::string> KnownTasks() { return {"charlm", "copy", "reverse", "sort", "add", "dates"}; }

std::unique_ptr<Job> MakeJob(const JobSpec& spec) {
  if (spec.task == "charlm") return std::make_unique<CharLmJob>(spec);
  for (const std::string& task : KnownTasks()) {
    if (task != spec.task) continue;
    nlohmann::json overrides = {{"attention", spec.attention}};
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
  throw InputError(path + ": checkpoint task '" + task + "' is not known to this rnnscope");
}

}  // namespace rnnscope
