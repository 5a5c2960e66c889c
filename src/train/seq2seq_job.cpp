// Contents: defaults and options · optimizer step · Step/ValidationLoss · Evaluate (metrics) ·
// Translate · FillSnapshot · Save/Load · factory.
#include "train/seq2seq_job.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "train/checkpoint.h"
#include "io/safetensors.h"
#include "tasks/saved_examples.h"
#include "train/clipping.h"
#include "train/settings_json.h"

namespace rnnscope {

// ------------------------------------------------------------------------- defaults, options

Seq2SeqJobOptions DefaultSeq2SeqOptions(const std::string& task) {
  Seq2SeqJobOptions o;
  Seq2SeqConfig& m = o.model;
  m.encoder_cell = CellKind::kGru;
  m.decoder_cell = CellKind::kGru;
  m.embed = 32;
  m.encoder_hidden = 64;
  m.decoder_hidden = 64;
  m.bidirectional = true;
  m.attention = AttentionKind::kAdditive;
  m.attention_size = 64;
  m.context = ContextMode::kInit;
  o.task_options = {3, 12};
  if (task == "dates") o.task_options = {1, 40};
  if (task == "add") o.task_options = {3, 7};
  return o;
}

Seq2SeqJobOptions Seq2SeqOptionsFromJson(const std::string& task, const nlohmann::json& j) {
  Seq2SeqJobOptions o = DefaultSeq2SeqOptions(task);
  nlohmann::json cfg = ToJson(o.model);
  try {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "min_length") o.task_options.min_length = it->get<int>();
      else if (it.key() == "max_length") o.task_options.max_length = it->get<int>();
      else if (it.key() == "beam") o.beam_width = it->get<int>();
      else if (it.key() == "data") o.task_options.data_path = it->get<std::string>();
      else if (it.key() == "cell") cfg["encoder_cell"] = cfg["decoder_cell"] = *it;
      else if (it.key() == "hidden") cfg["encoder_hidden"] = cfg["decoder_hidden"] = *it;
      else if (cfg.contains(it.key())) cfg[it.key()] = *it;
      else throw ConfigError("seq2seq option '" + it.key() + "' is unknown");
    }
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("seq2seq options: ") + e.what());
  }
  cfg["source_vocab"] = 4;  // placeholders until the task fills them
  cfg["target_vocab"] = 4;
  cfg["pad_id"] = 0, cfg["sos_id"] = 1, cfg["eos_id"] = 2;
  if (cfg["attention"] == "dot") cfg["decoder_hidden"] = cfg["encoder_hidden"].get<int>() * (cfg["bidirectional"].get<bool>() ? 2 : 1);
  o.model = Seq2SeqConfigFromJson(cfg);
  return o;
}

// ------------------------------------------------------------------------- construction

Seq2SeqJob::Seq2SeqJob(const std::string& task, const Seq2SeqJobOptions& options)
    : Seq2SeqJob(MakeSeq2SeqTask(task, options.task_options), options, DataIdentity::Of(options.task_options.data_path)) {}

Seq2SeqJob::Seq2SeqJob(std::shared_ptr<const Seq2SeqTask> task, const Seq2SeqJobOptions& options, const DataIdentity& data,
                       std::vector<Seq2SeqExample> validation)
    : TrainingJob("seq2seq"), task_(std::move(task)), options_(options), rng_(options.seed), validation_(std::move(validation)) {
  data_ = data;
  data_unavailable_ = task_->DataUnavailable();
  options_.model.source_vocab = task_->source_vocab().Size();
  options_.model.target_vocab = task_->target_vocab().Size();
  // The built-in tasks' 0, 1, 2; a user's vocabulary's own (SymbolTable::FromTokens).
  options_.model.pad_id = task_->target_vocab().pad();
  options_.model.sos_id = task_->target_vocab().sos();
  options_.model.eos_id = task_->target_vocab().eos();
  model_ = Seq2SeqModel<float>(options_.model, options_.seed);
  display_config_ = options_.model.DecoderAsModelConfig();
  // model_ never reallocates after construction: bound once.
  Bind(BindParams(model_.params, model_.grads));
  if (validation_.empty()) {
    Rng vrng(options_.seed ^ 0x5eedull);
    for (int i = 0; i < 256; ++i) validation_.push_back(task_->Sample(vrng, Split::kValidation));
  }
}

