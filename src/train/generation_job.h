// The 1→N generation job (task spell): a GeneratorModel conditioned on the class at the first
// step or at every step (StructureConfig::condition), trained with teacher forcing.
// Evaluate decodes greedily and reports token accuracy (position-wise, incl. <eos>) and
// sequence accuracy (exact match), overall and per class.
// Snapshot: the probe class (a class name or index typed as probe text, or validation example
// 0) decoded greedily; the layer traces and probe_probs (V, T) are those of the teacher-forced
// pass over that output, which is the same computation as the free-running decode.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/generator.h"
#include "tasks/generation_task.h"
#include "train/structure_job.h"

namespace rnnscope {

class GenerationJob : public StructureJob {
 public:
  GenerationJob(const std::string& task, const StructureJobOptions& options);

  float ValidationLoss() override;
  void FillSnapshot(const std::string& probe, const TrainSettings& settings, Snapshot& out) override;
  nlohmann::json Evaluate(Split split, int n, uint64_t seed) const override;
  std::string FormatMetrics(const nlohmann::json& metrics) const override;
  // Refused (ConfigError): the decoder reads its previous output and the class it is
  // conditioned on, so a step is not a map of the state under one input token.
  DynamicsSource Dynamics() const override;

  // Greedy output for a class name (or index).
  std::string Generate(const std::string& class_name) const;
  const GenerationTask& task() const { return *task_; }
  const GeneratorModel<float>& model() const { return model_; }

 protected:
  float TrainBatch(int batch, int64_t& tokens) override;
  nlohmann::json Vocabulary() const override;

 private:
  std::unique_ptr<GenerationTask> task_;
  GeneratorModel<float> model_;
  GeneratorPass<float> pass_;
  std::vector<GenerationExample> validation_;
};

}  // namespace rnnscope
