// The factory of the tagging, classification and generation jobs (train/structure_job.h).
#include <memory>

#include "core/error.h"
#include "train/classification_job.h"
#include "train/generation_job.h"
#include "train/structure_job.h"
#include "train/tagging_job.h"
#include "train/task_registry.h"

namespace rnnscope {

std::vector<std::string> StructureTaskNames() {  // from the registry: one list of tasks
  std::vector<std::string> names;
  for (const TaskInfo& t : TaskTable())
    if (t.structure != TaskStructure::kLanguageModel && t.structure != TaskStructure::kSeq2Seq) names.emplace_back(t.name);
  return names;
}

bool IsStructureTask(const std::string& task) {
  return IsTaggingTask(task) || IsClassificationTask(task) || IsGenerationTask(task);
}

StructureJobOptions DefaultStructureOptions(const std::string& task) {
  StructureJobOptions o;
  StructureConfig& m = o.model;
  m.kind = IsTaggingTask(task) ? StructureKind::kTagger
           : IsGenerationTask(task) ? StructureKind::kGenerator
                                    : StructureKind::kClassifier;
  m.rnn.cell = CellKind::kGru;
  m.rnn.embed = 32;
  m.rnn.hidden = 64;
  m.rnn.layers = 1;
  m.rnn.vocab = 4;  // placeholders until the task fills them
  m.classes = 2;
  return o;
}

std::unique_ptr<StructureJob> MakeStructureJob(const std::string& task, const StructureJobOptions& options) {
  if (IsTaggingTask(task)) return std::make_unique<TaggingJob>(task, options);
  if (IsClassificationTask(task)) return std::make_unique<ClassificationJob>(task, options);
  if (IsGenerationTask(task)) return std::make_unique<GenerationJob>(task, options);
  std::string known;
  for (const auto& n : StructureTaskNames()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError("unknown task '" + task + "' (tagging, classification and generation tasks: " + known + ")");
}

}  // namespace rnnscope
