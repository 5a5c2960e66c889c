// Contents: construction · what runs · checkpoints (definition, load).
#include "train/structure_job.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "train/checkpoint.h"
#include "train/clipping.h"
#include "train/settings_json.h"

namespace rnnscope {

// ---------------------------------------------------------------- construction

StructureJob::StructureJob(std::string task, const StructureJobOptions& options)
    : TrainingJob("structure"), task_name_(std::move(task)), options_(options), config_(options.model), rng_(options.seed) {}

void StructureJob::Bind(ModelParams<float>& params, ModelParams<float>& grads) {
  TrainingJob::Bind(ParamRefs(params, grads));
  const auto data = options_.task_options.find("data");
  if (data != options_.task_options.end() && data->is_string() && !data->get<std::string>().empty())
    data_ = DataIdentity::Of(data->get<std::string>());
}

RunningModel StructureJob::Describe() const {
  RunningModel r = RunningModel::Of(task_name_,
                                    config_.kind == StructureKind::kTagger       ? "N→N tagging"
                                    : config_.kind == StructureKind::kClassifier ? "N→1 classification"
                                                                                 : "1→N generation",
                                    config_.rnn);
  if (config_.kind == StructureKind::kGenerator) r.vocab = config_.classes;
  r.outputs = config_.OutputSize();
  if (config_.kind == StructureKind::kClassifier) r.readout = ReadoutName(config_.readout);
  if (config_.kind == StructureKind::kGenerator) r.condition = ConditionName(config_.condition);
  const auto data = options_.task_options.find("data");
  if (data != options_.task_options.end() && data->is_string()) r.data_path = data->get<std::string>();
  return r;
}

bool StructureJob::SetInterventions(const std::vector<Intervention>& interventions) {
  interventions_ = interventions;
  return std::none_of(interventions.begin(), interventions.end(),
                      [](const Intervention& i) { return i.target == InterventionTarget::kAttentionRow; });
}

// ---------------------------------------------------------------- checkpoints

nlohmann::json StructureJob::Definition() const {
  return {{"structure", ToJson(config_)},
          {"task_options", options_.task_options},
          {"seed", options_.seed},
          {"vocabulary", Vocabulary()}};
}

nlohmann::json StructureJob::TrainingState(TensorFile& /*file*/) const { return {{"rng", ToJson(rng_.State())}}; }

std::unique_ptr<StructureJob> LoadStructureJobFrom(const TensorFile& file, const nlohmann::json& meta,
                                                   TrainSettings* settings_out) {
  const std::string& path = file.source;
  std::unique_ptr<StructureJob> job;
  TrainSettings settings;
  try {
    const nlohmann::json& def = meta.at("definition");
    StructureJobOptions o;
    const std::string task = meta.at("task").get<std::string>();
    o.model = StructureConfigFromJson(def.at("structure"));
    o.task_options = def.at("task_options");
    o.seed = def.at("seed").get<uint64_t>();
    settings = TrainSettingsFromJson(meta.at("settings"));
    const DataIdentity data = DataIdentity::FromJson(meta.at("data"));
    if (!data.fnv1a64.empty()) {
      // The task's vocabulary comes from its data file: a changed file would mislabel every tag.
      if (const std::string changed = data.ChangedSince(); !changed.empty()) throw InputError(path + ": " + changed);
    }
    job = MakeStructureJob(task, o);
    if (!(job->config_.rnn == o.model.rnn) || job->config_.classes != o.model.classes ||
        job->Vocabulary() != def.at("vocabulary"))
      throw InputError(path + ": the task's vocabulary or classes differ from the checkpoint's (data file changed?)");
    job->RestoreTraining(file, meta, settings);
    job->rng_.SetState(RngStateFromJson(meta.at("state").at("rng")));
  } catch (const std::exception& e) {
    RethrowNamingCheckpoint(path, e);
  }
  if (settings_out) *settings_out = settings;
  return job;
}

}  // namespace rnnscope
