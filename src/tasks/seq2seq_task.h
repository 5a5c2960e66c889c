// Sequence-to-sequence tasks whose ground truth is known, generated on the fly from a seed.
// Each task is one file (copy_task.cpp, reverse_task.cpp, sort_task.cpp, addition_task.cpp,
// date_task.cpp, translation_task.cpp, zh_en_task.cpp); this header is their common interface, the symbol table and the batcher.
//
// Splits are disjoint by construction: an example belongs to train, validation or test by a
// hash of its source (8:1:1), and Sample() rejects examples of the other splits, so held-out
// accuracy is measured on sources the model never trained on.
//
// Alignment: for each target token (not <eos>) the span [begin, end) of source positions it
// comes from — copy: i, reverse: n-1-i, dates: the field the character is read from (a month
// digit written as "May" aligns to the whole word, zh_en: "china" to both characters of 中国).
// begin = -1 where there is none (addition, the dashes in a date).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "model/seq2seq.h"

namespace rnnscope {

// Token strings ↔ ids. The built-in tables (the default constructor) start with <pad>, <sos>,
// <eos> at ids 0, 1, 2 (kPad/kSos/kEos, Seq2SeqConfig's defaults). A table read from a user's
// vocabulary (FromTokens) keeps its ids and finds its special tokens by name: the PyTorch
// tutorial's SOS=0, EOS=1 (no padding token), d2l's <unk>=0, <pad>=1, <bos>=2, <eos>=3. The
// seq2seq batcher, decoding and the job read the ids through pad()/sos()/eos()/unk().
class SymbolTable {
 public:
  static constexpr int32_t kPad = 0, kSos = 1, kEos = 2;
  SymbolTable();
  // Ids = positions. Specials by name: sos SOS/<sos>/<bos>/<s>, eos EOS/<eos>/</s>, pad
  // <pad>/PAD, unk <unk>/UNK. Throws InputError "<source>: ..." for a duplicate or empty token.
  static SymbolTable FromTokens(const std::vector<std::string>& tokens, const std::string& source);
  int32_t Add(const std::string& token);  // existing id if present
  int32_t Id(const std::string& token) const;  // throws InputError for an unknown token
  bool Has(const std::string& token) const { return index_.count(token) != 0; }
  const std::string& Token(int32_t id) const { return tokens_.at(static_cast<std::size_t>(id)); }
  int Size() const { return static_cast<int>(tokens_.size()); }
  const std::vector<std::string>& tokens() const { return tokens_; }
  // -1 when the table has no such token. Without a padding token (the tutorial's vocabularies)
  // sources are padded with id 0, as the tutorial's zero-filled batches are.
  int32_t pad() const { return pad_ >= 0 ? pad_ : 0; }
  int32_t sos() const { return sos_; }
  int32_t eos() const { return eos_; }
  int32_t unk() const { return unk_; }
  bool IsSpecial(int32_t id) const { return id >= 0 && (id == pad_ || id == sos_ || id == eos_ || id == unk_); }

 private:
  int32_t pad_ = kPad, sos_ = kSos, eos_ = kEos, unk_ = -1;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> index_;
};

enum class Split { kTrain, kValidation, kTest };

struct Seq2SeqExample {
  std::vector<int32_t> source;  // without <eos> (the batcher appends it)
  std::vector<int32_t> target;  // without <eos> (the batcher appends it)
  std::vector<std::pair<int, int>> alignment;  // (target.size()) source span per target token
};

struct TaskOptions {
  int min_length = 3;   // source length range (tokens) where the task has one
  int max_length = 12;
  std::string data_path = {};  // tsv: the file of source<TAB>target lines (tsv_task.cpp)
};

class Seq2SeqTask {
 public:
  virtual ~Seq2SeqTask() = default;
  virtual std::string Name() const = 0;
  virtual bool HasAlignment() const { return true; }
  // Non-empty when `split` has no examples of its own and borrows the training ones (a data
  // file too small to hold some out): metrics on it then come from training examples.
  virtual std::string SplitNote(Split /*split*/) const { return ""; }
  // Non-empty for a task rebuilt from a checkpoint without its data file (tasks/saved_examples.h):
  // why the training examples are missing.
  virtual std::string DataUnavailable() const { return ""; }
  const SymbolTable& source_vocab() const { return source_; }
  const SymbolTable& target_vocab() const { return target_; }
  // Longest target the task can produce for its options (without <eos>): greedy decode limit.
  virtual int MaxTargetLength() const = 0;

