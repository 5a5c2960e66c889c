// The seq2seq task zoo: disjoint splits, targets and alignments that match the task's definition.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "tasks/seq2seq_task.h"

namespace rnnscope {
namespace {

TEST(Seq2SeqTasks, SplitsAreDisjointAndAlignmentsInRange) {
  for (const std::string& name : Seq2SeqTaskNames()) {
    auto task = MakeSeq2SeqTask(name, {3, 9});
    Rng rng(4);
    std::set<std::vector<int32_t>> train, test;
    for (int i = 0; i < 300; ++i) {
      const Seq2SeqExample ex = task->Sample(rng, Split::kTrain);
      train.insert(ex.source);
      ASSERT_EQ(ex.alignment.size(), ex.target.size()) << name;
      for (const auto& [lo, hi] : ex.alignment) {
        if (lo < 0) continue;
        EXPECT_LT(lo, hi) << name;
        EXPECT_LE(hi, static_cast<int>(ex.source.size())) << name;
      }
      EXPECT_LE(static_cast<int>(ex.target.size()), task->MaxTargetLength()) << name;
    }
    for (int i = 0; i < 100; ++i) test.insert(task->Sample(rng, Split::kTest).source);
    for (const auto& s : test) EXPECT_EQ(train.count(s), 0u) << name;
  }
}

TEST(Seq2SeqTasks, TargetsFollowTheTaskDefinition) {
  Rng rng(9);
  auto reverse = MakeSeq2SeqTask("reverse", {3, 9});
  const Seq2SeqExample r = reverse->Sample(rng, Split::kTrain);
  const std::size_t n = r.source.size();
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(r.target[i], r.source[n - 1 - i]);
    EXPECT_EQ(r.alignment[i].first, static_cast<int>(n - 1 - i));  // anti-diagonal
  }
  auto add = MakeSeq2SeqTask("add", {3, 7});
  for (int i = 0; i < 50; ++i) {
    const Seq2SeqExample ex = add->Sample(rng, Split::kTrain);
    const std::string src = add->DecodeSource(ex.source);
    const auto plus = src.find('+');
    EXPECT_EQ(std::stoll(src.substr(0, plus)) + std::stoll(src.substr(plus + 1)),
              std::stoll(add->DecodeTarget(ex.target)));
  }
  auto dates = MakeSeq2SeqTask("dates", {});
  for (int i = 0; i < 200; ++i) {
    const Seq2SeqExample ex = dates->Sample(rng, Split::kTrain);
    const std::string iso = dates->DecodeTarget(ex.target);
    ASSERT_EQ(iso.size(), 10u);
    EXPECT_EQ(iso[4], '-');
    // Each year digit's span in the source is a year field containing the year's last digits.
    const std::string src = dates->DecodeSource(ex.source);
    const auto [lo, hi] = ex.alignment[3];
    EXPECT_NE(src.substr(static_cast<std::size_t>(lo), static_cast<std::size_t>(hi - lo)).find(iso.substr(2, 2)),
              std::string::npos) << src << " → " << iso;
  }
}

TEST(Seq2SeqTasks, TranslationReordersWordsAndAlignsEachToItsSource) {
  auto task = MakeSeq2SeqTask("translation", {});
  // The worked example of translation_task.cpp, through the user-facing encoder.
  const std::vector<int32_t> src = task->EncodeSource("the small cat sees a dog in the park yesterday");
  EXPECT_EQ(task->DecodeSource(src), "the small cat sees a dog in the park yesterday");
  EXPECT_THROW(task->EncodeSource("the cat meows"), InputError);
  Rng rng(3);
  int reordered = 0;
  for (int i = 0; i < 300; ++i) {
    const Seq2SeqExample ex = task->Sample(rng, Split::kTrain);
    const std::string source = task->DecodeSource(ex.source), target = task->DecodeTarget(ex.target);
    std::vector<std::string> words;
    for (std::size_t at = 0, next; at <= source.size(); at = next + 1) {
      next = source.find(' ', at);
      if (next == std::string::npos) next = source.size();
      words.push_back(source.substr(at, next - at));
    }
    ASSERT_EQ(words.size(), ex.source.size());
    for (std::size_t k = 0; k < ex.target.size(); ++k) {
      const std::string& out = task->target_vocab().Token(ex.target[k]);
      const auto [lo, hi] = ex.alignment[k];
      if (out == "de") {
        EXPECT_EQ(lo, -1) << "the particle has no source word";
        continue;
      }
      ASSERT_GE(lo, 0) << out << " in " << target;
      ASSERT_EQ(hi, lo + 1);
      const std::string& from = words[static_cast<std::size_t>(lo)];
      // A few dictionary entries, checked through the alignment.
      if (out == "mao") EXPECT_EQ(from, "cat");
      if (out == "kanjian") EXPECT_EQ(from, "sees");
      if (out == "zuotian") EXPECT_EQ(from, "yesterday");
      if (out == "li" || out == "zai") EXPECT_TRUE(from == "in" || from == "near" || from == "behind") << from;
      EXPECT_NE(from, "the");
      EXPECT_NE(from, "a");
    }
    // Not monotone whenever a place or time phrase moved in front of the verb.
    for (std::size_t k = 1; k < ex.alignment.size(); ++k)
      if (ex.alignment[k].first >= 0 && ex.alignment[k - 1].first > ex.alignment[k].first) {
        ++reordered;
        break;
      }
  }
  EXPECT_GT(reordered, 250) << "the grammar should reorder almost every sentence";
}

TEST(Seq2SeqTasks, BatchLayoutAndErrors) {
  Seq2SeqExample a{{3, 4, 5}, {5, 4, 3}, {}}, b{{6}, {6}, {}};
  const Seq2SeqBatch batch = MakeSeq2SeqBatch({a, b});
  EXPECT_EQ(batch.Ts, 4);
  EXPECT_EQ(batch.To, 4);
  EXPECT_EQ(batch.source_length, (std::vector<int>{4, 2}));
  EXPECT_EQ(batch.source[1 * 2 + 1], SymbolTable::kEos);  // b: 6 <eos> <pad> <pad>
  EXPECT_EQ(batch.source[2 * 2 + 1], SymbolTable::kPad);
  EXPECT_EQ(batch.target[1 * 2 + 1], SymbolTable::kEos);
  EXPECT_EQ(batch.target[2 * 2 + 1], -1);
  EXPECT_THROW(MakeSeq2SeqTask("nope", {}), ConfigError);
  auto reverse = MakeSeq2SeqTask("reverse", {3, 9});
  EXPECT_THROW(reverse->EncodeSource("abC"), InputError);
}

}  // namespace
}  // namespace rnnscope
