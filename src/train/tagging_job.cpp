// Contents: construction · training batch and validation · evaluation · snapshot.
#include "train/tagging_job.h"

#include <cstdio>
#include <map>
#include <set>

#include "core/error.h"
#include "tasks/saved_examples.h"

namespace rnnscope {

namespace {

DataIdentity DataOf(const StructureJobOptions& options) {
  const auto data = options.task_options.find("data");
  return data != options.task_options.end() && data->is_string() && !data->get<std::string>().empty()
             ? DataIdentity::Of(data->get<std::string>())
             : DataIdentity{};
}

}  // namespace

TaggingJob::TaggingJob(const std::string& task, const StructureJobOptions& options)
    : TaggingJob(task, MakeTaggingTask(task, options.task_options), options, DataOf(options)) {}

TaggingJob::TaggingJob(const std::string& task, std::shared_ptr<const TaggingTask> built, const StructureJobOptions& options,
                       const DataIdentity& data, std::vector<TaggingExample> validation)
    : StructureJob(task, options), task_(std::move(built)), validation_(std::move(validation)) {
  data_ = data;
  data_unavailable_ = task_->DataUnavailable();
  config_.kind = StructureKind::kTagger;
  config_.rnn.vocab = task_->words().Size();
  config_.classes = static_cast<int>(task_->tags().size());
  model_ = TaggerModel<float>(config_, options.seed);
  Bind(model_.params, model_.grads);
  if (validation_.empty()) {
    Rng vrng(options.seed ^ 0x5eedull);
    for (int i = 0; i < 256; ++i) validation_.push_back(task_->Sample(vrng, Split::kValidation));
  }
}

nlohmann::json TaggingJob::Vocabulary() const {
  return {{"words", task_->words().tokens()}, {"tags", task_->tags()}};
}

// A file's validation sentences, so that the checkpoint opens and scores without the file.
nlohmann::json TaggingJob::SavedValidation() const {
  return data_.path.empty() ? nlohmann::json() : SavedExamplesToJson(validation_);
}

DynamicsSource TaggingJob::Dynamics() const {
  std::vector<const std::vector<int32_t>*> held_out;
  for (const TaggingExample& ex : validation_) held_out.push_back(&ex.words);
  std::string why;
  const int32_t rest = task_->RestInput(&why);
  DynamicsSource d = EncoderDynamics(model_.params, task_->words().tokens(), held_out, rest, why);
  d.per_step_readout = true;
  d.outputs = task_->tags();
  // fc's rows are the tags: the per-position analyses (a RnnModel over these params) need K.
  d.config.classes = static_cast<int>(d.outputs.size());
  return d;
}

// ---------------------------------------------------------------- training and validation

float TaggingJob::TrainBatch(int batch, int64_t& tokens) {
  std::vector<TaggingExample> examples;
  for (int b = 0; b < batch; ++b) examples.push_back(task_->Sample(rng_, Split::kTrain));
  const SequenceBatch sb = MakeTaggingBatch(examples);
  Intervene(pass_.encoder.layers, true);
  const float loss = model_.Forward(sb, pass_, StepDropout(sb.T, sb.B));
  model_.Backward(sb, pass_);
  tokens = pass_.counted;
  return loss;
}

float TaggingJob::ValidationLoss() {
  double total = 0;
  long count = 0;
  TaggerPass<float> pass;
  for (std::size_t i = 0; i < validation_.size(); i += 128) {
    const std::vector<TaggingExample> chunk(validation_.begin() + static_cast<std::ptrdiff_t>(i),
                                            validation_.begin() + static_cast<std::ptrdiff_t>(std::min(i + 128, validation_.size())));
    const float loss = model_.Forward(MakeTaggingBatch(chunk), pass);
    total += static_cast<double>(loss) * pass.counted;
    count += pass.counted;
  }
  return count ? static_cast<float>(total / static_cast<double>(count)) : 0.0f;
}

// ---------------------------------------------------------------- evaluation

nlohmann::json TaggingJob::Evaluate(Split split, int n, uint64_t seed) const {
  Rng rng(seed);
  std::vector<TaggingExample> all;
  if (const std::vector<TaggingExample>* fixed = task_->Examples(split)) {
    all = *fixed;  // a file: each sentence of the split once (n does not apply)
    n = static_cast<int>(all.size());
  } else {
    for (int i = 0; i < n; ++i) all.push_back(task_->Sample(rng, split));
  }
  long tokens = 0, token_hits = 0, sentence_hits = 0;
  struct Counts { long tp = 0, predicted = 0, gold = 0; };
  std::map<std::string, Counts> slots;
  for (const std::string& type : task_->SlotTypes()) slots[type] = {};
  TaggerPass<float> pass;
  for (std::size_t i0 = 0; i0 < all.size(); i0 += 128) {
    const std::vector<TaggingExample> chunk(all.begin() + static_cast<std::ptrdiff_t>(i0),
                                            all.begin() + static_cast<std::ptrdiff_t>(std::min(i0 + 128, all.size())));
    const SequenceBatch batch = MakeTaggingBatch(chunk);
    model_.Forward(batch, pass);
    const auto B = static_cast<std::size_t>(batch.B);
    for (std::size_t b = 0; b < B; ++b) {
      std::vector<std::string> gold, predicted;
      bool all_right = true;
      for (std::size_t t = 0; t < chunk[b].words.size(); ++t) {
        const int32_t p = pass.predicted[t * B + b], g = chunk[b].tags[t];
        token_hits += p == g;
        all_right = all_right && p == g;
        gold.push_back(task_->tags()[static_cast<std::size_t>(g)]);
        predicted.push_back(task_->tags()[static_cast<std::size_t>(p)]);
      }
      tokens += static_cast<long>(chunk[b].words.size());
      sentence_hits += all_right;
      const std::vector<SlotSpan> gs = ExtractSpans(gold), ps = ExtractSpans(predicted);
      const std::set<SlotSpan> gold_set(gs.begin(), gs.end());
      for (const SlotSpan& s : gs) ++slots[s.type].gold;
      for (const SlotSpan& s : ps) {
        ++slots[s.type].predicted;
        slots[s.type].tp += gold_set.count(s) ? 1 : 0;
      }
    }
  }
  auto ratio = [](long a, long b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
  auto f1 = [](double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; };
  nlohmann::json j = {{"examples", n},
                      {"token_accuracy", ratio(token_hits, tokens)},
                      {"sequence_accuracy", ratio(sentence_hits, n)}};
  Counts total;
  nlohmann::json per = nlohmann::json::object();
  for (const auto& [type, c] : slots) {
    const double p = ratio(c.tp, c.predicted), r = ratio(c.tp, c.gold);
    per[type] = {{"precision", p}, {"recall", r}, {"f1", f1(p, r)}, {"support", c.gold}};
    total.tp += c.tp, total.predicted += c.predicted, total.gold += c.gold;
  }
  j["f1"] = f1(ratio(total.tp, total.predicted), ratio(total.tp, total.gold));
  j["per_slot"] = per;
  if (const std::string note = task_->SplitNote(split); !note.empty()) j["note"] = note;
  return j;
}

std::string TaggingJob::FormatMetrics(const nlohmann::json& m) const {
  char line[160];
  std::string s = m.contains("note") ? "note: " + m.at("note").get<std::string>() + "\n" : "";
  std::snprintf(line, sizeof line, "token accuracy      %.4f\nsentence accuracy   %.4f\nslot F1 (micro)     %.4f\n",
                m.at("token_accuracy").get<double>(), m.at("sequence_accuracy").get<double>(), m.at("f1").get<double>());
  s += line;
  s += "slot        precision  recall  F1      support\n";
  for (auto it = m.at("per_slot").begin(); it != m.at("per_slot").end(); ++it) {
    std::snprintf(line, sizeof line, "%-10s  %.4f     %.4f  %.4f  %ld\n", it.key().c_str(), it->at("precision").get<double>(),
                  it->at("recall").get<double>(), it->at("f1").get<double>(), it->at("support").get<long>());
    s += line;
  }
  return s;
}

std::vector<std::string> TaggingJob::Tag(const std::string& text) const {
  const std::vector<int32_t> ids = task_->EncodeWords(text);
  SequenceBatch batch = MakeTaggingBatch({TaggingExample{ids, std::vector<int32_t>(ids.size(), -1)}});
  TaggerPass<float> pass;
  model_.Forward(batch, pass);
  std::vector<std::string> tags;
  for (int32_t p : pass.predicted) tags.push_back(task_->tags()[static_cast<std::size_t>(p)]);
  return tags;
}

// ---------------------------------------------------------------- snapshot

void TaggingJob::FillSnapshot(const std::string& probe, const TrainSettings& /*settings*/, Snapshot& out) {
  out.task = task_name_;
  out.config = config_.rnn;
  out.vocab = task_->tags();
  FillParameterStats(out);  // before the probe's backward overwrites the gradients
  TaggingExample ex;
  const bool user = !probe.empty();
  if (user) {
    ex.words = task_->EncodeWords(probe);
    ex.tags.assign(ex.words.size(), -1);
  } else {
    ex = validation_.front();
  }
  const SequenceBatch batch = MakeTaggingBatch({ex});
  TaggerPass<float> pass;
  Intervene(pass.encoder.layers, false);
  out.probe_loss = model_.Forward(batch, pass);
  if (!user) model_.Backward(batch, pass);  // per-step gradient norms (scratch gradients)
  out.probe_tokens.clear();
  out.probe_targets.clear();
  for (std::size_t t = 0; t < ex.words.size(); ++t) {
    out.probe_tokens.push_back(task_->words().Token(ex.words[t]));
    const int32_t shown = user ? pass.predicted[t] : ex.tags[t];
    out.probe_targets.push_back(task_->tags()[static_cast<std::size_t>(shown)]);
  }
  out.probe_probs = pass.probs;
  out.layers.clear();
  const int D = config_.rnn.Directions(), T = batch.T;
  // The reverse direction runs forward over the permuted sequence: shown in text order.
  for (int l = 0; l < config_.rnn.layers; ++l)
    for (int d = 0; d < D; ++d) {
      out.layers.emplace_back();
      TraceLayer(pass.encoder.layers[static_cast<std::size_t>(l * D + d)], config_.rnn.cell, l, d, Order(T, d == 1),
                 out.layers.back());
    }
  // Sample: word/predicted tag, with the gold tag after a slash where they differ.
  std::string sample;
  for (std::size_t i = 0; i < 4 && i < validation_.size(); ++i) {
    const TaggingExample& v = validation_[i];
    TaggerPass<float> p;
    Intervene(p.encoder.layers, false);
    model_.Forward(MakeTaggingBatch({v}), p);
    for (std::size_t t = 0; t < v.words.size(); ++t) {
      const std::string& pred = task_->tags()[static_cast<std::size_t>(p.predicted[t])];
      const std::string& gold = task_->tags()[static_cast<std::size_t>(v.tags[t])];
      sample += task_->words().Token(v.words[t]) + "/" + pred + (pred == gold ? "" : "(" + gold + ")") + " ";
    }
    sample += "\n";
  }
  out.sample = sample;
}

}  // namespace rnnscope
