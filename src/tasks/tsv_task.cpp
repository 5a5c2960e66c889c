// tsv: seq2seq pairs from a file, one "source<TAB>target" per line, one token per UTF-8
// character on both sides (as the generated tasks). Blank lines are skipped and a trailing CR
// dropped; a line without exactly one tab, or with an empty side, is an InputError
// "path:line: expected 'source<TAB>target', found ...". No ground-truth alignment.
// Splits: a pair's split is SplitOf(source) (8:1:1, as the generated tasks); a split with no
// pair (a small file) borrows the training pairs so that validation still runs.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/error.h"
#include "core/utf8.h"
#include "io/atomic_file.h"
#include "tasks/borrowed_splits.h"
#include "tasks/line_file.h"
#include "tasks/seq2seq_task.h"

namespace rnnscope {
namespace {

constexpr std::uint64_t kMaxFileBytes = 256ull << 20;

class TsvTask : public Seq2SeqTask {
 public:
  explicit TsvTask(const TaskOptions& o) : path_(o.data_path) {
    if (path_.empty()) throw ConfigError("task tsv needs --data FILE (lines 'source<TAB>target')");
    const std::string text = ReadFileChecked(path_, kMaxFileBytes);
    CheckLineFileText(text, path_, "lines 'source<TAB>target'");
    std::string_view all(text);
    if (all.rfind("\xEF\xBB\xBF", 0) == 0) all.remove_prefix(3);
    int line_no = 0;
    for (std::size_t pos = 0; pos < all.size();) {
      std::size_t end = all.find('\n', pos);
      if (end == std::string_view::npos) end = all.size();
      std::string_view line = all.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find('\r') != std::string_view::npos)  // else it would become a token
        throw InputError(path_ + ":" + std::to_string(line_no) +
                         ": carriage return inside a line (old Mac line ends?); expected one 'source<TAB>target' per line");
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      const std::string where = path_ + ":" + std::to_string(line_no) + ": expected 'source<TAB>target', found ";
      const auto tabs = std::count(line.begin(), line.end(), '\t');
      if (tabs != 1) throw InputError(where + (tabs == 0 ? "no tab" : std::to_string(tabs) + " tabs") + ": " + QuotedLine(line));
      const std::size_t tab = line.find('\t');
      if (tab == 0) throw InputError(where + "an empty source: " + QuotedLine(line));
      if (tab + 1 == line.size()) throw InputError(where + "an empty target: " + QuotedLine(line));
      Seq2SeqExample ex;
      for (char32_t cp : DecodeUtf8(line.substr(0, tab))) ex.source.push_back(source_.Add(EncodeUtf8(cp)));
      for (char32_t cp : DecodeUtf8(line.substr(tab + 1))) ex.target.push_back(target_.Add(EncodeUtf8(cp)));
      max_target_ = std::max(max_target_, static_cast<int>(ex.target.size()));
      splits_[static_cast<int>(SplitOf(ex.source))].push_back(std::move(ex));
    }
    if (splits_[0].empty() && splits_[1].empty() && splits_[2].empty())
      throw InputError(path_ + ": no pairs (only blank lines); expected lines 'source<TAB>target'");
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