RunningModel Seq2SeqJob::Describe() const {
  const Seq2SeqConfig& c = options_.model;
  RunningModel r = RunningModel::Of(task_->Name(), "N→M encoder–decoder", c.EncoderAsModelConfig());
  r.seq2seq = true;
  r.outputs = c.target_vocab;
  r.decoder_cell = c.decoder_cell;
  r.decoder_hidden = c.decoder_hidden;
  r.attention = std::string(AttentionName(c.attention));
  r.data_path = options_.task_options.data_path;
  if (source_layout_) {
    r.source_layout = SourceLayoutLabel(*source_layout_, imported_from_);
    r.import_report = import_report_;
  }
  r.interventions = c.attention == AttentionKind::kNone
                        ? "clamps and pins: the encoder layers (no attention to override)"
                        : "clamps and pins: the encoder layers; attention rows: the decoder's steps";
  return r;
}

// ------------------------------------------------------------------------- training step

float Seq2SeqJob::ForwardBackward(const TrainSettings& s, int64_t& tokens) {
  std::vector<Seq2SeqExample> examples;
  for (int b = 0; b < s.batch; ++b) examples.push_back(task_->Sample(rng_, Split::kTrain));
  const Seq2SeqBatch batch = task_->Batch(examples);
  const float loss = model_.Forward(batch, std::clamp(s.teacher_forcing, 0.0f, 1.0f), &rng_, pass_);
  model_.Backward(batch, pass_);
  tokens = pass_.counted;
  return loss;
}

std::string Seq2SeqJob::ValidationScope() const {
  const std::string note = task_->SplitNote(Split::kValidation);
  return std::to_string(validation_.size()) + " validation examples (fixed, drawn with the seed)" +
         (note.empty() ? "" : "; note: " + note);
}

float Seq2SeqJob::ValidationLoss() {
  double total = 0;
  int count = 0;
  Seq2SeqPass<float> pass;
  for (std::size_t i = 0; i < validation_.size(); i += 64) {
    std::vector<Seq2SeqExample> chunk(validation_.begin() + static_cast<std::ptrdiff_t>(i),
                                      validation_.begin() + static_cast<std::ptrdiff_t>(std::min(i + 64, validation_.size())));
    const float loss = model_.Forward(task_->Batch(chunk), 1.0f, nullptr, pass);
    total += static_cast<double>(loss) * pass.counted;
    count += pass.counted;
  }
  return count ? static_cast<float>(total / count) : 0.0f;
}

// ------------------------------------------------------------------------- evaluation

namespace {

// Corpus BLEU-4 (Papineni et al. 2002) with add-one smoothing of the n > 1 precisions, so short
// outputs with no 4-gram match still score.
double CorpusBleu(const std::vector<std::vector<int32_t>>& hyps, const std::vector<std::vector<int32_t>>& refs) {
  double log_p = 0;
  std::size_t hyp_len = 0, ref_len = 0;
  for (std::size_t n = 1; n <= 4; ++n) {
    double match = 0, total = 0;
    for (std::size_t s = 0; s < hyps.size(); ++s) {
      std::map<std::vector<int32_t>, int> ref_counts;
      const auto& r = refs[s];
      const auto& h = hyps[s];
      for (std::size_t i = 0; i + n <= r.size(); ++i) ++ref_counts[{r.begin() + static_cast<std::ptrdiff_t>(i), r.begin() + static_cast<std::ptrdiff_t>(i + n)}];
      for (std::size_t i = 0; i + n <= h.size(); ++i) {
        auto it = ref_counts.find({h.begin() + static_cast<std::ptrdiff_t>(i), h.begin() + static_cast<std::ptrdiff_t>(i + n)});
        if (it != ref_counts.end() && it->second > 0) --it->second, ++match;
        ++total;
      }
    }
    if (n > 1) match += 1, total += 1;
    if (match <= 0 || total <= 0) return 0.0;
    log_p += std::log(match / total) / 4;
  }
  for (std::size_t s = 0; s < hyps.size(); ++s) hyp_len += hyps[s].size(), ref_len += refs[s].size();
  const double bp = hyp_len >= ref_len || hyp_len == 0 ? 1.0 : std::exp(1.0 - static_cast<double>(ref_len) / static_cast<double>(hyp_len));
  return bp * std::exp(log_p);
}

}  // namespace

