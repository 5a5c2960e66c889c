// Contents: construction · Step · snapshot helpers · checkpoints (save, load).
#include "train/structure_job.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "train/checkpoint.h"
#include "train/clipping.h"
#include "train/settings_json.h"

namespace rnnscope {

namespace {
constexpr int kWeightViewMax = 256;  // weight heatmaps show at most a 256×256 corner
}  // namespace

// ---------------------------------------------------------------- construction

StructureJob::StructureJob(std::string task, const StructureJobOptions& options)
    : task_name_(std::move(task)), options_(options), config_(options.model), rng_(options.seed) {}

void StructureJob::Bind(ModelParams<float>& params, ModelParams<float>& grads) {
  params_ = &params;
  grads_ = &grads;
  refs_ = ParamRefs(params, grads);
}

RunningModel StructureJob::Describe() const {
  const ModelConfig& c = config_.rnn;
  RunningModel r;
  r.task = task_name_;
  r.structure = config_.kind == StructureKind::kTagger       ? "N→N tagging"
                : config_.kind == StructureKind::kClassifier ? "N→1 classification"
                                                             : "1→N generation";
  r.cell = c.cell;
  r.hidden = c.hidden;
  r.layers = c.layers;
  r.embed = c.embed;
  r.bidirectional = c.bidirectional;
  r.peephole = c.peephole;
  r.vocab = config_.kind == StructureKind::kGenerator ? config_.classes : c.vocab;
  r.outputs = config_.OutputSize();
  if (config_.kind == StructureKind::kClassifier) r.readout = ReadoutName(config_.readout);
  if (config_.kind == StructureKind::kGenerator) r.condition = ConditionName(config_.condition);
  const auto data = options_.task_options.find("data");
  if (data != options_.task_options.end() && data->is_string()) r.data_path = data->get<std::string>();
  return r;
}

// ---------------------------------------------------------------- the training step

StepResult StructureJob::Step(const TrainSettings& settings) {
  if (settings.batch < 1 || settings.batch > kMaxBatchSize)
    throw ConfigError("batch " + std::to_string(settings.batch) + " outside [1, " + std::to_string(kMaxBatchSize) + "]");
  const OptimizerSettings opt = OptimizerSettingsFrom(settings);
  if (!(opt == optimizer_.settings())) optimizer_.SetSettings(opt);
  grads_->SetZero();
  StepResult result;
  result.loss = TrainBatch(settings.batch, result.tokens);
  const ClipResult clip = ClipGradients(*grads_, ParseClipMode(settings.clip_mode), settings.clip);
  result.grad_norm = clip.norm;
  result.clipped = clip.clipped;
  if (!std::isfinite(result.loss) || !std::isfinite(clip.norm)) {
    // As CharLmJob: the weights that produced this were never checked; go back one update.
    const std::optional<std::string> bad = FirstNonFinite(*grads_);
    result.non_finite = !std::isfinite(result.loss) ? "loss" : bad ? "gradient of " + *bad : "gradient norm";
    if (have_last_good_) {
      *params_ = last_good_;
      have_last_good_ = false;
    }
    return result;
  }
  last_good_ = *params_;
  have_last_good_ = true;
  optimizer_.Step(refs_);
  ++step_;
  return result;
}

// ---------------------------------------------------------------- snapshot helpers

void StructureJob::FillParameterStats(Snapshot& out) const {
  out.params.clear();
  out.weights.clear();
  for (const ParamRefs::Entry& e : refs_.entries()) {
    ParamStat stat;
    stat.name = e.name;
    stat.shape = {e.param->rows(), e.param->cols()};
    stat.norm = e.param->norm();
    stat.grad_norm = e.grad->norm();
    out.params.push_back(std::move(stat));
    if (e.param->cols() == 1) continue;  // biases: the histogram shows them in the stats
    const Eigen::Index r = std::min<Eigen::Index>(e.param->rows(), kWeightViewMax);
    const Eigen::Index k = std::min<Eigen::Index>(e.param->cols(), kWeightViewMax);
    out.weights.push_back({e.name, e.param->topLeftCorner(r, k), e.grad->topLeftCorner(r, k)});
  }
}

void StructureJob::TraceLayer(const LayerCache<float>& k, CellKind cell, int layer, int direction,
                              const std::vector<int>& order, LayerTrace& out) {
  const int T = static_cast<int>(order.size());
  const Eigen::Index H = k.h.rows();
  out.layer = layer;
  out.direction = direction;
  out.gate_names = GateNames(cell);
  const auto G = static_cast<Eigen::Index>(out.gate_names.size());
  out.gates.assign(static_cast<std::size_t>(G), MatF(H, T));
  out.hidden.resize(H, T);
  if (k.c.size() > 0) out.cell.resize(H, T);
  out.grad_h_norm.assign(static_cast<std::size_t>(T), 0.0f);
  out.grad_c_norm.clear();
  for (int t = 0; t < T; ++t) {
    const int s = order[static_cast<std::size_t>(t)];  // B = 1: column s is step s
    for (Eigen::Index g = 0; g < G; ++g) out.gates[static_cast<std::size_t>(g)].col(t) = k.gates.col(s).segment(g * H, H);
    out.hidden.col(t) = k.h.col(s + 1);
    if (k.c.size() > 0) out.cell.col(t) = k.c.col(s + 1);
    if (k.dh_norm.size() > s) out.grad_h_norm[static_cast<std::size_t>(t)] = k.dh_norm[s];
    if (k.dc_norm.size() > s) out.grad_c_norm.push_back(k.dc_norm[s]);
  }
  out.hidden_prev0 = k.h.col(0);  // the state before the direction's first step (zero)
  if (k.c.size() > 0) out.cell_prev0 = k.c.col(0);
}

// ---------------------------------------------------------------- checkpoints

TensorFile StructureJob::CheckpointFile(const TrainSettings& settings) const {
  TensorFile file;
  PutParams(*params_, file);
  const OptimizerState opt = optimizer_.ExportState();
  PutOptimizerState(opt, file);
  nlohmann::json meta;
  meta["task"] = task_name_;
  meta["kind"] = "structure";
  meta["structure"] = ToJson(config_);
  meta["task_options"] = options_.task_options;
  meta["seed"] = options_.seed;
  meta["step"] = step_;
  meta["settings"] = ToJson(settings);
  meta["optimizer"] = {{"kind", std::string(OptimizerName(opt.kind))}, {"step", opt.step}};
  meta["rng"] = ToJson(rng_.State());
  meta["vocabulary"] = Vocabulary();
  PutMetadata(meta, file);
  return file;
}

void StructureJob::Save(const std::string& path, const TrainSettings& settings) const {
  WriteSafetensors(path, CheckpointFile(settings));
}

std::vector<unsigned char> StructureJob::SaveToBytes(const TrainSettings& settings) const {
  return SerializeSafetensors(CheckpointFile(settings));
}

std::unique_ptr<Job> StructureJob::LoadFromBytes(std::span<const unsigned char> bytes, TrainSettings* settings_out) const {
  return LoadStructureJobFrom(ParseSafetensors(bytes, "in-memory checkpoint"), settings_out);
}

std::unique_ptr<StructureJob> LoadStructureJob(const std::string& path, TrainSettings* settings_out) {
  const TensorFile file = ReadSafetensors(path);
  file.CheckFinite();  // training never applies a non-finite update
  return LoadStructureJobFrom(file, settings_out);
}

std::unique_ptr<StructureJob> LoadStructureJobFrom(const TensorFile& file, TrainSettings* settings_out) {
  const nlohmann::json meta = GetMetadata(file);
  const std::string& path = file.source;
  std::unique_ptr<StructureJob> job;
  TrainSettings settings;
  try {
    if (meta.at("kind").get<std::string>() != "structure")
      throw InputError(path + ": not a tagging/classification/generation checkpoint");
    StructureJobOptions o;
    const std::string task = meta.at("task").get<std::string>();
    o.model = StructureConfigFromJson(meta.at("structure"));
    o.task_options = meta.at("task_options");
    o.seed = meta.at("seed").get<uint64_t>();
    settings = TrainSettingsFromJson(meta.at("settings"));
    job = MakeStructureJob(task, o);
    if (!(job->config_.rnn == o.model.rnn) || job->config_.classes != o.model.classes ||
        job->Vocabulary() != meta.at("vocabulary"))
      throw InputError(path + ": the task's vocabulary or classes differ from the checkpoint's (data file changed?)");
    GetParams(file, *job->params_);
    job->optimizer_.ImportState(GetOptimizerState(file, meta), job->refs_);
    job->optimizer_.SetSettings(OptimizerSettingsFrom(settings));
    job->step_ = meta.at("step").get<int64_t>();
    job->rng_.SetState(RngStateFromJson(meta.at("rng")));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": checkpoint metadata: " + e.what());
  } catch (const ConfigError& e) {
    throw InputError(path + ": checkpoint metadata: " + e.what());
  }
  if (settings_out) *settings_out = settings;
  return job;
}

}  // namespace rnnscope
