// The splits of a user's data file (CoNLL sentences, TSV pairs): each example goes to train,
// validation or test by a hash of its content (8:1:1, as the generated tasks). A file too small
// to fill every split borrows: an empty training split takes all examples, and an empty
// validation or test split takes the training examples, with a note saying so that eval and
// the Loss panel show (their metrics then come from training examples).
#pragma once

#include <string>
#include <vector>

namespace rnnscope {

// unit: "sentences" / "pairs"; hashed_by: what the hash reads ("the words", "the source").
template <class Example>
void BorrowEmptySplits(std::vector<Example> (&splits)[3], std::string (&notes)[3], const std::string& path,
                       const std::string& unit, const std::string& hashed_by) {
  if (splits[0].empty())  // every example hashed to validation/test: train on all of them
    for (int k = 1; k < 3; ++k) splits[0].insert(splits[0].end(), splits[k].begin(), splits[k].end());
  for (int k = 1; k < 3; ++k)
    if (splits[k].empty()) {
      splits[k] = splits[0];
      notes[k] = path + " has no " + (k == 1 ? "validation " : "test ") + unit + " (split by a hash of " + hashed_by +
                 "); scored on the training " + unit;
    }
}

}  // namespace rnnscope