nlohmann::json Seq2SeqMetrics::ToJson(bool with_lengths) const {
  nlohmann::json j = {{"examples", examples},
                      {"token_accuracy", token_accuracy},
                      {"sequence_accuracy", sequence_accuracy},
                      {"bleu", bleu}};
  if (has_alignment) j["alignment_accuracy"] = alignment_accuracy;
  if (!note.empty()) j["note"] = note;
  if (with_lengths) {
    j["by_length"] = nlohmann::json::array();
    for (const auto& b : by_length)
      j["by_length"].push_back({{"length", b.length}, {"count", b.count}, {"sequence_accuracy", b.SequenceAccuracy()}});
  }
  return j;
}

Seq2SeqMetrics Seq2SeqJob::Evaluate(Split split, int n, uint64_t seed) const {
  Rng rng(seed);
  std::vector<Seq2SeqExample> all;
  for (int i = 0; i < n; ++i) all.push_back(task_->Sample(rng, split));
  Seq2SeqMetrics m;
  m.examples = n;
  m.note = task_->SplitNote(split);
  m.has_alignment = task_->HasAlignment() && options_.model.attention != AttentionKind::kNone;
  long tokens = 0, token_hits = 0, seq_hits = 0, align_total = 0, align_hits = 0;
  std::map<int, LengthBucket> buckets;
  std::vector<std::vector<int32_t>> hyps, refs;
  Seq2SeqPass<float> pass;
  const int max_len = task_->MaxTargetLength() + 2;
  for (std::size_t i0 = 0; i0 < all.size(); i0 += 128) {
    std::vector<Seq2SeqExample> chunk(all.begin() + static_cast<std::ptrdiff_t>(i0),
                                      all.begin() + static_cast<std::ptrdiff_t>(std::min(i0 + 128, all.size())));
    std::vector<std::vector<int32_t>> out;
    std::vector<MatF> attn;
    model_.Greedy(task_->Batch(chunk), max_len, pass, out, &attn);
    for (std::size_t b = 0; b < chunk.size(); ++b) {
      const Seq2SeqExample& ex = chunk[b];
      std::vector<int32_t> ref = ex.target;
      ref.push_back(task_->target_vocab().eos());
      const auto& hyp = out[b];
      for (std::size_t t = 0; t < ref.size(); ++t) token_hits += t < hyp.size() && hyp[t] == ref[t];
      tokens += static_cast<long>(ref.size());
      const bool exact = hyp == ref;
      seq_hits += exact;
      LengthBucket& bucket = buckets[static_cast<int>(ex.source.size())];
      bucket.length = static_cast<int>(ex.source.size());
      ++bucket.count;
      bucket.correct += exact;
      hyps.emplace_back(hyp.begin(), std::find(hyp.begin(), hyp.end(), task_->target_vocab().eos()));
      refs.push_back(ex.target);
      if (m.has_alignment) {
        for (std::size_t t = 0; t < ex.alignment.size(); ++t) {
          const auto [lo, hi] = ex.alignment[t];
          if (lo < 0) continue;
          ++align_total;
          if (static_cast<Eigen::Index>(t) >= attn[b].rows()) continue;  // never decoded: a miss
          Eigen::Index arg = 0;
          attn[b].row(static_cast<Eigen::Index>(t)).maxCoeff(&arg);
          align_hits += arg >= lo && arg < hi;
        }
      }
    }
  }
  m.token_accuracy = tokens ? static_cast<double>(token_hits) / static_cast<double>(tokens) : 0.0;
  m.sequence_accuracy = n ? static_cast<double>(seq_hits) / n : 0.0;
  m.alignment_accuracy = align_total ? static_cast<double>(align_hits) / static_cast<double>(align_total) : 0.0;
  m.bleu = CorpusBleu(hyps, refs);
  for (const auto& [len, b] : buckets) m.by_length.push_back(b);
  return m;
}

