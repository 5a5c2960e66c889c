// The seq2seq task zoo: disjoint splits, targets and alignments that match the task's definition.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/utf8.h"
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

// Splits "i love china" into its words.
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  for (std::size_t at = 0, next; at <= text.size(); at = next + 1) {
    next = text.find(' ', at);
    if (next == std::string::npos) next = text.size();
    words.push_back(text.substr(at, next - at));
  }
  return words;
}

TEST(Seq2SeqTasks, ZhEnSourceTokensAreSingleChineseCharacters) {
  auto task = MakeSeq2SeqTask("zh_en", {});
  const SymbolTable& source = task->source_vocab();
  for (int32_t id = SymbolTable::kEos + 1; id < source.Size(); ++id) {
    const std::vector<char32_t> cps = DecodeUtf8(source.Token(id));
    ASSERT_EQ(cps.size(), 1u) << source.Token(id);
    EXPECT_TRUE(cps[0] >= 0x4E00 && cps[0] <= 0x9FFF) << source.Token(id) << " is not a CJK ideograph";
  }
  // The user's text is read one character per token and shown back as written.
  const std::vector<int32_t> src = task->EncodeSource("我爱中国");
  ASSERT_EQ(src.size(), 4u);
  EXPECT_EQ(source.Token(src[2]), "中");
  EXPECT_EQ(source.Token(src[3]), "国");
  EXPECT_EQ(task->DecodeSource(src), "我爱中国");
  EXPECT_THROW(task->EncodeSource("我爱狗"), InputError);  // 狗 is not in the grammar
  EXPECT_THROW(task->EncodeSource("i love china"), InputError);
}

TEST(Seq2SeqTasks, ZhEnProducesILoveChinaWithEachWordAlignedToItsCharacters) {
  auto task = MakeSeq2SeqTask("zh_en", {});
  const std::vector<int32_t> wanted = task->EncodeSource("我爱中国");
  // It lies in exactly one split; draw from that one until the generator makes it.
  const Split split = SplitOf(wanted);
  Rng rng(1);
  for (int i = 0; i < 200000; ++i) {
    const Seq2SeqExample ex = task->Sample(rng, split);
    if (ex.source != wanted) continue;
    EXPECT_EQ(task->DecodeTarget(ex.target), "i love china");
    // "i" ← 我 (0), "love" ← 爱 (1), "china" ← 中国 (2 and 3).
    EXPECT_EQ(ex.alignment, (std::vector<std::pair<int, int>>{{0, 1}, {1, 2}, {2, 4}}));
    return;
  }
  FAIL() << "200000 draws of its split never produced 我爱中国";
}

TEST(Seq2SeqTasks, ZhEnTranslatesEachWordFromTheCharactersItIsAlignedTo) {
  auto task = MakeSeq2SeqTask("zh_en", {});
  // A few dictionary entries: the characters each English word's span covers.
  const std::map<std::string, std::set<std::string>> dictionary = {
      {"i", {"我"}}, {"we", {"我们"}}, {"they", {"他们"}}, {"he", {"他"}}, {"she", {"她"}},
      {"love", {"爱"}}, {"loves", {"爱"}}, {"like", {"喜欢"}}, {"likes", {"喜欢"}},
      {"miss", {"想念"}}, {"misses", {"想念"}}, {"watch", {"看"}}, {"watches", {"看"}},
      {"china", {"中国"}}, {"japan", {"日本"}}, {"beijing", {"北京"}}, {"movies", {"电影"}},
      {"music", {"音乐"}}, {"in", {"在"}}, {"today", {"今天"}}, {"now", {"现在"}},
      {"every", {"每"}}, {"day", {"天"}}};
  Rng rng(5);
  int reordered = 0, with_place = 0, with_time = 0;
  std::set<std::string> seen_targets;
  for (int i = 0; i < 2000; ++i) {
    const Seq2SeqExample ex = task->Sample(rng, Split::kTrain);
    const std::string target = task->DecodeTarget(ex.target);
    const std::vector<std::string> words = Words(target);
    ASSERT_EQ(words.size(), ex.target.size()) << target;
    ASSERT_GE(words.size(), 3u) << target;
    for (std::size_t k = 0; k < words.size(); ++k) {
      // Every target word is a lowercase entry of the target vocabulary, none a special token.
      ASSERT_TRUE(task->target_vocab().Has(words[k])) << words[k];
      EXPECT_GT(ex.target[k], SymbolTable::kEos) << target;
      for (char c : words[k]) EXPECT_TRUE(c >= 'a' && c <= 'z') << words[k];
      const auto [lo, hi] = ex.alignment[k];
      ASSERT_GE(lo, 0) << "every English word has a source: " << words[k] << " in " << target;
      ASSERT_LT(lo, hi);
      const std::vector<int32_t> span(ex.source.begin() + lo, ex.source.begin() + hi);
      const std::string from = task->DecodeSource(span);
      if (auto it = dictionary.find(words[k]); it != dictionary.end())
        EXPECT_EQ(it->second.count(from), 1u) << words[k] << " ← " << from << " in " << target;
      seen_targets.insert(words[k]);
    }
    // English agreement: he/she take the 3rd-person form, the others the base form.
    const bool third = words[0] == "he" || words[0] == "she";
    const std::set<std::string> base = {"love", "like", "miss", "watch"},
                                third_forms = {"loves", "likes", "misses", "watches"};
    EXPECT_EQ((third ? third_forms : base).count(words[1]), 1u) << target;
    // 看 is "watch" only where English says so: movies, football, pandas, never "watch china".
    if (words[1] == "watch" || words[1] == "watches")
      EXPECT_TRUE(words[2] == "movies" || words[2] == "football" || words[2] == "pandas") << target;
    // Subject verb object first; "in" is followed by a place and comes after the object.
    const auto in = std::find(words.begin(), words.end(), "in");
    if (in != words.end()) {
      ++with_place;
      EXPECT_EQ(in - words.begin(), 3) << target;
      ASSERT_NE(in + 1, words.end()) << target;
    }
    with_time += words.back() == "today" || words.back() == "now" || words.back() == "day";
    for (std::size_t k = 1; k < ex.alignment.size(); ++k)
      if (ex.alignment[k - 1].first > ex.alignment[k].first) {
        ++reordered;
        break;
      }
  }
  // Place phrases 2 in 3, time words 1 in 2, and either one moves behind the verb in English.
  EXPECT_NEAR(with_place / 2000.0, 2.0 / 3, 0.05);
  EXPECT_NEAR(with_time / 2000.0, 0.5, 0.05);
  EXPECT_NEAR(reordered / 2000.0, 1 - 1.0 / 3 * 0.5, 0.05);
  // Every target word of the vocabulary turns up.
  EXPECT_EQ(static_cast<int>(seen_targets.size()), task->target_vocab().Size() - 3);
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
