// tsv: seq2seq pairs from a file, one "source<TAB>target" per line, one token per UTF-8
// character on both sides (as the generated tasks). Blank lines are skipped and a trailing CR
// dropped; a line without exactly one tab, or with an empty side, is an InputError
// "path:line: expected 'source<TAB>target', found ...". No ground-truth alignment.
// Splits: a pair's split is SplitOf(source) (8:1:1, as the generated tasks); a split with no
// pair (a small file) borrows the training pairs so that validation still runs.
#include <algorithm>
#include <memory>
#include <string_view>

#include "core/error.h"
#include "core/utf8.h"
#include "tasks/borrowed_splits.h"
#include "tasks/line_file.h"
#include "tasks/seq2seq_task.h"

namespace rnnscope {
namespace {

class TsvTask : public Seq2SeqTask {
 public:
  explicit TsvTask(const TaskOptions& o) : path_(o.data_path) {
    if (path_.empty()) throw ConfigError("task tsv needs --data FILE (lines 'source<TAB>target')");
    ForEachTsvPair(path_, [&](int, std::string_view source, std::string_view target) {
      Seq2SeqExample ex;
      for (char32_t cp : DecodeUtf8(source)) ex.source.push_back(source_.Add(EncodeUtf8(cp)));
      for (char32_t cp : DecodeUtf8(target)) ex.target.push_back(target_.Add(EncodeUtf8(cp)));
      max_target_ = std::max(max_target_, static_cast<int>(ex.target.size()));
      splits_[static_cast<int>(SplitOf(ex.source))].push_back(std::move(ex));
    });
    BorrowEmptySplits(splits_, notes_, path_, "pairs", "the source");
  }
  std::string SplitNote(Split split) const override { return notes_[static_cast<int>(split)]; }
  std::string Name() const override { return "tsv"; }
  bool HasAlignment() const override { return false; }
  int MaxTargetLength() const override { return max_target_; }
  Seq2SeqExample Sample(Rng& rng, Split split) const override {
    const auto& list = splits_[static_cast<int>(split)];
    return list[rng.UniformInt(list.size())];
  }

 protected:
  Seq2SeqExample Generate(Rng& rng) const override { return Sample(rng, Split::kTrain); }

 private:
  std::string path_;
  int max_target_ = 0;
  std::vector<Seq2SeqExample> splits_[3];
  std::string notes_[3];
};

}  // namespace

std::unique_ptr<Seq2SeqTask> MakeTsvTask(const TaskOptions& options) { return std::make_unique<TsvTask>(options); }

}  // namespace rnnscope
