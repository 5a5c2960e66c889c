// The built-in default corpus: English-like text generated from a seed, with latent structure
// a small LSTM can learn in a minute and that the cell/hidden panels can show being tracked
// (Karpathy et al. 2015, "Visualizing and Understanding Recurrent Networks"):
//   - lines are greedily word-wrapped at line_width, so "position in line" predicts '\n';
//   - brackets ( [ { nest up to 3 deep and close in matching order (a stack to remember);
//   - quoted spans "..." draw words from their own small lexicon (so a quote state pays off);
//   - words come from a 60-word Zipf-weighted lexicon, sentences start capitalized and end
//     with . ! or ?, and brackets and quotes always close within their sentence.
// The alphabet stays near 50 characters. Deterministic for a seed on every platform (own RNG,
// no std::*_distribution, whose output is implementation-defined).
//
// Latent signals are given per character and describe the state *after* reading it, which is
// what the hidden state h_t (having consumed character t) can encode:
//   inside_quotes   1 from an opening quote up to (not including) its closing quote
//   bracket_depth   open brackets after this character ('(' at depth 0 gives 1)
//   position_in_line characters on the current line so far: 1 for a line's first character,
//                   0 for '\n' itself
// The text is ASCII, so character index = byte index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tasks/text_corpus.h"

namespace rnnscope {

struct ProceduralCorpusOptions {
  uint64_t seed = 1;
  std::size_t target_chars = 300'000;  // generation stops at the first sentence end past this
  int line_width = 64;
};

struct ProceduralCorpus {
  std::string text;
  std::vector<uint8_t> inside_quotes;     // per character, 0/1
  std::vector<int32_t> bracket_depth;     // per character, 0..3
  std::vector<int32_t> position_in_line;  // per character, 0..line_width
};

inline constexpr int kProceduralMaxDepth = 3;

// Throws ConfigError for target_chars outside [1000, 64 Mi] or line_width outside [20, 200].
ProceduralCorpus GenerateProceduralCorpus(const ProceduralCorpusOptions& options = {});

// The generated text as a TextCorpus (source "procedural corpus (seed N)"); the latent signals
// of validation character i are at index train.size() + i of the ProceduralCorpus.
TextCorpus MakeProceduralTextCorpus(const ProceduralCorpus& corpus, uint64_t seed,
                                    double validation_fraction = 0.1);

}  // namespace rnnscope
