// Builds the Job for a task name, or restores one from a checkpoint. The GUI's Rebuild/Load
// commands and the CLI's train/sample/eval all come through here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "train/job.h"

namespace rnnscope {

struct JobSpec {
  std::string task = "charlm";  // charlm | copy | reverse | sort | add | dates | slots | conll | brackets | majority | spell
  std::string text_path;        // charlm: a UTF-8 file; empty = the built-in procedural corpus
  ModelConfig model;            // vocab is filled from the data
  TrainSettings settings;
  std::string attention = "additive";  // seq2seq tasks
  // charlm from a PyTorch model (train/char_lm_import.cpp): a safetensors state_dict and its
  // vocabulary (JSON list of tokens). The cell and sizes come from the tensors' names and
  // shapes; model.cell only tells a relu RNN from a tanh one. text_path (or the built-in
  // corpus) is then what the probe shows and training (optional) continues on.
  std::string weights_path;
  std::string vocab_path;
  // Seq2seq tasks start from sizes tuned per task (see DefaultSeq2SeqOptions); when the user
  // chose cell/hidden/bidirectional explicitly (a flag given, or a Rebuild from the UI), those win.
  bool model_from_user = false;
  // Tagging, classification and generation tasks (train/structure_job.h).
  std::string data_path;         // conll: the two-column file
  std::string tags = "bio";      // slots: bio or plain tags
  std::string readout = "last";  // classification: last or mean
  std::string condition = "first";  // generation: class fed at the first step or every step
};

std::vector<std::string> KnownTasks();
std::unique_ptr<Job> MakeJob(const JobSpec& spec);
std::unique_ptr<Job> LoadJob(const std::string& checkpoint_path, TrainSettings* settings_out);

}  // namespace rnnscope
