// Contents: construction · what runs · checkpoints (definition, load).
#include "train/structure_job.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "train/checkpoint.h"
#include "train/clipping.h"
#include "train/settings_json.h"
#include "train/tagging_job.h"
#include "tasks/saved_examples.h"

namespace rnnscope {

// ---------------------------------------------------------------- construction

StructureJob::StructureJob(std::string task, const StructureJobOptions& options)
    : TrainingJob("structure"), task_name_(std::move(task)), options_(options), config_(options.model), rng_(options.seed) {}

void StructureJob::Bind(ModelParams<float>& params, ModelParams<float>& grads) { TrainingJob::Bind(ParamRefs(params, grads)); }

DynamicsSource StructureJob::EncoderDynamics(const ModelParams<float>& params, std::vector<std::string> tokens,
                                             const std::vector<const std::vector<int32_t>*>& held_out, int32_t rest,
                                             const std::string& rest_why) const {
  if (config_.rnn.bidirectional)
    throw ConfigError(Task() + ": the dynamics views need a unidirectional encoder; this one is bidirectional, "
                      "and its reverse direction reads the future, so a step has no state map");
  DynamicsSource d;
  d.task = Task();
  d.config = config_.rnn;
  d.params = CastParams<double>(params);
  d.tokens = std::move(tokens);
  if (rest >= 0) {
    d.default_input = rest;
    d.default_input_why = rest_why;
  } else {
    for (std::size_t i = 0; i < d.tokens.size(); ++i)
      if (d.tokens[i].empty() || d.tokens[i].front() != '<') {
        d.default_input = static_cast<int32_t>(i);
        break;
      }
    d.default_input_why = "the task's first token (it names no rest input)";
  }
  for (std::size_t i = 0; i < held_out.size() && i < kDynamicsSequences; ++i) d.held_out.push_back(*held_out[i]);
  return d;
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
  r.interventions = "clamps and pins: every recurrent layer and direction";
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
          {"vocabulary", Vocabulary()},
          {"validation", SavedValidation()}};
}

nlohmann::json StructureJob::TrainingState(TensorFile& /*file*/) const { return {{"rng", ToJson(rng_.State())}}; }

namespace {

// The tagging job of a checkpoint (the one structure task with a data file), down the data
// ladder (train/training_job.h ChooseDataRung): the donor's task, the file's, or the saved
// examples'.
std::unique_ptr<StructureJob> LoadTaggingJob(const std::string& task, const StructureJobOptions& o, const nlohmann::json& def,
                                             const DataIdentity& data, const Job* donor, const std::string& path) {
  const DataRung<TaggingJob> rung = ChooseDataRung<TaggingJob>(donor, data, [&](const TaggingJob& d) {
    return d.Task() == task && d.options().task_options == o.task_options && d.options().seed == o.seed;
  });
  if (rung.kind == DataRung<TaggingJob>::kDonor)
    return std::make_unique<TaggingJob>(task, rung.donor->shared_task(), o, rung.donor->DataFile(), rung.donor->validation());
  if (rung.kind == DataRung<TaggingJob>::kFile) return MakeStructureJob(task, o);
  const std::string& changed = rung.changed;
  // The task's vocabulary comes from its data file: a changed file would mislabel every tag, so
  // the checkpoint's own vocabulary and validation sentences stand in for it.
  const nlohmann::json saved = def.value("validation", nlohmann::json());
  if (!saved.is_array()) throw InputError(path + ": " + changed);  // saved before examples were kept
  std::vector<TaggingExample> validation = TaggingExamplesFromJson(saved);
  const nlohmann::json& vocab = def.at("vocabulary");
  auto built = std::shared_ptr<const TaggingTask>(MakeSavedTaggingTask(
      task, o.task_options, vocab.at("words").get<std::vector<std::string>>(),
      vocab.at("tags").get<std::vector<std::string>>(), validation, changed));
  return std::make_unique<TaggingJob>(task, std::move(built), o, data, std::move(validation));
}

}  // namespace

std::unique_ptr<StructureJob> LoadStructureJobFrom(const TensorFile& file, const nlohmann::json& meta, const Job* donor,
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
    job = IsTaggingTask(task) ? LoadTaggingJob(task, o, def, data, donor, path) : MakeStructureJob(task, o);
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
