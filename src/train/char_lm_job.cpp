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
constexpr int kDefaultProbeLength = 80;
// Validation covers the whole split up to this many characters; a larger split is evaluated on
// its first kValidationMaxTokens, and ValidationScope says so.
constexpr std::size_t kValidationMaxTokens = 1'000'000;
constexpr int kValidationStreams = 32;   // parallel streams, each a contiguous stretch of the split
constexpr int kValidationChunk = 256;    // timesteps per forward, state carried across chunks

std::string WithThousands(std::size_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::shared_ptr<CharLmCorpus> ReadCorpus(const std::string& text_path, uint64_t seed) {
  TextCorpus text;
  if (text_path.empty()) {
    ProceduralCorpusOptions options;
    options.seed = seed;
    text = MakeProceduralTextCorpus(GenerateProceduralCorpus(options), seed);
  } else {
    text = LoadTextCorpus(text_path);
  }
  auto corpus = std::make_shared<CharLmCorpus>();
  corpus->source = text_path.empty() ? std::string("built-in corpus") : text.source;
  corpus->vocab = std::move(text.vocab);
  corpus->train = std::move(text.train);
  corpus->validation = std::move(text.validation);
  return corpus;
}

}  // namespace

// ---------------------------------------------------------------- construction and data

void CharLmJob::LoadData(const JobSpec& spec) {
  auto corpus = ReadCorpus(spec.text_path, spec.settings.seed);
  if (corpus->validation.size() < 2)
    throw InputError(corpus->source + ": text too short to split into training and validation");
  corpus_ = std::move(corpus);
  data_ = DataIdentity::Of(spec.text_path);
}

CharLmJob::CharLmJob(const JobSpec& spec) : TrainingJob("charlm"), spec_(spec) {
  ValidateSettings(spec.settings);
  if (!spec.weights_path.empty()) {
    InitFromPyTorch(spec);
  } else {
    LoadData(spec);
    ModelConfig config = spec.model;
    config.vocab = corpus_->vocab.Size();
    config.Validate();
    spec_.model = config;
    model_ = RnnModel<float>(config, spec.settings.seed);
  }
  // A language model predicts character t+1 from characters ≤ t; a reverse direction reads
  // t+1 itself, so its loss would be near zero and false (0.11 nats on Shakespeare).
  if (model_.config().bidirectional)
    throw ConfigError("a bidirectional char LM is refused: its reverse direction reads the very characters it "
                      "is asked to predict, so its loss would be false; use a unidirectional model (bidirectional "
                      "layers suit the tagging and classification tasks and seq2seq encoders)");
  Bind(ParamRefs(model_.params, model_.grads));
  sample_rng_.Seed(spec.settings.seed ^ 0x5A5A5A5AULL);
  ConfigureBatcher(spec.settings);
}

void CharLmJob::ConfigureBatcher(const TrainSettings& s) {
  if (!corpus_->unavailable.empty()) return;  // nothing to batch: TrainingJob::Step refuses
  if (batcher_ && batcher_->batch() == s.batch && batcher_->seq_len() == s.seq_len &&
      batcher_->sequential() == s.sequential)
    return;
  batcher_ = std::make_unique<CharBatcher>(corpus_->train, s.batch, s.seq_len, s.sequential, s.seed);
  have_carried_ = false;
}

RunningModel CharLmJob::Describe() const {
  RunningModel r = RunningModel::Of("charlm", "language model", model_.config());
  r.data_path = data_.path.empty() ? spec_.text_path : data_.path;
  r.imported_from = spec_.weights_path;
  if (source_layout_) {
    r.source_layout = SourceLayoutLabel(*source_layout_, spec_.weights_path);
    r.import_report = source_layout_->report;
  }
  r.interventions = "clamps and pins: every recurrent layer and direction";
  return r;
}

// ---------------------------------------------------------------- the training step

void CharLmJob::PrepareStep(const TrainSettings& settings) { ConfigureBatcher(settings); }

