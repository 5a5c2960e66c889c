#include "train/job_factory.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/checkpoint.h"
#include "io/safetensors.h"
#include "train/char_lm_job.h"

namespace rnnscope {

std::vector<std::string> KnownTasks() { return {"charlm"}; }

std::unique_ptr<Job> MakeJob(const JobSpec& spec) {
  if (spec.task == "charlm") return std::make_unique<CharLmJob>(spec);
  std::string known;
  for (const std::string& t : KnownTasks()) known += (known.empty() ? "" : ", ") + t;
  throw ConfigError("unknown task '" + spec.task + "' (known: " + known + ")");
}

std::unique_ptr<Job> LoadJob(const std::string& path, TrainSettings* settings_out) {
  const TensorFile file = ReadSafetensors(path);
  const nlohmann::json meta = GetMetadata(file);
  const std::string task = meta.value("task", "");
  if (task == "charlm") return CharLmJob::Load(path, settings_out);
  throw InputError(path + ": checkpoint task '" + task + "' is not known to this rnnscope");
}

}  // namespace rnnscope
