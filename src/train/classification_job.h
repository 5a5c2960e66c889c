// The N→1 classification job (tasks brackets, majority): a ClassifierModel with the readout
// chosen by StructureConfig::readout (last state or mean of states).
// Evaluate reports accuracy, per-class accuracy (recall of each class) and the chance level
// (the share of the most frequent class among the examples).
// Snapshot: the probe sequence's layer traces, and as probe_probs (K, T) the class distribution
// the model gives every prefix (what it would answer if the sequence ended at t), so the
// probe panel shows the decision forming; vocab = class names.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/classifier.h"
#include "tasks/classification_task.h"
#include "train/structure_job.h"

namespace rnnscope {

class ClassificationJob : public StructureJob {
 public:
  ClassificationJob(const std::string& task, const StructureJobOptions& options);

  float ValidationLoss() override;
  void FillSnapshot(const std::string& probe, const TrainSettings& settings, Snapshot& out) override;
  nlohmann::json Evaluate(Split split, int n, uint64_t seed) const override;
  std::string FormatMetrics(const nlohmann::json& metrics) const override;
  // The encoder's recurrence (no per-step readout: the class is read at the end); held-out
  // sequences = validation examples; default input = the task's first symbol.
  DynamicsSource Dynamics() const override;

  // The predicted class name of a string of the task's symbols.
  std::string Classify(const std::string& text) const;
  const ClassificationTask& task() const { return *task_; }
  const ClassifierModel<float>& model() const { return model_; }

 protected:
  float TrainBatch(int batch, int64_t& tokens) override;
  nlohmann::json Vocabulary() const override;

 private:
  std::unique_ptr<ClassificationTask> task_;
  ClassifierModel<float> model_;
  ClassifierPass<float> pass_;
  std::vector<ClassificationExample> validation_;
};

}  // namespace rnnscope
