// The N→N tagging job (tasks slots, conll): a TaggerModel trained on one tag per word.
// Evaluate reports token accuracy, sentence accuracy (every tag right) and per slot type the
// precision, recall and F1 of whole spans (conlleval's rules, tasks/tagging_task.h), with their
// micro average as "f1". A file-backed task is scored on every sentence of the split once.
// Snapshot: the probe sentence (the user's words, or validation sentence 0) with its layer
// traces (reverse direction in sentence order), the tag distribution per word as probe_probs
// (vocab = tag names), and predicted vs gold tags of a few validation sentences as the sample.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/tagger.h"
#include "tasks/tagging_task.h"
#include "train/structure_job.h"

namespace rnnscope {

class TaggingJob : public StructureJob {
 public:
  TaggingJob(const std::string& task, const StructureJobOptions& options);
  // Over a task already built: the donor's on time travel (no re-read of its file), or one
  // rebuilt from a checkpoint without its file (tasks/saved_examples.h), with the identity of
  // the file it came from and, when given, the validation sentences (else drawn with the seed).
  TaggingJob(const std::string& task, std::shared_ptr<const TaggingTask> built, const StructureJobOptions& options,
             const DataIdentity& data, std::vector<TaggingExample> validation = {});

  float ValidationLoss() override;
  void FillSnapshot(const std::string& probe, const TrainSettings& settings, Snapshot& out) override;
  nlohmann::json Evaluate(Split split, int n, uint64_t seed) const override;
  std::string FormatMetrics(const nlohmann::json& metrics) const override;
  // The encoder's recurrence; fc at every step is the per-step readout (its rows = the tags);
  // the held-out sequences are the validation sentences; the default input is the task's rest
  // input (flipflop: no pulse) or its first word.
  DynamicsSource Dynamics() const override;

  // Predicted tag per word of a whitespace-separated sentence.
  std::vector<std::string> Tag(const std::string& text) const;
  const TaggingTask& task() const { return *task_; }
  const std::shared_ptr<const TaggingTask>& shared_task() const { return task_; }
  const std::vector<TaggingExample>& validation() const { return validation_; }
  const TaggerModel<float>& model() const { return model_; }

 protected:
  float TrainBatch(int batch, int64_t& tokens) override;
  nlohmann::json Vocabulary() const override;
  nlohmann::json SavedValidation() const override;

 private:
  std::shared_ptr<const TaggingTask> task_;
  TaggerModel<float> model_;
  TaggerPass<float> pass_;
  std::vector<TaggingExample> validation_;
};

}  // namespace rnnscope