float CharLmJob::ForwardBackward(const TrainSettings& settings, int64_t& tokens) {
  const bool reset = batcher_->Next(batch_);
  // Truncated BPTT: carry the forward state across consecutive chunks.
  const bool carry = settings.sequential && have_carried_ && !reset;
  // Dropout masks from the seed and the step: a replayed step (time travel, resume, a
  // rejected step retried) draws the same ones.
  const bool drop = settings.dropout > 0.0f;
  if (drop)
    MakeDropoutMasks(model_.config(), DropoutRates::All(settings.dropout), batch_.T, batch_.B,
                     DropoutSeed(settings.seed, StepCount()), dropout_masks_);
  const float loss = model_.Forward(batch_, carry ? &carried_ : nullptr, pass_, drop ? &dropout_masks_ : nullptr);
  tokens = static_cast<int64_t>(batch_.T) * batch_.B;
  model_.Backward(batch_, pass_);
  return loss;
}

void CharLmJob::OnStepApplied() {
  model_.FinalState(pass_, carried_);
  have_carried_ = true;
}

std::string CharLmJob::NonFiniteForward() const {
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

// ---------------------------------------------------------------- validation

float CharLmJob::ValidationLoss() {
  // The split (up to kValidationMaxTokens) as kValidationStreams contiguous stretches run side
  // by side, each from a zero state carried across chunks, plus the few characters left over as
  // one more stream: every character of the split but the first is predicted exactly once.
  const std::vector<int32_t>& val = corpus_->validation;
  const std::size_t n = std::min(val.size(), kValidationMaxTokens);
  if (n < 2) return std::numeric_limits<float>::quiet_NaN();
  const std::size_t predicted = n - 1;
  const int B = static_cast<int>(std::min<std::size_t>(kValidationStreams, predicted));
  const std::size_t L = predicted / static_cast<std::size_t>(B);  // characters each stream predicts
  double total = 0;
  std::size_t count = 0;
  ForwardPass<float> pass;
  RecurrentState<float> state;
  auto run = [&](std::size_t first, std::size_t length, int streams) {
    for (std::size_t t0 = 0; t0 < length; t0 += kValidationChunk) {
      TokenBatch batch;
      batch.T = static_cast<int>(std::min<std::size_t>(kValidationChunk, length - t0));
      batch.B = streams;
      batch.input.resize(static_cast<std::size_t>(batch.T * streams));
      batch.target.resize(batch.input.size());
      for (int b = 0; b < streams; ++b)
        for (int t = 0; t < batch.T; ++t) {
          const std::size_t src = first + static_cast<std::size_t>(b) * length + t0 + static_cast<std::size_t>(t);
          batch.input[static_cast<std::size_t>(t * streams + b)] = val[src];
          batch.target[static_cast<std::size_t>(t * streams + b)] = val[src + 1];
        }
      const float loss = model_.Forward(batch, t0 > 0 ? &state : nullptr, pass);
      model_.FinalState(pass, state);
      total += static_cast<double>(loss) * static_cast<double>(batch.input.size());
      count += batch.input.size();
    }
  };
  run(0, L, B);
  const std::size_t rest = predicted - L * static_cast<std::size_t>(B);
  if (rest > 0) run(L * static_cast<std::size_t>(B), rest, 1);
  return count ? static_cast<float>(total / static_cast<double>(count)) : std::numeric_limits<float>::quiet_NaN();
}

std::string CharLmJob::ValidationScope() const {
  const std::size_t n = corpus_->validation.size();
  if (!corpus_->unavailable.empty()) return "the checkpoint's probe text (" + WithThousands(n) + " characters; the data file is unavailable)";
  if (n > kValidationMaxTokens)
    return "the first " + WithThousands(kValidationMaxTokens) + " of the validation split's " + WithThousands(n) + " characters";
  return "the whole validation split (" + WithThousands(n) + " characters)";
}

// ---------------------------------------------------------------- snapshot

void CharLmJob::FillSnapshot(const std::string& probe, const TrainSettings& settings, Snapshot& out) {
  const ModelConfig& c = model_.config();
  out.vocab.clear();
  for (int32_t i = 0; i < corpus_->vocab.Size(); ++i) out.vocab.push_back(corpus_->vocab.Token(i));

  // Parameter statistics first: the gradients are still those of the last training step.
  FillParameterStats(out);

  // The probe: the user's text, or a slice of the validation text.
  std::vector<int32_t> ids;
  if (!probe.empty()) {
    ids = corpus_->vocab.Encode(probe, UnknownPolicy::kSkip);
    if (ids.empty()) throw InputError("probe text has no character the model knows");
  } else {
    const std::vector<int32_t>& val = corpus_->validation;
    ids.assign(val.begin(), val.begin() + std::min<std::ptrdiff_t>(kDefaultProbeLength, static_cast<std::ptrdiff_t>(val.size())));
  }
  if (static_cast<int>(ids.size()) > kProbeMaxLength) ids.resize(kProbeMaxLength);
  TokenBatch batch;
  batch.T = static_cast<int>(ids.size());
  batch.B = 1;
  batch.input = ids;
  batch.target.assign(ids.size(), -1);
  for (std::size_t t = 0; t + 1 < ids.size(); ++t) batch.target[t] = ids[t + 1];
  SetLayerInterventions(probe_pass_.layers, c.layers, c.Directions(), interventions_, false);
  out.probe_loss = model_.Forward(batch, nullptr, probe_pass_);
  // Backward only for the per-timestep gradient norms; parameter gradients are scratch here
  // (the next Step zeroes them before use).
  model_.Backward(batch, probe_pass_);

  out.probe_tokens.clear();
  out.probe_targets.clear();
  for (std::size_t t = 0; t < ids.size(); ++t) {
    out.probe_tokens.push_back(corpus_->vocab.Token(ids[t]));
    out.probe_targets.push_back(t + 1 < ids.size() ? corpus_->vocab.Token(ids[t + 1]) : std::string());
  }
  out.probe_probs = probe_pass_.probs;
  const int D = c.Directions();
  const std::vector<int> order = Order(batch.T, false);  // RnnModel's caches are in text order
  out.layers.clear();
  for (int l = 0; l < c.layers; ++l)
    for (int d = 0; d < D; ++d) {
      out.layers.emplace_back();
      TraceLayer(probe_pass_.layers[static_cast<std::size_t>(l * D + d)], c.cell, l, d, order, out.layers.back());
    }

  // A fresh sample about once a second: generating is sequential and not free.
  const auto now = std::chrono::steady_clock::now();
  if (cached_sample_.empty() || now - sample_time_ > std::chrono::seconds(1)) {
    cached_sample_ = Sample(corpus_->vocab.Token(ids[0]), 240, settings.temperature, sample_rng_);
    sample_time_ = now;
  }
  out.sample = cached_sample_;
}

DynamicsSource CharLmJob::Dynamics() const {
  DynamicsSource d;
  d.task = Task();
  d.config = model_.config();
  d.params = CastParams<double>(model_.params);
  d.per_step_readout = true;
  for (int32_t i = 0; i < corpus_->vocab.Size(); ++i) d.tokens.push_back(corpus_->vocab.Token(i));
  d.outputs = d.tokens;  // it predicts the next character
  const int32_t space = corpus_->vocab.Id(U' ');
  if (space >= 0) {
    d.default_input = space;
    d.default_input_why = "a space";
  } else {
    d.default_input_why = "the first token (the text has no space)";
  }
  // kDynamicsChunks chunks of the validation text spread over it, each read from the zero state
  // (about 1,600 states, the order of Sussillo & Barak's starts; a Step of one column is cheap).
  constexpr std::size_t kDynamicsChunks = 8, kDynamicsChunkLength = 200;
  const std::vector<int32_t>& val = corpus_->validation;
  const std::size_t length = std::min(kDynamicsChunkLength, val.size());
  if (length > 0)
    for (std::size_t k = 0; k < kDynamicsChunks; ++k) {
      const std::size_t at = (val.size() - length) * k / (kDynamicsChunks - 1 > 0 ? kDynamicsChunks - 1 : 1);
      d.held_out.emplace_back(val.begin() + static_cast<std::ptrdiff_t>(at),
                              val.begin() + static_cast<std::ptrdiff_t>(at + length));
    }
  return d;
}

bool CharLmJob::SetInterventions(const std::vector<Intervention>& interventions) {
  interventions_ = interventions;
  // Training's pass keeps them (Forward preserves pass.layers' elements): set once, here, so
  // the step itself does no extra work. The probe resolves its own in FillSnapshot.
  SetLayerInterventions(pass_.layers, model_.config().layers, model_.config().Directions(), interventions_, true);
  // Attention rows need a seq2seq model with attention: say so rather than ignore them.
  return std::none_of(interventions.begin(), interventions.end(),
                      [](const Intervention& i) { return i.target == InterventionTarget::kAttentionRow; });
}

double CharLmJob::UnigramEntropy() const {
  std::vector<double> counts(static_cast<std::size_t>(corpus_->vocab.Size()), 0.0);
  for (int32_t id : corpus_->train) counts[static_cast<std::size_t>(id)] += 1;
  double entropy = 0;
  const double n = static_cast<double>(corpus_->train.size());
  for (double c : counts)
    if (c > 0) entropy -= c / n * std::log(c / n);
  return entropy;
}

// ---------------------------------------------------------------- sampling

std::string CharLmJob::Sample(const std::string& prime, int length, float temperature, Rng& rng) const {
  std::vector<int32_t> ids = corpus_->vocab.Encode(prime, UnknownPolicy::kSkip);
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
    text += corpus_->vocab.Token(next);
    batch.input.assign(1, next);
    model_.Forward(batch, &state, pass);
  }
  return text;
}

