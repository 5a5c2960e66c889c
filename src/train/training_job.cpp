// Contents: data identity · binding · the training step · snapshot parts (parameter stats,
// layer trace) · the checkpoint envelope (save, restore).
#include "train/training_job.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <limits>

#include "core/error.h"
#include "train/checkpoint.h"
#include "train/clipping.h"
#include "train/settings_json.h"

namespace rnnscope {

namespace {
constexpr int kGradHistory = 512;     // steps of per-parameter gradient norms the Weights panel plots
constexpr int kWeightViewMax = 256;   // weight heatmaps show at most a 256×256 corner

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// A float as the double of its 9-digit decimal: that reads back as the same float, and
// nlohmann writes the shortest form of the double ("2.34500003", not "2.3450000286102295"),
// which keeps a history near 36 bytes a point. Non-finite (a val loss never measured) → null.
nlohmann::json CompactFloat(float v) {
  if (!std::isfinite(v)) return nullptr;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  return std::strtod(buf, nullptr);
}

// Checkpoint "history": [[step, train_loss, val_loss, grad_norm, clipped], …] oldest first,
// the LossPoint fields; a loss that is null was not measured (NaN), clipped is 0 or 1.
nlohmann::json LossHistoryToJson(const BoundedHistory& history) {
  nlohmann::json out = nlohmann::json::array();
  for (const LossPoint& p : history.Points())
    out.push_back({p.step, CompactFloat(p.train_loss), CompactFloat(p.val_loss), CompactFloat(p.grad_norm),
                   p.clipped ? 1 : 0});
  return out;
}

// Refuses anything but the layout above, in step order and not past the checkpoint's step:
// the message names the file and the first bad point.
void LossHistoryFromJson(const nlohmann::json& j, const std::string& source, int64_t last_step,
                         BoundedHistory& out) {
  auto bad = [&](std::size_t i, const std::string& what) {
    return InputError(source + ": checkpoint metadata field 'history': point " + std::to_string(i) + " " + what +
                      " (expected [step, train_loss, val_loss, grad_norm, clipped])");
  };
  if (!j.is_array()) throw InputError(source + ": checkpoint metadata field 'history' is not an array");
  auto loss = [&](const nlohmann::json& v, std::size_t i, const char* name) {
    if (v.is_null()) return std::numeric_limits<float>::quiet_NaN();
    if (!v.is_number()) throw bad(i, std::string("has a ") + name + " that is not a number or null");
    const double d = v.get<double>();  // finite: CheckMetadataNumbers refused the rest
    if (!(std::fabs(d) <= std::numeric_limits<float>::max()))  // casting it would be undefined
      throw bad(i, std::string("has a ") + name + " outside float range");
    return static_cast<float>(d);
  };
  out.Clear();
  int64_t previous = std::numeric_limits<int64_t>::min();
  for (std::size_t i = 0; i < j.size(); ++i) {
    const nlohmann::json& p = j[i];
    if (!p.is_array() || p.size() != 5) throw bad(i, "is not an array of 5");
    if (!p[0].is_number_integer()) throw bad(i, "has a step that is not an integer");
    LossPoint point;
    point.step = p[0].get<int64_t>();
    // Steps never go backwards (a rolled-back step's point is dropped, so none repeats; a
    // repeat is accepted all the same) nor past the checkpoint's own step.
    if (point.step < 0 || point.step < previous || point.step > last_step)
      throw bad(i, "has step " + std::to_string(point.step) + " out of order (previous " +
                       (i ? std::to_string(previous) : std::string("none")) + ", checkpoint step " +
                       std::to_string(last_step) + ")");
    previous = point.step;
    point.train_loss = loss(p[1], i, "train_loss");
    point.val_loss = loss(p[2], i, "val_loss");
    const float grad_norm = loss(p[3], i, "grad_norm");
    point.grad_norm = std::isnan(grad_norm) ? 0.0f : grad_norm;
    if (!(p[4].is_number_integer() || p[4].is_boolean())) throw bad(i, "has a clipped flag that is not 0 or 1");
    point.clipped = p[4].is_boolean() ? p[4].get<bool>() : p[4].get<int64_t>() != 0;
    out.Add(point);  // buckets come back as points (their means kept); past capacity they re-merge
  }
}
}  // namespace

// ---------------------------------------------------------------- data identity

nlohmann::json DataIdentity::ToJson() const {
  return {{"path", path}, {"bytes", bytes}, {"fnv1a64", fnv1a64}};
}

DataIdentity DataIdentity::FromJson(const nlohmann::json& j) {
  DataIdentity d;
  d.path = j.at("path").get<std::string>();
  d.bytes = j.at("bytes").get<uint64_t>();
  d.fnv1a64 = j.at("fnv1a64").get<std::string>();
  return d;
}

DataIdentity DataIdentity::Of(const std::string& path) {
  DataIdentity d;
  if (path.empty()) return d;
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  d.path = ec ? path : absolute.lexically_normal().string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot be read");
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64 offset basis
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::streamsize n = in.gcount();
    for (std::streamsize i = 0; i < n; ++i) {
      h ^= static_cast<unsigned char>(buf[static_cast<std::size_t>(i)]);
      h *= 1099511628211ull;
    }
    d.bytes += static_cast<uint64_t>(n);
  }
  d.fnv1a64 = Hex64(h);
  return d;
}

