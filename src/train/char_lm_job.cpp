// Table of contents: construction and data · Step (the training step) · validation ·
// snapshot (probe trace, weights, sample) · sampling · checkpoints.
#include "train/char_lm_job.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "train/checkpoint.h"
#include "tasks/procedural_corpus.h"
#include "tasks/text_corpus.h"
#include "train/clipping.h"
#include "train/settings_json.h"

namespace rnnscope {

namespace {
constexpr int kProbeMaxLength = 160;
constexpr int kValidationTokens = 4096;
constexpr int kGradHistory = 512;
constexpr int kWeightViewMax = 256;  // weight heatmaps show at most a 256×256 corner

// Hands each layer of `pass` the interventions that apply to it (training: only those marked
// for training). RnnModel::Forward keeps pass.layers' elements, so they survive into it.
void SetPassInterventions(ForwardPass<float>& pass, const ModelConfig& c,
                          const std::vector<Intervention>& all, bool training) {
  const int D = c.Directions();
  pass.layers.resize(static_cast<std::size_t>(c.layers * D));
  for (int l = 0; l < c.layers; ++l)
    for (int d = 0; d < D; ++d)
      pass.layers[static_cast<std::size_t>(l * D + d)].interventions = ResolveInterventions(all, l, d, training);
}
}  // namespace

// ---------------------------------------------------------------- construction and data

void CharLmJob::LoadData(const JobSpec& spec) {
  TextCorpus corpus;
  if (spec.text_path.empty()) {
    ProceduralCorpusOptions options;
    options.seed = spec.settings.seed;
    corpus = MakeProceduralTextCorpus(GenerateProceduralCorpus(options), spec.settings.seed);
  } else {
    corpus = LoadTextCorpus(spec.text_path);
  }
  if (corpus.validation.size() < 2)
    throw InputError(corpus.source + ": text too short to split into training and validation");
  vocab_ = std::move(corpus.vocab);
  train_ids_ = std::move(corpus.train);
  val_ids_ = std::move(corpus.validation);
}

CharLmJob::CharLmJob(const JobSpec& spec) : spec_(spec) {
  ValidateSettings(spec.settings);
  if (!spec.weights_path.empty()) {
    InitFromPyTorch(spec);
  } else {
    LoadData(spec);
    ModelConfig config = spec.model;
    config.vocab = vocab_.Size();
    config.Validate();
    spec_.model = config;
    model_ = RnnModel<float>(config, spec.settings.seed);
  }
  refs_ = ParamRefs(model_.params, model_.grads);
  optimizer_.SetSettings(OptimizerSettingsFrom(spec.settings));
  sample_rng_.Seed(spec.settings.seed ^ 0x5A5A5A5AULL);
  ConfigureBatcher(spec.settings);
}

void CharLmJob::ConfigureBatcher(const TrainSettings& s) {
  if (batcher_ && batcher_->batch() == s.batch && batcher_->seq_len() == s.seq_len &&
      batcher_->sequential() == s.sequential)
    return;
  batcher_ = std::make_unique<CharBatcher>(train_ids_, s.batch, s.seq_len, s.sequential, s.seed);
  have_carried_ = false;
}

RunningModel CharLmJob::Describe() const {
  const ModelConfig& c = model_.config();
  RunningModel r;
  r.task = "charlm";
  r.structure = "language model";
  r.cell = c.cell;
  r.hidden = c.hidden;
  r.layers = c.layers;
  r.embed = c.embed;
  r.bidirectional = c.bidirectional;
  r.peephole = c.peephole;
  r.vocab = c.vocab;
  r.outputs = c.vocab;
  r.data_path = spec_.text_path;
  r.imported_from = spec_.weights_path;
  return r;
}

// ---------------------------------------------------------------- the training step

StepResult CharLmJob::Step(const TrainSettings& settings) {
  const OptimizerSettings opt = OptimizerSettingsFrom(settings);
  if (!(opt == optimizer_.settings())) optimizer_.SetSettings(opt);
  ConfigureBatcher(settings);

  const bool reset = batcher_->Next(batch_);
  // Truncated BPTT: carry the forward state across consecutive chunks. A bidirectional layer's
  // reverse direction reads the future, so carrying its state would leak targets: start fresh.
  const bool carry = settings.sequential && have_carried_ && !reset && !model_.config().bidirectional;
  StepResult result;
  result.loss = model_.Forward(batch_, carry ? &carried_ : nullptr, pass_);
  result.tokens = static_cast<int64_t>(batch_.T) * batch_.B;
  model_.grads.SetZero();
  model_.Backward(batch_, pass_);

  const ClipResult clip = ClipGradients(model_.grads, ParseClipMode(settings.clip_mode), settings.clip);
  result.grad_norm = clip.norm;
  result.clipped = clip.clipped;
  if (!std::isfinite(result.loss) || !std::isfinite(clip.norm)) {
    // Name the first bad tensor; this update is not applied. The weights the last step left
    // behind were never checked (they are what produced this NaN), so go back to the ones
    // before it, which gave a finite loss and gradient: a lower learning rate can continue.
    result.non_finite = std::isfinite(result.loss) ? FirstNonFiniteGradient() : FirstNonFiniteForward();
    if (have_last_good_) {
      model_.params = last_good_;
      have_last_good_ = false;
    }
    have_carried_ = false;
    return result;
  }
  last_good_ = model_.params;  // same shapes every step: Eigen reuses the storage
  have_last_good_ = true;
  optimizer_.Step(refs_);
  model_.FinalState(pass_, carried_);
  have_carried_ = true;
  ++step_;
  if (record_internals_) RecordGradNorms();
  return result;
}

std::string CharLmJob::FirstNonFiniteForward() const {
  const int D = model_.config().Directions();
  for (std::size_t k = 0; k < pass_.layers.size(); ++k) {
    const int l = static_cast<int>(k) / D, d = static_cast<int>(k) % D;
    if (!pass_.layers[k].h.allFinite())
      return "loss (hidden state of layer " + std::to_string(l) + (d ? " reverse" : "") +
             ", weights " + LayerParamName("weight_hh", l, d) + ")";
    if (pass_.layers[k].c.size() > 0 && !pass_.layers[k].c.allFinite())
      return "loss (cell state of layer " + std::to_string(l) + (d ? " reverse" : "") +
             ", weights " + LayerParamName("weight_hh", l, d) + ")";
  }
  if (!pass_.logits.allFinite()) return "loss (logits, weights fc.weight)";
  return "loss";
}

std::string CharLmJob::FirstNonFiniteGradient() const {
  if (const std::optional<std::string> name = FirstNonFinite(model_.grads)) return "gradient of " + *name;
  // Every element is finite but the global norm overflowed float: name the largest.
  std::string worst = "?";
  float most = -1;
  for (const ParamRefs::Entry& e : refs_.entries()) {
    const float m = e.grad->cwiseAbs().maxCoeff();
    if (m > most) {
      most = m;
      worst = e.name;
    }
  }
  return "gradient norm (largest element in " + worst + ")";
}

void CharLmJob::RecordGradNorms() {
  const std::vector<ParamRefs::Entry>& entries = refs_.entries();
  if (grad_norm_history_.size() != entries.size())
    grad_norm_history_.assign(entries.size(), RingBuffer<float>(kGradHistory));
  for (std::size_t i = 0; i < entries.size(); ++i)
    grad_norm_history_[i].Push(entries[i].grad->norm());
}

// ---------------------------------------------------------------- validation

float CharLmJob::ValidationLoss() {
  // A fixed slice of the validation text as B parallel sequences from a zero state.
  const int B = 8;
  const int T = static_cast<int>(std::min<std::size_t>(kValidationTokens / B, (val_ids_.size() - 1) / B));
  if (T < 1) return std::numeric_limits<float>::quiet_NaN();
  TokenBatch batch;
  batch.T = T;
  batch.B = B;
  batch.input.resize(static_cast<std::size_t>(T * B));
  batch.target.resize(static_cast<std::size_t>(T * B));
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < T; ++t) {
      const std::size_t src = static_cast<std::size_t>(b * T + t);
      batch.input[static_cast<std::size_t>(t * B + b)] = val_ids_[src];
      batch.target[static_cast<std::size_t>(t * B + b)] = val_ids_[src + 1];
    }
  ForwardPass<float> pass;
  return model_.Forward(batch, nullptr, pass);
}