// ---------------------------------------------------------------- checkpoints

nlohmann::json CharLmJob::Definition() const {
  // The probe text is kept so that a checkpoint whose data file is gone still opens and shows it.
  const std::vector<int32_t>& val = corpus_->validation;
  const std::vector<int32_t> probe(val.begin(), val.begin() + std::min<std::ptrdiff_t>(kProbeMaxLength, static_cast<std::ptrdiff_t>(val.size())));
  nlohmann::json def = {{"model", ToJson(model_.config())},
                        {"text_path", spec_.text_path},
                        {"imported_from", spec_.weights_path},
                        {"corpus_seed", spec_.settings.seed},
                        {"vocab", corpus_->vocab.ToJson()},
                        {"probe", corpus_->vocab.Decode(probe)}};
  if (source_layout_) def["source_layout"] = SourceLayoutToJson(*source_layout_);
  return def;
}

nlohmann::json CharLmJob::TrainingState(TensorFile& file) const {
  for (std::size_t k = 0; have_carried_ && k < carried_.h.size(); ++k) {
    file.SetMatrix("state.h." + std::to_string(k), carried_.h[k]);
    if (k < carried_.c.size()) file.SetMatrix("state.c." + std::to_string(k), carried_.c[k]);
  }
  return {{"batcher", batcher_ ? batcher_->SaveState() : nlohmann::json()},
          {"sample_rng", ToJson(sample_rng_.State())},
          {"carried", have_carried_}};
}

