// Contents: construction · training batch and validation · evaluation · snapshot.
#include "train/classification_job.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"

namespace rnnscope {

ClassificationJob::ClassificationJob(const std::string& task, const StructureJobOptions& options)
    : StructureJob(task, options), task_(MakeClassificationTask(task, options.task_options)) {
  config_.kind = StructureKind::kClassifier;
  config_.rnn.vocab = task_->symbols().Size();
  config_.classes = static_cast<int>(task_->classes().size());
  model_ = ClassifierModel<float>(config_, options.seed);
  Bind(model_.params, model_.grads);
  Rng vrng(options.seed ^ 0x5eedull);
  for (int i = 0; i < 512; ++i) validation_.push_back(task_->Sample(vrng, Split::kValidation));
}

DynamicsSource ClassificationJob::Dynamics() const {
  std::vector<const std::vector<int32_t>*> held_out;
  for (const ClassificationExample& ex : validation_) held_out.push_back(&ex.tokens);
  return EncoderDynamics(model_.params, task_->symbols().tokens(), held_out, -1, "");
}

nlohmann::json ClassificationJob::Vocabulary() const {
  return {{"symbols", task_->symbols().tokens()}, {"classes", task_->classes()}};
}

// ---------------------------------------------------------------- training and validation

float ClassificationJob::TrainBatch(int batch, int64_t& tokens) {
  std::vector<ClassificationExample> examples;
  for (int b = 0; b < batch; ++b) examples.push_back(task_->Sample(rng_, Split::kTrain));
  const SequenceBatch sb = MakeClassificationBatch(examples);
  Intervene(pass_.encoder.layers, true);
  const float loss = model_.Forward(sb, pass_, StepDropout(sb.T, sb.B));
  model_.Backward(sb, pass_);
  tokens = 0;
  for (int len : sb.lengths) tokens += len;
  return loss;
}

float ClassificationJob::ValidationLoss() {
  double total = 0;
  ClassifierPass<float> pass;
  for (std::size_t i = 0; i < validation_.size(); i += 128) {
    const std::vector<ClassificationExample> chunk(
        validation_.begin() + static_cast<std::ptrdiff_t>(i),
        validation_.begin() + static_cast<std::ptrdiff_t>(std::min(i + 128, validation_.size())));
    total += static_cast<double>(model_.Forward(MakeClassificationBatch(chunk), pass)) * static_cast<double>(chunk.size());
  }
  return validation_.empty() ? 0.0f : static_cast<float>(total / static_cast<double>(validation_.size()));
}

// ---------------------------------------------------------------- evaluation

nlohmann::json ClassificationJob::Evaluate(Split split, int n, uint64_t seed) const {
  Rng rng(seed);
  std::vector<ClassificationExample> all;
  for (int i = 0; i < n; ++i) all.push_back(task_->Sample(rng, split));
  const std::size_t K = task_->classes().size();
  std::vector<long> count(K, 0), hits(K, 0);
  ClassifierPass<float> pass;
  for (std::size_t i0 = 0; i0 < all.size(); i0 += 128) {
    const std::vector<ClassificationExample> chunk(all.begin() + static_cast<std::ptrdiff_t>(i0),
                                                   all.begin() + static_cast<std::ptrdiff_t>(std::min(i0 + 128, all.size())));
    model_.Forward(MakeClassificationBatch(chunk), pass);
    for (std::size_t b = 0; b < chunk.size(); ++b) {
      const auto y = static_cast<std::size_t>(chunk[b].label);
      ++count[y];
      hits[y] += pass.predicted[b] == chunk[b].label;
    }
  }
  long total_hits = 0, most = 0;
  nlohmann::json per = nlohmann::json::object();
  for (std::size_t k = 0; k < K; ++k) {
    total_hits += hits[k];
    most = std::max(most, count[k]);
    per[task_->classes()[k]] = {{"accuracy", count[k] ? static_cast<double>(hits[k]) / static_cast<double>(count[k]) : 0.0},
                                {"support", count[k]}};
  }
  return {{"examples", n},
          {"accuracy", n ? static_cast<double>(total_hits) / n : 0.0},
          {"chance", n ? static_cast<double>(most) / n : 0.0},
          {"per_class", per}};
}

std::string ClassificationJob::FormatMetrics(const nlohmann::json& m) const {
  char line[160];
  std::snprintf(line, sizeof line, "accuracy            %.4f   (majority-class chance %.4f)\n",
                m.at("accuracy").get<double>(), m.at("chance").get<double>());
  std::string s = line;
  s += "class        accuracy  support\n";
  for (auto it = m.at("per_class").begin(); it != m.at("per_class").end(); ++it) {
    std::snprintf(line, sizeof line, "%-12s %.4f    %ld\n", it.key().c_str(), it->at("accuracy").get<double>(),
                  it->at("support").get<long>());
    s += line;
  }
  return s;
}

std::string ClassificationJob::Classify(const std::string& text) const {
  ClassifierPass<float> pass;
  model_.Forward(MakeClassificationBatch({ClassificationExample{task_->Encode(text), -1}}), pass);
  return task_->classes()[static_cast<std::size_t>(pass.predicted[0])];
}

// ---------------------------------------------------------------- snapshot

void ClassificationJob::FillSnapshot(const std::string& probe, const TrainSettings& /*settings*/, Snapshot& out) {
  out.task = task_name_;
  out.config = config_.rnn;
  out.vocab = task_->classes();
  FillParameterStats(out);
  const bool user = !probe.empty();
  ClassificationExample ex = user ? ClassificationExample{task_->Encode(probe), -1} : validation_.front();
  if (ex.tokens.size() > 200) ex.tokens.resize(200);
  // A typed probe is labelled when the task can tell its class (brackets can), so it has a loss
  // and per-step gradients like a validation example.
  if (user) ex.label = task_->LabelOf(ex.tokens);
  const SequenceBatch batch = MakeClassificationBatch({ex});
  ClassifierPass<float> pass;
  Intervene(pass.encoder.layers, false);
  out.probe_loss = model_.Forward(batch, pass);
  if (ex.label >= 0) model_.Backward(batch, pass);  // per-step gradient norms (scratch gradients)
  const int T = batch.T, D = config_.rnn.Directions();
  out.layers.clear();
  // The reverse direction runs forward over the permuted sequence: shown in text order.
  for (int l = 0; l < config_.rnn.layers; ++l)
    for (int d = 0; d < D; ++d) {
      out.layers.emplace_back();
      TraceLayer(pass.encoder.layers[static_cast<std::size_t>(l * D + d)], config_.rnn.cell, l, d, Order(T, d == 1),
                 out.layers.back());
    }
  // Every prefix as one batch: column t = the answer after reading tokens 0..t.
  std::vector<ClassificationExample> prefixes;
  for (int t = 0; t < T; ++t)
    prefixes.push_back({std::vector<int32_t>(ex.tokens.begin(), ex.tokens.begin() + t + 1), ex.label});
  ClassifierPass<float> pp;
  Intervene(pp.encoder.layers, false);
  model_.Forward(MakeClassificationBatch(prefixes), pp);
  out.probe_probs = pp.probs;  // (K, T)
  out.probe_tokens.clear();
  out.probe_targets.clear();
  for (int t = 0; t < T; ++t) {
    out.probe_tokens.push_back(task_->symbols().Token(ex.tokens[static_cast<std::size_t>(t)]));
    // The label belongs to the whole sequence: shown at its last token.
    out.probe_targets.push_back(t + 1 == T && ex.label >= 0 ? task_->classes()[static_cast<std::size_t>(ex.label)] : "");
  }
  std::string sample;
  ClassifierPass<float> sp;
  Intervene(sp.encoder.layers, false);
  const std::vector<ClassificationExample> shown(validation_.begin(), validation_.begin() + std::min<std::ptrdiff_t>(6, static_cast<std::ptrdiff_t>(validation_.size())));
  model_.Forward(MakeClassificationBatch(shown), sp);
  for (std::size_t b = 0; b < shown.size(); ++b)
    sample += task_->Decode(shown[b].tokens) + " → " + task_->classes()[static_cast<std::size_t>(sp.predicted[b])] +
              "   (target " + task_->classes()[static_cast<std::size_t>(shown[b].label)] + ")\n";
  out.sample = sample;
}

}  // namespace rnnscope
