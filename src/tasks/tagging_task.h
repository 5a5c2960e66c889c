// N→N tagging tasks: one tag per word. Three sources:
//   slots     generated travel requests with from/to/date slots (slot_task.cpp)
//   flipflop  the 3-bit flip-flop: pulses on three channels, the last sign of each remembered
//             (flipflop_task.cpp)
//   conll   a two-column file, one "token<TAB>tag" per line, blank line between sentences
//           (conll_file.cpp)
// Words are tokens separated by whitespace. The word table starts <pad>, <sos>, <eos>, <unk>;
// <unk> is what a probe word the task never saw becomes.
//
// Splits: a sentence belongs to train, validation or test by a hash of its words (8:1:1,
// SplitOf in seq2seq_task.h), so held-out scores are on sentences never trained on.
//
// Tags are BIO ("B-from", "I-from", "O") or plain ("from", "O"). Slot spans for F1 (conlleval's
// rules): "B-x" opens a span of type x, "I-x" continues a span of type x (or opens one after
// anything else), a plain "x" continues a run of x; "O" closes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "core/rng.h"
#include "model/sequence_encoder.h"
#include "tasks/seq2seq_task.h"

namespace rnnscope {

struct TaggingExample {
  std::vector<int32_t> words;  // word ids
  std::vector<int32_t> tags;   // tag ids, same length
};

enum class TagScheme { kBio, kPlain };
TagScheme ParseTagScheme(const std::string& name);  // "bio", "plain"; throws ConfigError
std::string TagSchemeName(TagScheme scheme);

// A span of one slot type over words [begin, end).
struct SlotSpan {
  std::string type;
  int begin = 0, end = 0;
  bool operator<(const SlotSpan& o) const { return std::tie(type, begin, end) < std::tie(o.type, o.begin, o.end); }
  bool operator==(const SlotSpan& o) const = default;
};
std::vector<SlotSpan> ExtractSpans(const std::vector<std::string>& tags);

class TaggingTask {
 public:
  static constexpr int32_t kUnk = 3;
  TaggingTask() { words_.Add("<unk>"); }
  virtual ~TaggingTask() = default;
  virtual std::string Name() const = 0;
  // What a checkpoint needs to rebuild the task (name and options), as JSON.
  virtual nlohmann::json Options() const = 0;
  const SymbolTable& words() const { return words_; }
  const std::vector<std::string>& tags() const { return tags_; }
  int TagId(const std::string& tag) const;  // throws InputError for an unknown tag
  // Slot types in a fixed order (the tag names without B-/I-, "O" excluded).
  std::vector<std::string> SlotTypes() const;

  virtual TaggingExample Sample(Rng& rng, Split split) const = 0;
  // File-backed tasks: every sentence of the split, so evaluation scores each exactly once
  // (null for generated tasks, which are sampled).
  virtual const std::vector<TaggingExample>* Examples(Split /*split*/) const { return nullptr; }
  // Non-empty when the split had no sentence of its own and borrows the training sentences.
  virtual std::string SplitNote(Split /*split*/) const { return ""; }
  // Non-empty for a task rebuilt from a checkpoint without its data file (tasks/saved_examples.h):
  // why the training sentences are missing.
  virtual std::string DataUnavailable() const { return ""; }
  // The input that means "nothing happens" for the dynamics views' fixed-point search
  // (train/dynamics_source.h), with why in `why`; -1 when the task has none.
  virtual int32_t RestInput(std::string* /*why*/) const { return -1; }
  // Whitespace-separated words; unknown words become <unk>. Throws InputError on empty text.
  std::vector<int32_t> EncodeWords(const std::string& text) const;

 protected:
  int32_t AddTag(const std::string& tag);
  SymbolTable words_;  // constructor adds <unk> after the three specials
  std::vector<std::string> tags_;
  std::map<std::string, int32_t> tag_index_;
};

// Slot filling (slot_task.cpp): scheme BIO or plain.
std::unique_ptr<TaggingTask> MakeSlotTask(TagScheme scheme);
// The 3-bit flip-flop (flipflop_task.cpp): 27 input tokens, 8 tags.
std::unique_ptr<TaggingTask> MakeFlipFlopTask();
// A CoNLL-like file (conll_file.cpp); throws InputError with the line number on a bad line.
std::unique_ptr<TaggingTask> MakeConllTask(const std::string& path);
// "slots" (options: {"tags": "bio"|"plain"}), "flipflop" (none) or "conll" (options: {"data": path}).
std::unique_ptr<TaggingTask> MakeTaggingTask(const std::string& name, const nlohmann::json& options);
bool IsTaggingTask(const std::string& name);

// Pads examples into a time-major batch (pad id 0, label -1 after each length).
// A generated task's example of `split`: draws from `generate` until one hashes into the split
// (SplitOf, as the seq2seq tasks split); ConfigError naming `task` if 10,000 draws find none.
TaggingExample SampleOfSplit(const std::function<TaggingExample(Rng&)>& generate, Rng& rng, Split split,
                             const std::string& task);

SequenceBatch MakeTaggingBatch(const std::vector<TaggingExample>& examples);

}  // namespace rnnscope