Translation Seq2SeqJob::Translate(const std::string& text, int beam_width, const std::string& prefix) const {
  std::vector<int32_t> source = task_->EncodeSource(text);
  source.push_back(task_->source_vocab().eos());
  const std::vector<int32_t> forced = prefix.empty() ? std::vector<int32_t>{} : task_->EncodeTarget(prefix);
  Translation t;
  for (int32_t id : source) t.source_tokens.push_back(task_->source_vocab().Token(id));
  const auto beam = model_.Beam(source, std::max(1, beam_width),
                                task_->MaxTargetLength() + 2 + static_cast<int>(forced.size()), nullptr, forced);
  for (const auto& h : beam) {
    t.beam_outputs.push_back(task_->DecodeTarget(h.tokens));
    t.beam_scores.push_back(h.score);
  }
  if (!beam.empty()) {
    t.output = t.beam_outputs.front();
    for (int32_t id : beam.front().tokens) t.output_tokens.push_back(task_->target_vocab().Token(id));
    t.attention = beam.front().attention;
  }
  return t;
}

// ------------------------------------------------------------------------- interventions

namespace {

// The clamps of each encoder layer/direction and the attention rows that apply (training: only
// those marked for training).
Seq2SeqInterventions ResolveSeq2SeqInterventions(const Seq2SeqConfig& c, const std::vector<Intervention>& all,
                                                 bool training) {
  Seq2SeqInterventions out;
  const int D = c.Directions();
  out.encoder.resize(static_cast<std::size_t>(c.encoder_layers * D));
  for (int l = 0; l < c.encoder_layers; ++l)
    for (int d = 0; d < D; ++d)
      out.encoder[static_cast<std::size_t>(l * D + d)] = ResolveInterventions(all, l, d, training);
  if (c.attention != AttentionKind::kNone) out.attention = ResolveAttentionOverrides(all, training);
  return out;
}

}  // namespace

bool Seq2SeqJob::SetDecoderPrefix(const std::string& tokens) {
  decoder_prefix_ = tokens.empty() ? std::vector<int32_t>{} : task_->EncodeTarget(tokens);  // throws first
  decoder_prefix_text_ = decoder_prefix_.empty() ? std::string() : tokens;
  return true;
}

bool Seq2SeqJob::SetInterventions(const std::vector<Intervention>& interventions) {
  interventions_ = interventions;
  // Training's pass keeps them (every forward reapplies pass.interventions): set once, here.
  pass_.interventions = ResolveSeq2SeqInterventions(options_.model, interventions_, true);
  probe_interventions_ = ResolveSeq2SeqInterventions(options_.model, interventions_, false);
  for (const Intervention& i : interventions_) {
    if (i.target == InterventionTarget::kAttentionRow ? options_.model.attention == AttentionKind::kNone
                                                      : i.layer >= options_.model.encoder_layers)
      return false;
  }
  return true;
}

// ------------------------------------------------------------------------- snapshot