std::unique_ptr<CharLmJob> CharLmJob::Load(const std::string& path, TrainSettings* settings_out) {
  const TensorFile file = ReadSafetensors(path);
  // Training never applies a non-finite update, so NaN/Inf here means a corrupt or foreign file.
  file.CheckFinite();
  return LoadFrom(file, GetMetadata(file), nullptr, settings_out);
}

std::unique_ptr<CharLmJob> CharLmJob::LoadFrom(const TensorFile& file, const nlohmann::json& meta, const Job* donor,
                                               TrainSettings* settings_out) {
  const std::string& path = file.source;
  // Every metadata field below has the type and range we wrote: anything else is a damaged or
  // hand-edited file, reported with the path (not as an internal error).
  try {
    const std::string task = meta.at("task").get<std::string>();
    if (meta.at("kind").get<std::string>() != "charlm" || task != "charlm")
      throw InputError(path + ": checkpoint is for task '" + task + "', not charlm");
    const nlohmann::json& def = meta.at("definition");
    auto job = std::unique_ptr<CharLmJob>(new CharLmJob());
    JobSpec& spec = job->spec_;
    spec.task = "charlm";
    spec.text_path = def.at("text_path").get<std::string>();
    spec.weights_path = def.value("imported_from", std::string());
    if (def.contains("source_layout")) job->source_layout_ = SourceLayoutFromJson(def.at("source_layout"), path);
    spec.model = ModelConfigFromJson(def.at("model"));
    if (spec.model.bidirectional)
      throw InputError(path + ": a bidirectional char LM: its reverse direction reads the characters it predicts, "
                       "so its losses are false; this rnnscope refuses it");
    const TrainSettings settings = TrainSettingsFromJson(meta.at("settings"));
    spec.settings = settings;
    // The procedural corpus is regenerated from the seed it was made with.
    spec.settings.seed = def.at("corpus_seed").get<uint64_t>();
    ValidateSettings(spec.settings);
    const Vocab saved = Vocab::FromJson(def.at("vocab"));
    const DataIdentity data = DataIdentity::FromJson(meta.at("data"));

    // The corpus, down the ladder (train/training_job.h ChooseDataRung).
    const DataRung<CharLmJob> rung = ChooseDataRung<CharLmJob>(donor, data, [&](const CharLmJob& d) {
      return d.spec_.text_path == spec.text_path && d.spec_.settings.seed == spec.settings.seed && d.corpus_->vocab == saved;
    });
    if (rung.kind == DataRung<CharLmJob>::kDonor) {
      job->corpus_ = rung.donor->corpus_;
      job->data_ = rung.donor->data_;
    } else if (rung.kind == DataRung<CharLmJob>::kFile) {
      job->LoadData(spec);
      if (!(job->corpus_->vocab == saved)) {
        // The same bytes (the hash matched) in another vocabulary: a model imported from
        // PyTorch with its own token list. Without a recorded hash (version 1) it is a mismatch.
        if (data.fnv1a64.empty() && spec.weights_path.empty())
          throw InputError(path + ": the vocabulary in the checkpoint does not match " + job->corpus_->source);
        auto recoded = std::make_shared<CharLmCorpus>(*job->corpus_);
        recoded->vocab = saved;
        recoded->train = saved.Encode(job->corpus_->vocab.Decode(job->corpus_->train), UnknownPolicy::kSkip);
        recoded->validation = saved.Encode(job->corpus_->vocab.Decode(job->corpus_->validation), UnknownPolicy::kSkip);
        job->corpus_ = std::move(recoded);
      }
    } else {
      auto corpus = std::make_shared<CharLmCorpus>();
      corpus->source = data.path;
      corpus->vocab = saved;
      corpus->validation = saved.Encode(def.value("probe", std::string()), UnknownPolicy::kSkip);
      corpus->unavailable = rung.changed;
      if (corpus->validation.size() < 2) corpus->validation = {0, 0};
      job->corpus_ = std::move(corpus);
      job->data_ = data;
    }
    job->data_unavailable_ = job->corpus_->unavailable;  // Step refuses to train without the data
    spec.model.vocab = job->corpus_->vocab.Size();
    job->model_ = RnnModel<float>(spec.model, spec.settings.seed);
    job->Bind(ParamRefs(job->model_.params, job->model_.grads));
    job->RestoreTraining(file, meta, settings);
    const nlohmann::json& state = meta.at("state");
    job->ConfigureBatcher(settings);
    if (job->batcher_ && state.contains("batcher") && !state.at("batcher").is_null())
      job->batcher_->LoadState(state.at("batcher"));
    job->sample_rng_.SetState(RngStateFromJson(state.at("sample_rng")));
    job->have_carried_ = state.value("carried", false) && job->corpus_->unavailable.empty();
    if (job->have_carried_) {
      const std::size_t n = job->model_.params.rnn.size();
      job->carried_.h.resize(n);
      job->carried_.c.resize(HasCellState(spec.model.cell) ? n : 0);
      auto read_state = [&](const std::string& name) {
        MatF m = file.GetMatrix<float>(name);
        if (m.rows() != spec.model.hidden || m.cols() != settings.batch)
          throw ShapeError(path + ": tensor '" + name + "' is " + std::to_string(m.rows()) + "x" +
                           std::to_string(m.cols()) + ", expected hidden x batch = " +
                           std::to_string(spec.model.hidden) + "x" + std::to_string(settings.batch));
        return m;
      };
      for (std::size_t k = 0; k < n; ++k) {
        job->carried_.h[k] = read_state("state.h." + std::to_string(k));
        if (!job->carried_.c.empty()) job->carried_.c[k] = read_state("state.c." + std::to_string(k));
      }
    }
    if (settings_out) *settings_out = settings;
    return job;
  } catch (const std::exception& e) {
    RethrowNamingCheckpoint(path, e);
  }
}

}  // namespace rnnscope
