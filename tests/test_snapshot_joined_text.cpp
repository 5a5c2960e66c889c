// The attention panel shows AttentionTrace::source_text / output_text; they must be joined the
// way the task joins words (zh_en: Chinese characters together, English words with spaces),
// not a concatenation of tokens ("wewatchpandasinamerica").
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "train/seq2seq_job.h"
#include "train/snapshot.h"

namespace rnnscope {
namespace {

std::vector<std::string> WithoutEos(std::vector<std::string> tokens) {
  std::erase(tokens, std::string("<eos>"));
  return tokens;
}

std::string JoinedWith(const std::vector<std::string>& tokens, const std::string& separator) {
  std::string out;
  for (const auto& t : tokens) out += (out.empty() ? "" : separator) + t;
  return out;
}

Snapshot SnapshotOf(const std::string& task) {
  const nlohmann::json small = {{"hidden", 8}, {"embed", 4}, {"attention_size", 8}, {"cell", "gru"}};
  Seq2SeqJob job(task, Seq2SeqOptionsFromJson(task, small));
  TrainSettings s;
  job.Step(s);
  Snapshot snap;
  job.FillSnapshot("", s, snap);
  return snap;
}

TEST(SnapshotJoinedText, ZhEnJoinsChineseTogetherAndEnglishWithSpaces) {
  const Snapshot snap = SnapshotOf("zh_en");
  ASSERT_FALSE(snap.attention.empty());
  for (const AttentionTrace& a : snap.attention) {
    const auto source = WithoutEos(a.source_tokens);
    ASSERT_GT(source.size(), 1u);
    EXPECT_EQ(a.source_text, JoinedWith(source, ""));
    EXPECT_EQ(a.source_text.find(' '), std::string::npos) << a.source_text;
    const auto output = WithoutEos(a.output_tokens);
    EXPECT_EQ(a.output_text, JoinedWith(output, " "));
    if (output.size() > 1) EXPECT_NE(a.output_text.find(' '), std::string::npos) << a.output_text;
  }
}

TEST(SnapshotJoinedText, TranslationJoinsBothSidesWithSpacesAndCharacterTasksWithout) {
  const Snapshot words = SnapshotOf("translation");
  ASSERT_FALSE(words.attention.empty());
  EXPECT_EQ(words.attention[0].source_text, JoinedWith(WithoutEos(words.attention[0].source_tokens), " "));
  EXPECT_EQ(words.attention[0].output_text, JoinedWith(WithoutEos(words.attention[0].output_tokens), " "));
  const Snapshot chars = SnapshotOf("reverse");
  ASSERT_FALSE(chars.attention.empty());
  EXPECT_EQ(chars.attention[0].source_text, JoinedWith(WithoutEos(chars.attention[0].source_tokens), ""));
  EXPECT_EQ(chars.attention[0].output_text, JoinedWith(WithoutEos(chars.attention[0].output_tokens), ""));
}

}  // namespace
}  // namespace rnnscope