void Seq2SeqJob::FillSnapshot(const std::string& probe, const TrainSettings& /*settings*/, Snapshot& out) {
  out.task = task_->Name();
  out.config = display_config_;
  out.vocab = task_->target_vocab().tokens();
  FillParameterStats(out);  // before the probe's backward overwrites the gradients
  // The probe: the user's text (target = the model's own greedy output) or validation example 0.
  Seq2SeqExample ex;
  if (!probe.empty()) {
    ex.source = task_->EncodeSource(probe);
    Seq2SeqPass<float> p;
    p.interventions = probe_interventions_;  // the probe's output is what the changed model says
    std::vector<std::vector<int32_t>> outs;
    model_.Greedy(task_->Batch({Seq2SeqExample{ex.source, {}, {}}}), task_->MaxTargetLength() + 2, p, outs, nullptr);
    for (int32_t id : outs[0]) if (id != task_->target_vocab().eos()) ex.target.push_back(id);
    if (ex.target.empty()) ex.target.push_back(task_->target_vocab().pad());
  } else {
    ex = validation_.front();
  }
  const Seq2SeqBatch batch = task_->Batch({ex});
  Seq2SeqPass<float> pass;
  pass.interventions = probe_interventions_;
  out.probe_loss = model_.Forward(batch, 1.0f, nullptr, pass);
  model_.Backward(batch, pass);  // for the per-step gradient norms
  model_.grads.SetZero();
  out.probe_tokens.clear();
  for (int32_t id : batch.source) out.probe_tokens.push_back(task_->source_vocab().Token(id));
  out.probe_targets.clear();
  for (int32_t id : batch.target) out.probe_targets.push_back(id >= 0 ? task_->target_vocab().Token(id) : "");
  out.probe_probs = pass.probs;
  out.layers.clear();
  const int D = options_.model.Directions();
  // The reverse encoder direction runs forward over the permuted source: shown in source order.
  for (int l = 0; l < options_.model.encoder_layers; ++l)
    for (int d = 0; d < D; ++d) {
      out.layers.emplace_back();
      TraceLayer(pass.encoder[static_cast<std::size_t>(l * D + d)], options_.model.encoder_cell, l, d,
                 Order(batch.Ts, d == 1), out.layers.back());
    }
  for (std::size_t l = 0; l < pass.decoder.size(); ++l) {
    out.layers.emplace_back();
    TraceLayer(pass.decoder[l], options_.model.decoder_cell, options_.model.encoder_layers + static_cast<int>(l), 0,
               Order(batch.To, false), out.layers.back());
  }

  // Attention of greedy decodes: the probe first, then a few validation examples.
  out.attention.clear();
  std::vector<Seq2SeqExample> shown = {ex};
  for (std::size_t i = 1; i < 4 && i < validation_.size(); ++i) shown.push_back(validation_[i]);
  std::vector<std::vector<int32_t>> outs;
  std::vector<MatF> attn;
  Seq2SeqPass<float> p;
  p.interventions = probe_interventions_;
  model_.Greedy(task_->Batch(shown), task_->MaxTargetLength() + 2, p, outs, &attn);
  // With interventions, also what the unchanged model says, so the panel can show the effect.
  const bool intervened = !probe_interventions_.attention.empty() ||
                          std::any_of(probe_interventions_.encoder.begin(), probe_interventions_.encoder.end(),
                                      [](const std::vector<UnitIntervention>& v) { return !v.empty(); });
  std::vector<std::vector<int32_t>> plain_outs;
  if (intervened) {
    Seq2SeqPass<float> plain;
    model_.Greedy(task_->Batch(shown), task_->MaxTargetLength() + 2, plain, plain_outs, nullptr);
  }
  std::string sample;
  for (std::size_t b = 0; b < shown.size(); ++b) {
    AttentionTrace a;
    for (int32_t id : shown[b].source) a.source_tokens.push_back(task_->source_vocab().Token(id));
    a.source_tokens.push_back(task_->source_vocab().Token(task_->source_vocab().eos()));
    for (int32_t id : outs[b]) a.output_tokens.push_back(task_->target_vocab().Token(id));
    a.weights = attn[b];
    for (const AttentionRowOverride& o : probe_interventions_.attention)
      if (o.step < a.weights.rows()) a.overridden_rows.push_back(o.step);
    if (intervened)
      for (int32_t id : plain_outs[b]) a.plain_output_tokens.push_back(task_->target_vocab().Token(id));
    a.source_text = task_->DecodeSource(shown[b].source);
    a.output_text = task_->DecodeTarget(outs[b]);
    if (intervened) a.plain_output_text = task_->DecodeTarget(plain_outs[b]);
    if (b == 0) {
      std::vector<int32_t> src = shown[b].source;
      src.push_back(task_->source_vocab().eos());
      const int max_len = task_->MaxTargetLength() + 2 + static_cast<int>(decoder_prefix_.size());
      if (!decoder_prefix_.empty()) {
        // Greedy from the forced prefix: a beam of width 1 (Beam's prefix), its attention rows.
        const std::vector<BeamHypothesis> g = model_.Beam(src, 1, max_len, &probe_interventions_, decoder_prefix_);
        a.output_tokens.clear();
        for (int32_t id : g.front().tokens) a.output_tokens.push_back(task_->target_vocab().Token(id));
        a.weights = g.front().attention;
        a.output_text = task_->DecodeTarget(g.front().tokens);
        a.forced_prefix = decoder_prefix_text_;
        a.forced_prefix_tokens = static_cast<int>(decoder_prefix_.size());
      }
      for (const auto& h : model_.Beam(src, options_.beam_width, max_len, &probe_interventions_, decoder_prefix_)) {
        a.beam_outputs.push_back(task_->DecodeTarget(h.tokens));
        a.beam_scores.push_back(h.score);
      }
    }
    sample += task_->DecodeSource(shown[b].source) + " → " + task_->DecodeTarget(outs[b]) +
              (probe.empty() || b > 0 ? "   (target " + task_->DecodeTarget(shown[b].target) + ")" : "") + "\n";
    out.attention.push_back(std::move(a));
  }
  out.sample = sample;
}