// ---------------------------------------------------------------- snapshot

void CharLmJob::FillSnapshot(const std::string& probe, const TrainSettings& settings, Snapshot& out) {
  const ModelConfig& c = model_.config();
  out.vocab.clear();
  for (int32_t i = 0; i < vocab_.Size(); ++i) out.vocab.push_back(vocab_.Token(i));

  // Parameter statistics first: the gradients are still those of the last training step.
  const std::vector<ParamRefs::Entry>& entries = refs_.entries();
  out.params.clear();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    ParamStat stat;
    stat.name = entries[i].name;
    stat.shape = {entries[i].param->rows(), entries[i].param->cols()};
    stat.norm = entries[i].param->norm();
    stat.grad_norm = entries[i].grad->norm();
    if (i < grad_norm_history_.size()) stat.grad_norm_history = grad_norm_history_[i].ToVector();
    out.params.push_back(std::move(stat));
  }
  out.weights.clear();
  for (const ParamRefs::Entry& e : entries) {
    if (e.param->cols() == 1) continue;  // biases: the histogram shows them in the stats
    const Eigen::Index r = std::min<Eigen::Index>(e.param->rows(), kWeightViewMax);
    const Eigen::Index k = std::min<Eigen::Index>(e.param->cols(), kWeightViewMax);
    out.weights.push_back({e.name, e.param->topLeftCorner(r, k), e.grad->topLeftCorner(r, k)});
  }

  // The probe: the user's text, or a slice of the validation text.
  std::vector<int32_t> ids;
  if (!probe.empty()) {
    ids = vocab_.Encode(probe, UnknownPolicy::kSkip);
    if (ids.empty()) throw InputError("probe text has no character the model knows");
  } else {
    ids.assign(val_ids_.begin(), val_ids_.begin() + std::min<std::ptrdiff_t>(80, static_cast<std::ptrdiff_t>(val_ids_.size())));
  }
  if (static_cast<int>(ids.size()) > kProbeMaxLength) ids.resize(kProbeMaxLength);
  TokenBatch batch;
  batch.T = static_cast<int>(ids.size());
  batch.B = 1;
  batch.input = ids;
  batch.target.assign(ids.size(), -1);
  for (std::size_t t = 0; t + 1 < ids.size(); ++t) batch.target[t] = ids[t + 1];
  SetPassInterventions(probe_pass_, model_.config(), interventions_, false);
  out.probe_loss = model_.Forward(batch, nullptr, probe_pass_);
  // Backward only for the per-timestep gradient norms; parameter gradients are scratch here
  // (the next Step zeroes them before use).
  model_.Backward(batch, probe_pass_);

  out.probe_tokens.clear();
  out.probe_targets.clear();
  for (std::size_t t = 0; t < ids.size(); ++t) {
    out.probe_tokens.push_back(vocab_.Token(ids[t]));
    out.probe_targets.push_back(t + 1 < ids.size() ? vocab_.Token(ids[t + 1]) : std::string());
  }
  out.probe_probs = probe_pass_.probs;
  const std::vector<std::string> gate_names = GateNames(c.cell);
  const int D = c.Directions(), H = c.hidden, T = batch.T;
  out.layers.clear();
  for (int l = 0; l < c.layers; ++l) {
    for (int d = 0; d < D; ++d) {
      const LayerCache<float>& k = probe_pass_.layers[static_cast<std::size_t>(l * D + d)];
      LayerTrace trace;
      trace.layer = l;
      trace.direction = d;
      trace.gate_names = gate_names;
      for (std::size_t g = 0; g < gate_names.size(); ++g)
        trace.gates.push_back(k.gates.middleRows(static_cast<Eigen::Index>(g) * H, H));
      trace.hidden = k.Outputs();
      trace.hidden_prev0 = k.h.middleCols(k.InitCol(), 1);
      if (k.c.size() > 0) {
        trace.cell = k.c.middleCols(d == 1 ? 0 : 1, T);
        trace.cell_prev0 = k.c.middleCols(k.InitCol(), 1);
      }
      trace.grad_h_norm.assign(k.dh_norm.data(), k.dh_norm.data() + k.dh_norm.size());
      trace.grad_c_norm.assign(k.dc_norm.data(), k.dc_norm.data() + k.dc_norm.size());
      out.layers.push_back(std::move(trace));
    }
  }

  // A fresh sample about once a second: generating is sequential and not free.
  const auto now = std::chrono::steady_clock::now();
  if (cached_sample_.empty() || now - sample_time_ > std::chrono::seconds(1)) {
    cached_sample_ = Sample(vocab_.Token(ids[0]), 240, settings.temperature, sample_rng_);
    sample_time_ = now;
  }
  out.sample = cached_sample_;
}

