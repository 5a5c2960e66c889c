// Random token batches for the model tests (gradient checks, dropout, gradient contributions,
// the float path): one definition, so the batches the tests draw cannot drift apart.
#pragma once

#include <cstdint>
#include <random>

#include "model/token_batch.h"

namespace rnnscope::test {

// T×B uniformly random tokens in [0, vocab), time-major (flat index i = t*B + b). The target at i
// is ignored (-1) where ignore_every > 0 and i % ignore_every == ignore_at. Per position the input
// is drawn first, then the target (not drawn when ignored), so a seed gives the same batch it
// always gave.
template <class Engine>
TokenBatch DrawTokenBatch(int T, int B, int vocab, Engine& rng, int ignore_every = 0, int ignore_at = 0) {
  std::uniform_int_distribution<int> tok(0, vocab - 1);
  TokenBatch batch;
  batch.T = T;
  batch.B = B;
  for (int i = 0; i < T * B; ++i) {
    batch.input.push_back(tok(rng));
    batch.target.push_back(ignore_every > 0 && i % ignore_every == ignore_at ? -1 : tok(rng));
  }
  return batch;
}

inline TokenBatch RandomTokenBatch(int T, int B, int vocab, uint64_t seed, int ignore_every = 0, int ignore_at = 0) {
  std::mt19937_64 rng(seed);
  return DrawTokenBatch(T, B, vocab, rng, ignore_every, ignore_at);
}

}  // namespace rnnscope::test