// ------------------------------------------------------------------------- checkpoints

nlohmann::json Seq2SeqJob::Definition() const {
  nlohmann::json def = {{"seq2seq", ToJson(options_.model)},
          {"task_options", {{"min_length", options_.task_options.min_length},
                            {"max_length", options_.task_options.max_length},
                            {"data", options_.task_options.data_path}}},
          {"seed", options_.seed},
          {"beam", options_.beam_width},
          {"source_vocab", task_->source_vocab().tokens()},
          {"target_vocab", task_->target_vocab().tokens()},
          // A file-backed task's fixed validation pairs: the checkpoint still opens, scores and
          // shows them when the file is gone (tasks/saved_examples.h). Generated tasks regrow them.
          {"validation", data_.path.empty() ? nlohmann::json() : SavedExamplesToJson(validation_)}};
  if (source_layout_) {
    def["source_layout"] = SourceLayoutToJson(*source_layout_);
    def["imported_from"] = imported_from_;
    def["source_vocab_file"] = source_vocab_path_;
    def["target_vocab_file"] = target_vocab_path_;
  }
  return def;
}

nlohmann::json Seq2SeqJob::TrainingState(TensorFile& /*file*/) const { return {{"rng", ToJson(rng_.State())}}; }

std::unique_ptr<Seq2SeqJob> Seq2SeqJob::Load(const std::string& path, TrainSettings* settings_out) {
  const TensorFile file = ReadSafetensors(path);
  file.CheckFinite();  // training never applies a non-finite update
  return LoadFrom(file, GetMetadata(file), nullptr, settings_out);
}