bool CharLmJob::SetInterventions(const std::vector<Intervention>& interventions) {
  interventions_ = interventions;
  // Training's pass keeps them (Forward preserves pass.layers' elements): set once, here, so
  // the step itself does no extra work. The probe resolves its own in FillSnapshot.
  SetPassInterventions(pass_, model_.config(), interventions_, true);
  // Attention rows need a seq2seq model with attention: say so rather than ignore them.
  return std::none_of(interventions.begin(), interventions.end(),
                      [](const Intervention& i) { return i.target == InterventionTarget::kAttentionRow; });
}

double CharLmJob::UnigramEntropy() const {
  std::vector<double> counts(static_cast<std::size_t>(vocab_.Size()), 0.0);
  for (int32_t id : train_ids_) counts[static_cast<std::size_t>(id)] += 1;
  double entropy = 0;
  const double n = static_cast<double>(train_ids_.size());
  for (double c : counts)
    if (c > 0) entropy -= c / n * std::log(c / n);
  return entropy;
}

// ---------------------------------------------------------------- sampling

std::string CharLmJob::Sample(const std::string& prime, int length, float temperature, Rng& rng) const {
  std::vector<int32_t> ids = vocab_.Encode(prime, UnknownPolicy::kSkip);
  if (ids.empty()) throw InputError("the priming text has no character the model knows");
  // Feed the prime as one sequence, then one token at a time carrying the state.
  TokenBatch batch;
  batch.T = static_cast<int>(ids.size());
  batch.B = 1;
  batch.input = ids;
  batch.target.assign(ids.size(), -1);
  ForwardPass<float> pass;
  RecurrentState<float> state;
  model_.Forward(batch, nullptr, pass);
  std::string text = prime;
  batch.T = 1;
  batch.target.assign(1, -1);
  for (int i = 0; i < length; ++i) {
    model_.FinalState(pass, state);
    const Eigen::Index last = pass.probs.cols() - 1;
    const VecF probs = pass.probs.col(last);
    const int next = rng.CategoricalWithTemperature(std::span<const float>(probs.data(), static_cast<std::size_t>(probs.size())), temperature);
    text += vocab_.Token(next);
    batch.input.assign(1, next);
    model_.Forward(batch, &state, pass);
  }
  return text;
}

