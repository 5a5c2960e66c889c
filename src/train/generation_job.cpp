// Contents: construction · training batch and validation · evaluation · snapshot.
#include "train/generation_job.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"

namespace rnnscope {

GenerationJob::GenerationJob(const std::string& task, const StructureJobOptions& options)
    : StructureJob(task, options), task_(MakeGenerationTask(task, options.task_options)) {
  config_.kind = StructureKind::kGenerator;
  config_.rnn.vocab = task_->symbols().Size();
  config_.classes = static_cast<int>(task_->classes().size());
  model_ = GeneratorModel<float>(config_, options.seed);
  Bind(model_.params, model_.grads);
  Rng vrng(options.seed ^ 0x5eedull);
  for (int i = 0; i < 128; ++i) validation_.push_back(task_->Sample(vrng, Split::kValidation));
}

DynamicsSource GenerationJob::Dynamics() const {
  throw ConfigError(Task() + ": the dynamics views need a recurrence driven by one input token per step; this "
                    "1→N generator also reads the class it is conditioned on and its own previous output, so "
                    "there is no constant input to hold");
}

nlohmann::json GenerationJob::Vocabulary() const {
  return {{"symbols", task_->symbols().tokens()}, {"classes", task_->classes()}};
}

// ---------------------------------------------------------------- training and validation

float GenerationJob::TrainBatch(int batch, int64_t& tokens) {
  std::vector<GenerationExample> examples;
  for (int b = 0; b < batch; ++b) examples.push_back(task_->Sample(rng_, Split::kTrain));
  const GenerationBatch gb = MakeGenerationBatch(examples);
  Intervene(pass_.layers, true);
  const float loss = model_.Forward(gb, pass_);
  model_.Backward(gb, pass_);
  tokens = pass_.counted;
  return loss;
}

float GenerationJob::ValidationLoss() {
  GeneratorPass<float> pass;
  return model_.Forward(MakeGenerationBatch(validation_), pass);
}

// ---------------------------------------------------------------- evaluation

nlohmann::json GenerationJob::Evaluate(Split split, int n, uint64_t seed) const {
  Rng rng(seed);
  std::vector<GenerationExample> all;
  for (int i = 0; i < n; ++i) all.push_back(task_->Sample(rng, split));
  const std::size_t K = task_->classes().size();
  std::vector<long> count(K, 0), exact(K, 0);
  long tokens = 0, token_hits = 0;
  for (std::size_t i0 = 0; i0 < all.size(); i0 += 256) {
    const std::size_t i1 = std::min(i0 + 256, all.size());
    std::vector<int32_t> classes;
    for (std::size_t i = i0; i < i1; ++i) classes.push_back(all[i].cls);
    std::vector<std::vector<int32_t>> out;
    model_.Greedy(classes, task_->MaxLength() + 2, out);
    for (std::size_t i = i0; i < i1; ++i) {
      std::vector<int32_t> ref = all[i].target;
      ref.push_back(SymbolTable::kEos);
      const auto& hyp = out[i - i0];
      for (std::size_t t = 0; t < ref.size(); ++t) token_hits += t < hyp.size() && hyp[t] == ref[t];
      tokens += static_cast<long>(ref.size());
      const auto k = static_cast<std::size_t>(all[i].cls);
      ++count[k];
      exact[k] += hyp == ref;
    }
  }
  long total_exact = 0;
  nlohmann::json per = nlohmann::json::object();
  for (std::size_t k = 0; k < K; ++k) {
    total_exact += exact[k];
    if (count[k])
      per[task_->classes()[k]] = {{"sequence_accuracy", static_cast<double>(exact[k]) / static_cast<double>(count[k])},
                                  {"support", count[k]}};
  }
  return {{"examples", n},
          {"token_accuracy", tokens ? static_cast<double>(token_hits) / static_cast<double>(tokens) : 0.0},
          {"sequence_accuracy", n ? static_cast<double>(total_exact) / n : 0.0},
          {"per_class", per}};
}

std::string GenerationJob::FormatMetrics(const nlohmann::json& m) const {
  char line[160];
  std::snprintf(line, sizeof line, "token accuracy      %.4f\nsequence accuracy   %.4f\n",
                m.at("token_accuracy").get<double>(), m.at("sequence_accuracy").get<double>());
  std::string s = line;
  s += "class        output        sequence accuracy  support\n";
  for (auto it = m.at("per_class").begin(); it != m.at("per_class").end(); ++it) {
    std::snprintf(line, sizeof line, "%-12s %-13s %.4f             %ld\n", it.key().c_str(), Generate(it.key()).c_str(),
                  it->at("sequence_accuracy").get<double>(), it->at("support").get<long>());
    s += line;
  }
  return s;
}

std::string GenerationJob::Generate(const std::string& class_name) const {
  std::vector<std::vector<int32_t>> out;
  model_.Greedy({task_->ClassId(class_name)}, task_->MaxLength() + 2, out);
  return task_->Decode(out[0]);
}

// ---------------------------------------------------------------- snapshot

void GenerationJob::FillSnapshot(const std::string& probe, const TrainSettings& /*settings*/, Snapshot& out) {
  out.task = task_name_;
  out.config = config_.rnn;
  out.vocab = task_->symbols().tokens();
  FillParameterStats(out);
  const int32_t cls = probe.empty() ? validation_.front().cls : task_->ClassId(probe);
  std::vector<std::vector<int32_t>> decoded;
  model_.Greedy({cls}, task_->MaxLength() + 2, decoded);
  GenerationExample ex{cls, {}};
  for (int32_t id : decoded[0])
    if (id != SymbolTable::kEos) ex.target.push_back(id);
  const GenerationBatch batch = MakeGenerationBatch({ex});
  GeneratorPass<float> pass;
  Intervene(pass.layers, false);
  out.probe_loss = model_.Forward(batch, pass);
  model_.Backward(batch, pass);  // per-step gradient norms (scratch gradients)
  const int T = batch.T;
  out.probe_tokens.clear();
  out.probe_targets.clear();
  for (int t = 0; t < T; ++t) {
    const int32_t fed = pass.inputs[static_cast<std::size_t>(t)];
    out.probe_tokens.push_back(t == 0 ? "<" + task_->classes()[static_cast<std::size_t>(cls)] + ">" : task_->symbols().Token(fed));
    out.probe_targets.push_back(task_->symbols().Token(batch.target[static_cast<std::size_t>(t)]));
  }
  out.probe_probs = pass.probs;
  out.layers.clear();
  for (int l = 0; l < config_.rnn.layers; ++l) {
    out.layers.emplace_back();
    TraceLayer(pass.layers[static_cast<std::size_t>(l)], config_.rnn.cell, l, 0, Order(T, false), out.layers.back());
  }
  std::string sample;
  for (std::size_t k = 0; k < task_->classes().size(); ++k)
    sample += task_->classes()[k] + " → " + Generate(task_->classes()[k]) + "\n";
  out.sample = sample;
}

}  // namespace rnnscope