std::unique_ptr<Seq2SeqJob> Seq2SeqJob::LoadFrom(const TensorFile& file, const nlohmann::json& meta, const Job* donor,
                                                 TrainSettings* settings_out) {
  const std::string& path = file.source;
  if (meta.value("kind", "") != "seq2seq")
    throw InputError(path + ": not a seq2seq checkpoint (task '" + meta.value("task", "?") + "')");
  try {
    const nlohmann::json& def = meta.at("definition");
    Seq2SeqJobOptions o;
    o.model = Seq2SeqConfigFromJson(def.at("seq2seq"));
    o.task_options.min_length = def.at("task_options").at("min_length").get<int>();
    o.task_options.max_length = def.at("task_options").at("max_length").get<int>();
    o.task_options.data_path = def.at("task_options").value("data", "");
    o.seed = def.at("seed").get<uint64_t>();
    o.beam_width = def.value("beam", 4);
    const TrainSettings settings = TrainSettingsFromJson(meta.at("settings"));
    const DataIdentity data = DataIdentity::FromJson(meta.at("data"));
    const std::string task = meta.at("task").get<std::string>();
    std::unique_ptr<Seq2SeqJob> job;
    const DataRung<Seq2SeqJob> rung = ChooseDataRung<Seq2SeqJob>(donor, data, [&](const Seq2SeqJob& d) {
      return d.Task() == task && d.options_.task_options.data_path == o.task_options.data_path &&
             d.options_.task_options.min_length == o.task_options.min_length &&
             d.options_.task_options.max_length == o.task_options.max_length;
    });
    if (rung.kind == DataRung<Seq2SeqJob>::kDonor) {
      job = std::make_unique<Seq2SeqJob>(rung.donor->task_, o, rung.donor->data_, rung.donor->validation_);
    } else if (rung.kind == DataRung<Seq2SeqJob>::kFile && task == kImportedSeq2SeqTask) {
      // The vocabularies are the checkpoint's (the model's ids), the pairs the recorded file.
      VocabPairsOptions v{def.at("source_vocab").get<std::vector<std::string>>(),
                          def.at("target_vocab").get<std::vector<std::string>>(), path + " (source_vocab)",
                          path + " (target_vocab)", o.task_options.data_path};
      job = std::make_unique<Seq2SeqJob>(std::shared_ptr<const Seq2SeqTask>(MakeVocabPairsTask(task, v)), o,
                                         DataIdentity::Of(o.task_options.data_path));
    } else if (rung.kind == DataRung<Seq2SeqJob>::kFile) {
      job = std::make_unique<Seq2SeqJob>(task, o);
    } else {
      const nlohmann::json& saved = def.contains("validation") ? def.at("validation") : nlohmann::json();
      if (!saved.is_array()) throw InputError(path + ": " + rung.changed);  // a checkpoint from before examples were saved
      std::vector<Seq2SeqExample> validation = Seq2SeqExamplesFromJson(saved);
      auto saved_task = std::shared_ptr<const Seq2SeqTask>(MakeSavedSeq2SeqTask(
          task, def.at("source_vocab").get<std::vector<std::string>>(), def.at("target_vocab").get<std::vector<std::string>>(),
          validation, rung.changed));
      job = std::make_unique<Seq2SeqJob>(saved_task, o, data, std::move(validation));
    }
    if (job->task_->source_vocab().tokens() != def.at("source_vocab").get<std::vector<std::string>>() ||
        job->task_->target_vocab().tokens() != def.at("target_vocab").get<std::vector<std::string>>())
      throw InputError(path + ": the task's vocabularies differ from the checkpoint's (data file changed?)");
    if (def.contains("source_layout")) {
      job->source_layout_ = SourceLayoutFromJson(def.at("source_layout"), path);
      job->imported_from_ = def.value("imported_from", "");
      job->source_vocab_path_ = def.value("source_vocab_file", "");
      job->target_vocab_path_ = def.value("target_vocab_file", "");
    }
    job->RestoreTraining(file, meta, settings);
    job->rng_.SetState(RngStateFromJson(meta.at("state").at("rng")));
    if (settings_out) *settings_out = settings;
    return job;
  } catch (const std::exception& e) {
    RethrowNamingCheckpoint(path, e);
  }
}

std::unique_ptr<Job> MakeSeq2SeqJob(const std::string& task, const nlohmann::json* overrides, uint64_t seed) {
  Seq2SeqJobOptions o = overrides ? Seq2SeqOptionsFromJson(task, *overrides) : DefaultSeq2SeqOptions(task);
  o.seed = seed;
  return std::make_unique<Seq2SeqJob>(task, o);
}

}  // namespace rnnscope
