// Builds the Job for a task name, or restores one from a checkpoint. The GUI's Rebuild/Load
// commands and the CLI's train/sample/eval all come through here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "train/job.h"

namespace rnnscope {

struct JobSpec {
  std::string task = "charlm";  // charlm | copy | reverse | sort | add | dates | ...
  std::string text_path;        // charlm: a UTF-8 file; empty = the built-in procedural corpus
  ModelConfig model;            // vocab is filled from the data
  TrainSettings settings;
  std::string attention = "additive";  // seq2seq tasks
};

std::vector<std::string> KnownTasks();
std::unique_ptr<Job> MakeJob(const JobSpec& spec);
std::unique_ptr<Job> LoadJob(const std::string& checkpoint_path, TrainSettings* settings_out);

}  // namespace rnnscope
