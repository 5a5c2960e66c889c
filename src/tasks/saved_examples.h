// The task of a checkpoint whose data file is gone or changed (tsv, conll): rebuilt from what
// the checkpoint saved — the vocabularies and the fixed validation examples the job measured
// itself on — so that the window, `eval`, `translate` and `tag` still work without the data.
// Training draws from the training split, which is not saved: Sample(kTrain) throws a
// ConfigError naming why (the jobs refuse earlier, TrainingJob::Step). Validation and test
// draw from the saved examples, and SplitNote says so, so no metric pretends to be on the
// test split it never saw.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "tasks/seq2seq_task.h"
#include "tasks/tagging_task.h"

namespace rnnscope {

// The examples as a checkpoint saves them: [[source ids], [target ids]] per pair, [[word
// ids], [tag ids]] per sentence. The readers throw (nlohmann) on a wrong shape; the tasks below
// check every id against their vocabularies.
nlohmann::json SavedExamplesToJson(const std::vector<Seq2SeqExample>& examples);
nlohmann::json SavedExamplesToJson(const std::vector<TaggingExample>& examples);
std::vector<Seq2SeqExample> Seq2SeqExamplesFromJson(const nlohmann::json& j);
std::vector<TaggingExample> TaggingExamplesFromJson(const nlohmann::json& j);

// tokens: the vocabularies in id order, as the checkpoint lists them (ids 0–2 the specials).
// `unavailable` is ChangedSince()'s text. Throws InputError on ids outside the vocabularies or
// on no examples.
std::unique_ptr<Seq2SeqTask> MakeSavedSeq2SeqTask(const std::string& name, const std::vector<std::string>& source_tokens,
                                                  const std::vector<std::string>& target_tokens,
                                                  const std::vector<Seq2SeqExample>& examples, const std::string& unavailable);
// words in id order (from <pad>, <sos>, <eos>, <unk>), tags in id order.
std::unique_ptr<TaggingTask> MakeSavedTaggingTask(const std::string& name, const nlohmann::json& options,
                                                  const std::vector<std::string>& words,
                                                  const std::vector<std::string>& tags,
                                                  const std::vector<TaggingExample>& examples, const std::string& unavailable);

}  // namespace rnnscope