std::string DataIdentity::ChangedSince() const {
  if (path.empty() || fnv1a64.empty()) return "";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return path + " (the training data) no longer exists";
  DataIdentity now;
  try {
    now = Of(path);
  } catch (const InputError&) {
    return path + " (the training data) cannot be read";
  }
  if (now.bytes != bytes || now.fnv1a64 != fnv1a64)
    return path + " (the training data) has changed since the checkpoint: " + std::to_string(now.bytes) +
           " bytes, hash " + now.fnv1a64 + "; the checkpoint was trained on " + std::to_string(bytes) +
           " bytes, hash " + fnv1a64;
  return "";
}

// ---------------------------------------------------------------- binding

void TrainingJob::Bind(ParamRefs refs) {
  refs_ = std::move(refs);
  grad_list_.clear();
  // The job owns its gradients; ParamRefs holds them const only because the optimizer reads them.
  for (const ParamRefs::Entry& e : refs_.entries()) grad_list_.push_back(const_cast<MatF*>(e.grad));
  optimizer_.set_keep_undo(true);
  grad_norm_history_.clear();
}

// ---------------------------------------------------------------- the training step

StepResult TrainingJob::Step(const TrainSettings& settings) {
  if (settings.batch < 1 || settings.batch > kMaxBatchSize)
    throw ConfigError("batch " + std::to_string(settings.batch) + " outside [1, " + std::to_string(kMaxBatchSize) + "]");
  // The schedule sets the rate this step uses; settings.learning_rate stays the base rate.
  schedule_settings_ = settings;
  OptimizerSettings opt = OptimizerSettingsFrom(settings);
  opt.learning_rate = ScheduledLearningRate(settings);
  if (!(opt == optimizer_.settings())) optimizer_.SetSettings(opt);
  if (!data_unavailable_.empty())
    throw ConfigError("cannot continue training: " + data_unavailable_ +
                      " (sampling, evaluation of the saved examples and every view still work)");
  PrepareStep(settings);
  for (MatF* g : grad_list_) g->setZero();
  StepResult result;
  result.loss = ForwardBackward(settings, result.tokens);
  const ClipResult clip = ClipGradients(grad_list_, ParseClipMode(settings.clip_mode), settings.clip);
  result.grad_norm = clip.norm;
  result.clipped = clip.clipped;
  if (!std::isfinite(result.loss) || !std::isfinite(clip.norm)) {
    // This update is not applied. The weights the last update left behind were never checked
    // (they are what produced this), so go back to the ones before it — weights, optimizer
    // buffers and step count — which gave a finite loss and gradient: a lower learning rate
    // can continue from there.
    result.non_finite = std::isfinite(result.loss) ? FirstNonFiniteGradient() : NonFiniteForward();
    if (optimizer_.UndoLastStep(refs_)) {
      history_.DropNewest(step_);  // that step is undone: its point leaves the curve too
      --step_;
    }
    OnStepRejected();
    return result;
  }
  optimizer_.Step(refs_);
  ++step_;
  OnStepApplied();
  if (record_internals_) RecordGradNorms();
  LossPoint point;
  point.step = step_;
  point.train_loss = result.loss;
  point.grad_norm = result.grad_norm;
  point.clipped = result.clipped;
  history_.Add(point);
  return result;
}

std::string TrainingJob::FirstNonFiniteGradient() const {
  for (const ParamRefs::Entry& e : refs_.entries())
    if (!e.grad->allFinite()) return "gradient of " + e.name;
  // Every element is finite but the global norm overflowed float: name the largest.
  std::string worst = "?";
  float most = -1;
  for (const ParamRefs::Entry& e : refs_.entries()) {
    const float m = e.grad->size() ? e.grad->cwiseAbs().maxCoeff() : 0.0f;
    if (m > most) {
      most = m;
      worst = e.name;
    }
  }
  return "gradient norm (largest element in " + worst + ")";
}