// ---------------------------------------------------------------- checkpoints

void CharLmJob::Save(const std::string& path, const TrainSettings& settings) const {
  WriteSafetensors(path, CheckpointFile(settings));
}

std::vector<unsigned char> CharLmJob::SaveToBytes(const TrainSettings& settings) const {
  // A checkpoint restores through the corpus's own vocabulary, which an imported model does
  // not have: no time travel for it (the trainer turns the ring off on this error).
  if (!spec_.weights_path.empty()) throw ConfigError("in-memory checkpoints of imported PyTorch models are not supported");
  return SerializeSafetensors(CheckpointFile(settings));
}

std::unique_ptr<Job> CharLmJob::LoadFromBytes(std::span<const unsigned char> bytes,
                                              TrainSettings* settings_out) const {
  const TensorFile file = ParseSafetensors(bytes, "in-memory checkpoint");
  return LoadFrom(file, GetMetadata(file), file.source, settings_out);
}

TensorFile CharLmJob::CheckpointFile(const TrainSettings& settings) const {
  TensorFile file;
  PutParams(model_.params, file);
  const OptimizerState opt = optimizer_.ExportState();
  PutOptimizerState(opt, file);
  for (std::size_t k = 0; have_carried_ && k < carried_.h.size(); ++k) {
    file.SetMatrix("state.h." + std::to_string(k), carried_.h[k]);
    if (k < carried_.c.size()) file.SetMatrix("state.c." + std::to_string(k), carried_.c[k]);
  }
  nlohmann::json meta;
  meta["task"] = "charlm";
  meta["text_path"] = spec_.text_path;
  meta["model"] = ToJson(model_.config());
  meta["settings"] = ToJson(settings);
  meta["corpus_seed"] = spec_.settings.seed;
  meta["vocab"] = vocab_.ToJson();
  meta["step"] = step_;
  meta["optimizer"] = {{"kind", std::string(OptimizerName(opt.kind))}, {"step", opt.step}};
  meta["batcher"] = batcher_->SaveState();
  meta["sample_rng"] = ToJson(sample_rng_.State());
  meta["carried"] = have_carried_;
  PutMetadata(meta, file);
  return file;
}

