// 1→N generation tasks: from a class k, produce the sequence the class stands for.
//   spell   k in 0..19 → the English word, one letter per token ("seven" → s e v e n).
//           Words share prefixes ("six"/"sixteen", "seven"/"seventeen"), so a model conditioned
//           only at the first step must carry the class in its state for up to nine steps.
//   numbers k in 0..99 → k in English words, letters and spaces ("forty two"), up to 13 steps.
// The input space is the K classes themselves, so there is nothing to hold out: train,
// validation and test draw from the same classes (the splits exist for the common interface).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/rng.h"
#include "model/generator.h"
#include "tasks/seq2seq_task.h"

namespace rnnscope {

struct GenerationExample {
  int32_t cls = 0;
  std::vector<int32_t> target;  // without <eos> (the batcher appends it)
};

class GenerationTask {
 public:
  virtual ~GenerationTask() = default;
  virtual std::string Name() const = 0;
  virtual nlohmann::json Options() const = 0;
  const SymbolTable& symbols() const { return symbols_; }  // output tokens, <pad>/<sos>/<eos> first
  const std::vector<std::string>& classes() const { return classes_; }
  virtual int MaxLength() const = 0;  // longest target without <eos>
  virtual GenerationExample Sample(Rng& rng, Split split) const = 0;
  // The class named `name` (or its index as a number); throws InputError listing the classes.
  int32_t ClassId(const std::string& name) const;
  std::string Decode(const std::vector<int32_t>& tokens) const;  // stops at <eos>

 protected:
  SymbolTable symbols_;
  std::vector<std::string> classes_;
};

std::unique_ptr<GenerationTask> MakeSpellTask();
std::unique_ptr<GenerationTask> MakeNumbersTask();
std::unique_ptr<GenerationTask> MakeGenerationTask(const std::string& name, const nlohmann::json& options);
bool IsGenerationTask(const std::string& name);

// Time-major batch: targets + <eos>, then -1.
GenerationBatch MakeGenerationBatch(const std::vector<GenerationExample>& examples);

}  // namespace rnnscope
