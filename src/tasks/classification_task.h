// N→1 sequence classification tasks, generated from a seed, one character per token:
//   brackets  "(()())" → balanced / unbalanced. Half the examples are balanced; the unbalanced
//             half are near misses of balanced strings (one bracket flipped, which breaks the
//             count, or a top-level "()" turned into ")(", which keeps the count and breaks the
//             order), so counting alone is not enough.
//   majority  "abcab…" → the symbol that occurs most often (a, b or c; never a tie).
// Splits are disjoint by a hash of the sequence (SplitOf), 8:1:1.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/rng.h"
#include "model/sequence_encoder.h"
#include "tasks/seq2seq_task.h"

namespace rnnscope {

struct ClassificationExample {
  std::vector<int32_t> tokens;
  int32_t label = 0;
};

class ClassificationTask {
 public:
  virtual ~ClassificationTask() = default;
  virtual std::string Name() const = 0;
  nlohmann::json Options() const;  // {"min_length", "max_length"}
  const SymbolTable& symbols() const { return symbols_; }
  const std::vector<std::string>& classes() const { return classes_; }
  ClassificationExample Sample(Rng& rng, Split split) const;  // rejection by SplitOf
  // One token per UTF-8 character; throws InputError naming a character the task does not use.
  std::vector<int32_t> Encode(const std::string& text) const;
  std::string Decode(const std::vector<int32_t>& tokens) const;
  // The true class of any token sequence when the task can tell it (brackets: balanced or not),
  // else -1. Gives a typed probe a label, hence a loss and gradients to show.
  virtual int32_t LabelOf(const std::vector<int32_t>& /*tokens*/) const { return -1; }

 protected:
  explicit ClassificationTask(const TaskOptions& options) : options_(options) {}
  virtual ClassificationExample Generate(Rng& rng) const = 0;
  TaskOptions options_;
  SymbolTable symbols_;
  std::vector<std::string> classes_;
};

std::unique_ptr<ClassificationTask> MakeBracketsTask(const TaskOptions& options);
std::unique_ptr<ClassificationTask> MakeMajorityTask(const TaskOptions& options);
// "brackets", "majority"; options {"min_length", "max_length"} (defaults per task when absent).
std::unique_ptr<ClassificationTask> MakeClassificationTask(const std::string& name, const nlohmann::json& options);
bool IsClassificationTask(const std::string& name);

// Pads into a time-major batch (pad id 0), one label per sequence.
SequenceBatch MakeClassificationBatch(const std::vector<ClassificationExample>& examples);

}  // namespace rnnscope