std::unique_ptr<CharLmJob> CharLmJob::Load(const std::string& path, TrainSettings* settings_out) {
  const TensorFile file = ReadSafetensors(path);
  // Training never applies a non-finite update, so NaN/Inf here means a corrupt or foreign file.
  file.CheckFinite();
  const nlohmann::json meta = GetMetadata(file);
  // Every metadata field below has the type and range we wrote: anything else is a damaged or
  // hand-edited file, reported with the path (not as an internal error).
  try {
    return LoadFrom(file, meta, path, settings_out);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": checkpoint metadata: " + e.what());
  }
}

std::unique_ptr<CharLmJob> CharLmJob::LoadFrom(const TensorFile& file, const nlohmann::json& meta,
                                               const std::string& path, TrainSettings* settings_out) {
  if (meta.value("task", "") != "charlm")
    throw InputError(path + ": checkpoint is for task '" + meta.value("task", "?") + "', not charlm");
  JobSpec spec;
  try {
    spec.task = "charlm";
    spec.text_path = meta.at("text_path").get<std::string>();
    spec.model = ModelConfigFromJson(meta.at("model"));
    spec.settings = TrainSettingsFromJson(meta.at("settings"));
    // The procedural corpus is regenerated from the seed it was made with.
    spec.settings.seed = meta.at("corpus_seed").get<uint64_t>();
    ValidateSettings(spec.settings);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": checkpoint metadata: " + e.what());
  } catch (const Error& e) {  // ModelConfigFromJson / ValidateSettings do not know the file
    throw InputError(path + ": checkpoint metadata: " + e.what());
  }
  auto job = std::unique_ptr<CharLmJob>(new CharLmJob(spec));
  const Vocab saved = Vocab::FromJson(meta.at("vocab"));
  if (!(saved == job->vocab_))
    throw InputError(path + ": the vocabulary in the checkpoint does not match " +
                     (spec.text_path.empty() ? std::string("the built-in corpus") : spec.text_path));
  GetParams(file, job->model_.params);
  job->optimizer_.ImportState(GetOptimizerState(file, meta), job->refs_);
  const TrainSettings settings = TrainSettingsFromJson(meta.at("settings"));
  job->optimizer_.SetSettings(OptimizerSettingsFrom(settings));
  job->ConfigureBatcher(settings);
  job->batcher_->LoadState(meta.at("batcher"));
  job->step_ = meta.at("step").get<int64_t>();
  job->sample_rng_.SetState(RngStateFromJson(meta.at("sample_rng")));
  job->have_carried_ = meta.value("carried", false);
  if (job->have_carried_) {
    const std::size_t n = job->model_.params.rnn.size();
    job->carried_.h.resize(n);
    job->carried_.c.resize(HasCellState(spec.model.cell) ? n : 0);
    auto state = [&](const std::string& name) {
      MatF m = file.GetMatrix<float>(name);
      if (m.rows() != spec.model.hidden || m.cols() != settings.batch)
        throw ShapeError(path + ": tensor '" + name + "' is " + std::to_string(m.rows()) + "x" +
                         std::to_string(m.cols()) + ", expected hidden x batch = " +
                         std::to_string(spec.model.hidden) + "x" + std::to_string(settings.batch));
      return m;
    };
    for (std::size_t k = 0; k < n; ++k) {
      job->carried_.h[k] = state("state.h." + std::to_string(k));
      if (!job->carried_.c.empty()) job->carried_.c[k] = state("state.c." + std::to_string(k));
    }
  }
  if (settings_out) *settings_out = settings;
  return job;
}

}  // namespace rnnscope
