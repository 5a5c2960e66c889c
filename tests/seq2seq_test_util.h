// Shared by the seq2seq model tests (gradient checks, float path): a batch whose sequences have
// different source and target lengths, so every masking path runs.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/rng.h"
#include "model/seq2seq.h"

namespace rnnscope::test {

// Sources of lengths {Ts, Ts-2, 1, ...} padded with <pad>; targets of different lengths ending
// in <eos>, then -1.
inline Seq2SeqBatch MixedLengthBatch(const Seq2SeqConfig& c, int Ts, int To, int B, uint64_t seed) {
  Rng rng(seed);
  Seq2SeqBatch batch;
  batch.Ts = Ts;
  batch.To = To;
  batch.B = B;
  batch.source.assign(static_cast<std::size_t>(Ts * B), c.pad_id);
  batch.target.assign(static_cast<std::size_t>(To * B), -1);
  for (int b = 0; b < B; ++b) {
    const int len = std::max(1, Ts - 2 * b);
    batch.source_length.push_back(len);
    for (int t = 0; t < len; ++t)
      batch.source[static_cast<std::size_t>(t * B + b)] =
          3 + static_cast<int32_t>(rng.UniformInt(static_cast<uint64_t>(c.source_vocab - 3)));
    const int out = std::max(1, To - b);
    for (int t = 0; t < out - 1; ++t)
      batch.target[static_cast<std::size_t>(t * B + b)] =
          3 + static_cast<int32_t>(rng.UniformInt(static_cast<uint64_t>(c.target_vocab - 3)));
    batch.target[static_cast<std::size_t>((out - 1) * B + b)] = c.eos_id;
  }
  return batch;
}

}  // namespace rnnscope::test