  // An example of the given split (rejection by source hash; expected 1.25 draws for train).
  // File-backed tasks override it to draw from their own split lists.
  virtual Seq2SeqExample Sample(Rng& rng, Split split) const;
  // Encodes a user string (one token per UTF-8 character, or per word for word-level tasks).
  virtual std::vector<int32_t> EncodeSource(const std::string& text) const;
  virtual std::string Join(const std::vector<std::string>& tokens) const;  // for display
  // Encodes output tokens a user typed (a forced decoder prefix): split at whitespace when the
  // target vocabulary has words (a token of more than one character besides the special ones),
  // else one token per character. InputError naming the position for a token not in it.
  std::vector<int32_t> EncodeTarget(const std::string& text) const;
  // The source side's display, when it joins differently from the target (zh_en: Chinese
  // characters without spaces, English words with them).
  virtual std::string JoinSource(const std::vector<std::string>& tokens) const { return Join(tokens); }
  std::string DecodeTarget(const std::vector<int32_t>& ids) const;  // stops at <eos>
  // MakeSeq2SeqBatch with this task's vocabularies (their special ids).
  Seq2SeqBatch Batch(const std::vector<Seq2SeqExample>& examples) const;
  std::string DecodeSource(const std::vector<int32_t>& ids) const;

 protected:
  virtual Seq2SeqExample Generate(Rng& rng) const = 0;
  SymbolTable source_, target_;
};

Split SplitOf(const std::vector<int32_t>& source);

// "copy", "reverse", "sort", "add", "dates", "translation", "zh_en", "tsv"; throws ConfigError naming the known tasks.
std::unique_ptr<Seq2SeqTask> MakeSeq2SeqTask(const std::string& name, const TaskOptions& options);
std::vector<std::string> Seq2SeqTaskNames();

std::unique_ptr<Seq2SeqTask> MakeCopyTask(const TaskOptions& options);
std::unique_ptr<Seq2SeqTask> MakeReverseTask(const TaskOptions& options);
std::unique_ptr<Seq2SeqTask> MakeSortTask(const TaskOptions& options);
std::unique_ptr<Seq2SeqTask> MakeAdditionTask(const TaskOptions& options);
std::unique_ptr<Seq2SeqTask> MakeDateTask(const TaskOptions& options);
// Word-level toy translation with a reordering grammar (translation_task.cpp); ignores lengths.
std::unique_ptr<Seq2SeqTask> MakeTranslationTask(const TaskOptions& options);
// Toy Chinese→English: Chinese one character per token, English one word per token, with a
// reordering grammar (zh_en_task.cpp); ignores lengths.
std::unique_ptr<Seq2SeqTask> MakeZhEnTask(const TaskOptions& options);
// "tsv": pairs from options.data_path, one character per token; InputError with the line number
// on a malformed line.
std::unique_ptr<Seq2SeqTask> MakeTsvTask(const TaskOptions& options);

// A PyTorch seq2seq model's own vocabularies and training pairs (vocab_pairs_task.cpp): the
// tokens of each side in id order (ReadTokenList), the files they came from (for messages) and
// the 'source<TAB>target' file. Throws InputError naming file:line for a token not in a
// vocabulary without <unk>, and naming the vocabulary file when it lacks EOS (either side) or
// SOS (target).
struct VocabPairsOptions {
  std::vector<std::string> source_tokens, target_tokens;
  std::string source_name, target_name;
  std::string pairs_path;
};
std::unique_ptr<Seq2SeqTask> MakeVocabPairsTask(const std::string& name, const VocabPairsOptions& options);
// A JSON list of token strings (id = position); InputError "<path>: ..." otherwise.
std::vector<std::string> ReadTokenList(const std::string& path);

// Pads examples into a time-major batch: source + <eos> then the source's pad(), target +
// <eos>, -1 after; the ids are those of the two tables (default: the built-in ones).
Seq2SeqBatch MakeSeq2SeqBatch(const std::vector<Seq2SeqExample>& examples);
Seq2SeqBatch MakeSeq2SeqBatch(const std::vector<Seq2SeqExample>& examples, const SymbolTable& source,
                              const SymbolTable& target);

}  // namespace rnnscope
