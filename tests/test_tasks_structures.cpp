// The generated tagging, classification and generation tasks: labels follow the definitions
// (checked independently of how the generators build them), splits are disjoint, batches are
// laid out time-major with padding, and slot spans follow conlleval's rules.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/rng.h"
#include "tasks/classification_task.h"
#include "tasks/generation_task.h"
#include "tasks/tagging_task.h"

namespace rnnscope {
namespace {

TEST(StructureTasks, BracketsLabelsAreBalanceByDefinition) {
  const auto task = MakeClassificationTask("brackets", nlohmann::json::object());
  Rng rng(1);
  int balanced = 0, same_count_unbalanced = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const ClassificationExample ex = task->Sample(rng, Split::kTrain);
    int depth = 0, opens = 0;
    bool ok = true;
    for (int32_t id : ex.tokens) {
      const bool open = task->symbols().Token(id) == "(";
      opens += open;
      depth += open ? 1 : -1;
      ok = ok && depth >= 0;
    }
    ok = ok && depth == 0;
    ASSERT_EQ(ex.label, ok ? 1 : 0) << task->Decode(ex.tokens);
    balanced += ok;
    same_count_unbalanced += !ok && 2 * opens == static_cast<int>(ex.tokens.size());
  }
  EXPECT_NEAR(static_cast<double>(balanced) / n, 0.5, 0.05);
  EXPECT_GT(same_count_unbalanced, n / 10) << "hard negatives (right count, wrong order) are missing";
}

TEST(StructureTasks, MajorityLabelIsTheStrictMostFrequentSymbol) {
  const auto task = MakeClassificationTask("majority", nlohmann::json::object());
  Rng rng(2);
  std::map<int, int> labels;
  for (int i = 0; i < 2000; ++i) {
    const ClassificationExample ex = task->Sample(rng, Split::kValidation);
    std::map<std::string, int> count;
    for (int32_t id : ex.tokens) ++count[task->symbols().Token(id)];
    const std::string& label = task->classes()[static_cast<std::size_t>(ex.label)];
    for (const auto& [sym, c] : count)
      if (sym != label) EXPECT_LT(c, count[label]) << task->Decode(ex.tokens);
    ++labels[ex.label];
  }
  EXPECT_EQ(labels.size(), 3u);
}

TEST(StructureTasks, SplitsAreDisjoint) {
  const auto slots = MakeSlotTask(TagScheme::kBio);
  const auto brackets = MakeClassificationTask("majority", nlohmann::json::object());
  Rng rng(3);
  std::set<std::vector<int32_t>> seen[3];
  for (int s = 0; s < 3; ++s)
    for (int i = 0; i < 300; ++i) {
      seen[s].insert(slots->Sample(rng, static_cast<Split>(s)).words);
      seen[s].insert(brackets->Sample(rng, static_cast<Split>(s)).tokens);
    }
  for (int a = 0; a < 3; ++a)
    for (int b = a + 1; b < 3; ++b)
      for (const auto& x : seen[a]) EXPECT_EQ(seen[b].count(x), 0u);
}

TEST(StructureTasks, SlotsTagEveryWordAndTheVerbDecidesTheRole) {
  const auto task = MakeSlotTask(TagScheme::kBio);
  Rng rng(4);
  std::set<std::string> from_cities, to_cities;
  int city_first = 0;
  for (int i = 0; i < 3000; ++i) {
    const TaggingExample ex = task->Sample(rng, Split::kTrain);
    ASSERT_EQ(ex.words.size(), ex.tags.size());
    std::vector<std::string> tags;
    for (int32_t t : ex.tags) tags.push_back(task->tags()[static_cast<std::size_t>(t)]);
    for (const SlotSpan& s : ExtractSpans(tags)) {
      std::string phrase;
      for (int k = s.begin; k < s.end; ++k) phrase += (k > s.begin ? " " : "") + task->words().Token(ex.words[static_cast<std::size_t>(k)]);
      if (s.type == "from") from_cities.insert(phrase);
      if (s.type == "to") to_cities.insert(phrase);
    }
    city_first += tags[0] == "B-from" || tags[0] == "B-to";
  }
  EXPECT_EQ(from_cities, to_cities) << "every city appears in both roles";
  EXPECT_TRUE(from_cities.count("new york"));
  EXPECT_GT(city_first, 100) << "templates whose deciding word follows the city";
  const auto plain = MakeSlotTask(TagScheme::kPlain);
  EXPECT_EQ(plain->tags(), (std::vector<std::string>{"O", "from", "to", "date"}));
  EXPECT_EQ(task->SlotTypes(), (std::vector<std::string>{"from", "to", "date"}));
  EXPECT_EQ(task->EncodeWords("leave zanzibar")[1], TaggingTask::kUnk);
}

TEST(StructureTasks, SpansFollowConllevalRules) {
  using V = std::vector<std::string>;
  EXPECT_EQ(ExtractSpans(V{"B-to", "I-to", "O", "B-to", "B-to", "I-date"}),
            (std::vector<SlotSpan>{{"to", 0, 2}, {"to", 3, 4}, {"to", 4, 5}, {"date", 5, 6}}));
  EXPECT_EQ(ExtractSpans(V{"from", "from", "to", "O", "to"}),
            (std::vector<SlotSpan>{{"from", 0, 2}, {"to", 2, 3}, {"to", 4, 5}}));
  EXPECT_EQ(ExtractSpans(V{"I-x", "I-y"}), (std::vector<SlotSpan>{{"x", 0, 1}, {"y", 1, 2}}));
}

TEST(StructureTasks, GenerationTargetsSpellTheClass) {
  for (const char* name : {"spell", "numbers"}) {
    const auto task = MakeGenerationTask(name, nlohmann::json::object());
    Rng rng(5);
    for (int i = 0; i < 200; ++i) {
      const GenerationExample ex = task->Sample(rng, Split::kTest);
      EXPECT_LE(static_cast<int>(ex.target.size()), task->MaxLength());
      if (std::string(name) == "spell") EXPECT_EQ(task->Decode(ex.target), task->classes()[static_cast<std::size_t>(ex.cls)]);
    }
  }
  const auto numbers = MakeGenerationTask("numbers", nlohmann::json::object());
  EXPECT_EQ(numbers->ClassId("42"), 42);
  EXPECT_THROW(numbers->ClassId("100"), InputError);
}

TEST(StructureTasks, BatchesAreTimeMajorAndPadded) {
  const SequenceBatch t = MakeTaggingBatch({{{5, 6, 7}, {1, 2, 0}}, {{8}, {3}}});
  EXPECT_EQ(t.T, 3);
  EXPECT_EQ(t.B, 2);
  EXPECT_EQ(t.tokens, (std::vector<int32_t>{5, 8, 6, 0, 7, 0}));
  EXPECT_EQ(t.labels, (std::vector<int32_t>{1, 3, 2, -1, 0, -1}));
  EXPECT_EQ(t.lengths, (std::vector<int>{3, 1}));
  const SequenceBatch c = MakeClassificationBatch({{{4, 5}, 1}, {{3}, 0}});
  EXPECT_EQ(c.labels, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(c.tokens, (std::vector<int32_t>{4, 3, 5, 0}));
  const GenerationBatch g = MakeGenerationBatch({{2, {7, 8}}, {0, {9}}});
  EXPECT_EQ(g.T, 3);
  EXPECT_EQ(g.classes, (std::vector<int32_t>{2, 0}));
  EXPECT_EQ(g.target, (std::vector<int32_t>{7, 9, 8, SymbolTable::kEos, SymbolTable::kEos, -1}));
}

}  // namespace
}  // namespace rnnscope