void TrainingJob::RecordGradNorms() {
  const std::vector<ParamRefs::Entry>& entries = refs_.entries();
  if (grad_norm_history_.size() != entries.size())
    grad_norm_history_.assign(entries.size(), RingBuffer<float>(kGradHistory));
  for (std::size_t i = 0; i < entries.size(); ++i) grad_norm_history_[i].Push(entries[i].grad->norm());
}

// ---------------------------------------------------------------- snapshot parts

void TrainingJob::FillParameterStats(Snapshot& out) const {
  out.params.clear();
  out.weights.clear();
  const std::vector<ParamRefs::Entry>& entries = refs_.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const ParamRefs::Entry& e = entries[i];
    ParamStat stat;
    stat.name = e.name;
    stat.shape = {e.param->rows(), e.param->cols()};
    stat.norm = e.param->norm();
    stat.grad_norm = e.grad->norm();
    if (i < grad_norm_history_.size()) stat.grad_norm_history = grad_norm_history_[i].ToVector();
    out.params.push_back(std::move(stat));
    if (e.param->cols() == 1) continue;  // biases: the histogram shows them in the stats
    const Eigen::Index r = std::min<Eigen::Index>(e.param->rows(), kWeightViewMax);
    const Eigen::Index k = std::min<Eigen::Index>(e.param->cols(), kWeightViewMax);
    out.weights.push_back({e.name, e.param->topLeftCorner(r, k), e.grad->topLeftCorner(r, k)});
  }
}

std::vector<int> TrainingJob::Order(int T, bool reversed) {
  std::vector<int> order(static_cast<std::size_t>(std::max(T, 0)));
  for (int t = 0; t < T; ++t) order[static_cast<std::size_t>(t)] = reversed ? T - 1 - t : t;
  return order;
}

void TrainingJob::SetLayerInterventions(std::vector<LayerCache<float>>& caches, int layers, int directions,
                                        const std::vector<Intervention>& all, bool training) {
  caches.resize(static_cast<std::size_t>(layers * directions));
  for (int l = 0; l < layers; ++l)
    for (int d = 0; d < directions; ++d)
      caches[static_cast<std::size_t>(l * directions + d)].interventions = ResolveInterventions(all, l, d, training);
}

void TrainingJob::TraceLayer(const LayerCache<float>& k, CellKind cell, int layer, int direction,
                             const std::vector<int>& order, LayerTrace& out) {
  const int T = static_cast<int>(order.size());
  const Eigen::Index H = k.h.rows();
  // B = 1: a cache column index is a step index (OutCol/InitCol count in units of B).
  const Eigen::Index B = std::max(k.B, 1);
  out.layer = layer;
  out.direction = direction;
  out.gate_names = GateNames(cell);
  const auto G = static_cast<Eigen::Index>(out.gate_names.size());
  out.gates.assign(static_cast<std::size_t>(G), MatF(H, T));
  out.hidden.resize(H, T);
  out.cell.resize(k.c.size() > 0 ? H : 0, k.c.size() > 0 ? T : 0);
  out.grad_h_norm.assign(static_cast<std::size_t>(T), 0.0f);
  out.grad_c_norm.clear();
  for (int t = 0; t < T; ++t) {
    const int s = order[static_cast<std::size_t>(t)];
    const Eigen::Index step_col = static_cast<Eigen::Index>(s) * B;
    for (Eigen::Index g = 0; g < G; ++g)
      out.gates[static_cast<std::size_t>(g)].col(t) = k.gates.col(step_col).segment(g * H, H);
    out.hidden.col(t) = k.h.col(k.OutCol(s));
    if (k.c.size() > 0) out.cell.col(t) = k.c.col(k.OutCol(s));
    if (static_cast<int>(k.dh_norm.size()) > s) out.grad_h_norm[static_cast<std::size_t>(t)] = k.dh_norm[s];
    if (static_cast<int>(k.dc_norm.size()) > s) out.grad_c_norm.push_back(k.dc_norm[s]);
  }
  // The state before the direction's first step, wherever the cache keeps it.
  out.hidden_prev0 = k.h.col(k.InitCol());
  if (k.c.size() > 0) out.cell_prev0 = k.c.col(k.InitCol());
}

void TrainingJob::RecordValidation(int64_t step, float val_loss) {
  history_.SetNewestValLoss(step, val_loss);
  plateau_.Observe(val_loss, schedule_settings_);
}

float TrainingJob::ScheduledLearningRate(const TrainSettings& settings) const {
  return LearningRateAt(settings, step_, plateau_);
}

// ---------------------------------------------------------------- checkpoints

