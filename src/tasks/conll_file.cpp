// The CoNLL-like file parser and the "conll" tagging task built on it.
#include "tasks/conll_file.h"

#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/utf8.h"
#include "io/atomic_file.h"
#include "tasks/borrowed_splits.h"
#include "tasks/line_file.h"
#include "tasks/tagging_task.h"

namespace rnnscope {

namespace {
constexpr std::uint64_t kMaxFileBytes = 256ull << 20;
}  // namespace

std::vector<TaggedSentence> ParseConll(std::string_view text, const std::string& source) {
  CheckLineFileText(text, source, "lines 'token<TAB>tag' with a blank line between sentences");
  std::vector<TaggedSentence> sentences;
  TaggedSentence current;
  int line_no = 0;
  std::size_t pos = 0;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) pos = 3;  // byte order mark
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos)  // else it would end up inside a token or tag
      throw InputError(source + ":" + std::to_string(line_no) +
                       ": carriage return inside a line (old Mac line ends?); expected one 'token<TAB>tag' per line");
    // Split on runs of spaces and tabs.
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      const std::size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      if (i > start) fields.push_back(line.substr(start, i - start));
    }
    if (fields.empty()) {  // blank line: end of sentence
      if (!current.words.empty()) sentences.push_back(std::move(current));
      current = {};
      continue;
    }
    if (fields[0] == "-DOCSTART-") continue;
    const std::string where = source + ":" + std::to_string(line_no) + ": ";
    if (fields.size() != 2)
      throw InputError(where + "expected two columns 'token<TAB>tag' (or separated by spaces), found " +
                       std::to_string(fields.size()) + (fields.size() == 1 ? " column: " : " columns: ") + QuotedLine(line));
    if (current.words.empty()) current.line = line_no;
    current.words.emplace_back(fields[0]);
    current.tags.emplace_back(fields[1]);
  }
  if (!current.words.empty()) sentences.push_back(std::move(current));
  if (sentences.empty())
    throw InputError(source + ": no sentences (only blank or -DOCSTART- lines); expected lines 'token<TAB>tag'");
  return sentences;
}

std::vector<TaggedSentence> LoadConll(const std::string& path) {
  return ParseConll(ReadFileChecked(path, kMaxFileBytes), path);
}

namespace {

// Every sentence of the file, split 8:1:1 by a hash of its words. A split that gets no sentence
// (a very small file) borrows the training sentences, so validation still runs; the checkpoint
// names the file so eval reloads the same data.
class ConllTask : public TaggingTask {
 public:
  explicit ConllTask(const std::string& path) : path_(path) {
    for (const TaggedSentence& s : LoadConll(path)) {
      TaggingExample ex;
      for (std::size_t i = 0; i < s.words.size(); ++i) {
        ex.words.push_back(words_.Add(s.words[i]));
        ex.tags.push_back(AddTag(s.tags[i]));
      }
      splits_[static_cast<int>(SplitOf(ex.words))].push_back(std::move(ex));
    }
    if (tags_.size() < 2) {
      // One tag everywhere: a classifier with one class cannot learn anything.
      throw InputError(path + ": every token has the tag '" + tags_.front() + "'; expected at least two different tags");
    }
    BorrowEmptySplits(splits_, notes_, path, "sentences", "the words");
  }
  std::string SplitNote(Split split) const override { return notes_[static_cast<int>(split)]; }
  std::string Name() const override { return "conll"; }
  nlohmann::json Options() const override { return {{"data", path_}}; }
  const std::vector<TaggingExample>* Examples(Split split) const override { return &splits_[static_cast<int>(split)]; }
  TaggingExample Sample(Rng& rng, Split split) const override {
    const auto& list = splits_[static_cast<int>(split)];
    return list[rng.UniformInt(list.size())];
  }

 private:
  std::string path_;
  std::vector<TaggingExample> splits_[3];
  std::string notes_[3];
};

}  // namespace

std::unique_ptr<TaggingTask> MakeConllTask(const std::string& path) { return std::make_unique<ConllTask>(path); }

}  // namespace rnnscope
