// Batches of (input, next-character target) windows over an id stream, for the char LM.
//
// Sequential mode (truncated BPTT, char-rnn style): the stream is cut into B contiguous tracks
// of L = (N-1)/B targets each, and consecutive calls return consecutive T-long chunks of every
// track, so the trainer carries the recurrent state from one call to the next. The last chunk
// of a pass is padded (input 0, target -1 = ignore) when T does not divide L; the call after it
// starts over at the beginning of the tracks and returns reset = true.
// Random mode: B windows at uniformly random starts (seeded), reset = true on every call.
//
// Deterministic for (ids, B, T, mode, seed); SaveState/LoadState round-trip the position and
// the RNG so a resumed checkpoint sees exactly the batches it would have seen.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <vector>

#include "core/rng.h"
#include "model/token_batch.h"

namespace rnnscope {

inline constexpr int kMaxBatch = 1 << 16;
inline constexpr int kMaxSeqLen = 1 << 20;

class CharBatcher {
 public:
  // `ids` is borrowed: it must outlive the batcher and not change. Throws ConfigError for
  // batch/seq_len out of [1, kMaxBatch]/[1, kMaxSeqLen], fewer than 2 ids, or (sequential)
  // fewer than batch + 1 ids.
  CharBatcher(std::span<const int32_t> ids, int batch, int seq_len, bool sequential, uint64_t seed);
  CharBatcher(std::vector<int32_t>&& ids, int, int, bool, uint64_t) = delete;  // would dangle

  // Fills `out` (reusing its storage). Returns true when the recurrent state must be reset
  // before this batch: always in random mode; at the start of each pass in sequential mode.
  bool Next(TokenBatch& out);

  int batch() const { return batch_; }
  int seq_len() const { return seq_len_; }
  bool sequential() const { return sequential_; }
  int64_t track_length() const { return track_len_; }  // L, sequential mode
  int64_t cursor() const { return cursor_; }            // offset of the next chunk in each track
  int64_t batches() const { return batches_; }          // Next() calls so far
  // Completed passes: exact in sequential mode; tokens drawn / (N-1) in random mode.
  int64_t epoch() const;

  // {"mode", "batch", "seq_len", "tokens", "cursor", "epoch", "batches", "rng"}
  nlohmann::json SaveState() const;
  // Throws InputError when the state is malformed or was saved for a different mode, batch,
  // sequence length or stream length (the position would mean something else).
  void LoadState(const nlohmann::json& state);

 private:
  std::span<const int32_t> ids_;
  int batch_;
  int seq_len_;
  bool sequential_;
  int64_t track_len_ = 0;
  int64_t cursor_ = 0;
  int64_t epoch_ = 0;
  int64_t batches_ = 0;
  Rng rng_;
};

}  // namespace rnnscope