namespace {

nlohmann::json PlateauToJson(const PlateauState& p) {
  nlohmann::json j = {{"bad_evaluations", p.bad_evaluations}, {"reductions", p.reductions}};
  if (std::isfinite(p.best)) j["best_val_loss"] = p.best;  // JSON has no infinity: absent = none yet
  return j;
}

PlateauState PlateauFromJson(const nlohmann::json& meta, const std::string& source) {
  PlateauState p;
  const auto it = meta.find("lr_plateau");
  if (it == meta.end()) return p;  // written before schedules: nothing observed
  p.best = it->value("best_val_loss", p.best);
  p.bad_evaluations = it->value("bad_evaluations", 0);
  p.reductions = it->value("reductions", 0);
  if (p.bad_evaluations < 0 || p.reductions < 0 || p.reductions > 10000)
    throw InputError(source + ": lr_plateau has bad_evaluations " + std::to_string(p.bad_evaluations) +
                     ", reductions " + std::to_string(p.reductions) + " (expected counts in [0, 10000])");
  return p;
}

}  // namespace

TensorFile TrainingJob::CheckpointFile(const TrainSettings& settings) const {
  TensorFile file;
  for (const ParamRefs::Entry& e : refs_.entries()) file.SetMatrix(e.name, *e.param, e.is_vector);
  const OptimizerState opt = optimizer_.ExportState();
  PutOptimizerState(opt, file);
  nlohmann::json meta;
  meta["kind"] = kind_;
  meta["task"] = Task();
  meta["step"] = step_;
  meta["settings"] = ToJson(settings);
  meta["optimizer"] = {{"kind", std::string(OptimizerName(opt.kind))}, {"step", opt.step}};
  meta["data"] = data_.ToJson();
  meta["definition"] = Definition();
  meta["state"] = TrainingState(file);
  meta["history"] = LossHistoryToJson(history_);
  meta["lr_plateau"] = PlateauToJson(plateau_);
  PutMetadata(meta, file);
  return file;
}

void TrainingJob::Save(const std::string& path, const TrainSettings& settings) const {
  WriteSafetensors(path, CheckpointFile(settings));
}

std::vector<unsigned char> TrainingJob::SaveToBytes(const TrainSettings& settings) const {
  return SerializeSafetensors(CheckpointFile(settings));
}

std::unique_ptr<Job> TrainingJob::LoadFromBytes(std::span<const unsigned char> bytes, TrainSettings* settings_out) const {
  return LoadJobFrom(ParseSafetensors(bytes, "in-memory checkpoint"), this, settings_out);
}

void RethrowNamingCheckpoint(const std::string& path, const std::exception& e) {
  const std::string what = e.what();
  const bool ours = dynamic_cast<const Error*>(&e) || dynamic_cast<const nlohmann::json::exception*>(&e);
  if (!ours || what.rfind(path, 0) == 0) throw;  // bad_alloc stays bad_alloc
  throw InputError(path + ": checkpoint metadata: " + what);
}

void TrainingJob::RestoreTraining(const TensorFile& file, const nlohmann::json& meta, const TrainSettings& settings) {
  for (const ParamRefs::Entry& e : refs_.entries()) {
    if (!file.Has(e.name)) throw ShapeError(file.source + ": missing tensor '" + e.name + "'");
    MatF loaded = file.GetMatrix<float>(e.name);
    if (loaded.rows() != e.param->rows() || loaded.cols() != e.param->cols())
      throw ShapeError(file.source + ": tensor '" + e.name + "' is " + std::to_string(loaded.rows()) + "x" +
                       std::to_string(loaded.cols()) + ", expected " + std::to_string(e.param->rows()) + "x" +
                       std::to_string(e.param->cols()));
    *e.param = std::move(loaded);  // the MatF object (and refs_' pointer to it) stays
  }
  // A state_dict export (StateDictOnly) has no optimizer buffers: the optimizer starts fresh.
  if (!meta.value("state_dict_only", false)) optimizer_.ImportState(GetOptimizerState(file, meta), refs_);
  step_ = meta.at("step").get<int64_t>();
  if (step_ < 0) throw InputError(file.source + ": negative step " + std::to_string(step_));
  plateau_ = PlateauFromJson(meta, file.source);
  schedule_settings_ = settings;
  OptimizerSettings opt = OptimizerSettingsFrom(settings);
  opt.learning_rate = ScheduledLearningRate(settings);
  optimizer_.SetSettings(opt);
  // Checkpoints written before the history was saved have none: the curve starts here.
  const auto history = meta.find("history");
  if (history != meta.end()) LossHistoryFromJson(*history, file.source, step_, history_);
  else history_.Clear();
}

}  // namespace rnnscope
