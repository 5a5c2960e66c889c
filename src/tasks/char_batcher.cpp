#include "tasks/char_batcher.h"

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace rnnscope {

CharBatcher::CharBatcher(std::span<const int32_t> ids, int batch, int seq_len, bool sequential,
                         uint64_t seed)
    : ids_(ids), batch_(batch), seq_len_(seq_len), sequential_(sequential), rng_(seed) {
  if (batch < 1 || batch > kMaxBatch)
    throw ConfigError("batch " + std::to_string(batch) + " is outside [1, " + std::to_string(kMaxBatch) + "]");
  if (seq_len < 1 || seq_len > kMaxSeqLen) {
    throw ConfigError("sequence length " + std::to_string(seq_len) + " is outside [1, " +
                      std::to_string(kMaxSeqLen) + "]");
  }
  const auto n = static_cast<int64_t>(ids.size());
  if (n < 2) throw ConfigError("the training text has " + std::to_string(n) + " characters; need at least 2");
  if (sequential && n < batch + 1) {
    throw ConfigError("the training text has " + std::to_string(n) +
                      " characters; sequential batching with batch " + std::to_string(batch) +
                      " needs at least " + std::to_string(batch + 1) + " (lower the batch or use random windows)");
  }
  track_len_ = (n - 1) / batch;
}

bool CharBatcher::Next(TokenBatch& out) {
  const int T = seq_len_, B = batch_;
  out.T = T;
  out.B = B;
  out.input.assign(static_cast<std::size_t>(T) * static_cast<std::size_t>(B), 0);
  out.target.assign(out.input.size(), -1);
  const auto n = static_cast<int64_t>(ids_.size());
  // Copies up to T (input, target) pairs starting at stream offset `start`, stopping before
  // offset `stop` (exclusive bound on inputs); the rest stays padding.
  auto fill = [&](int b, int64_t start, int64_t stop) {
    for (int t = 0; t < T && start + t < stop; ++t) {
      const auto k = static_cast<std::size_t>(start + t);
      const auto i = static_cast<std::size_t>(t) * static_cast<std::size_t>(B) + static_cast<std::size_t>(b);
      out.input[i] = ids_[k];
      out.target[i] = ids_[k + 1];
    }
  };
  bool reset = true;
  if (sequential_) {
    reset = cursor_ == 0;
    for (int b = 0; b < B; ++b) {
      const int64_t track = b * track_len_;
      fill(b, track + cursor_, track + track_len_);
    }
    cursor_ += T;
    if (cursor_ >= track_len_) {
      cursor_ = 0;
      ++epoch_;
    }
  } else {
    for (int b = 0; b < B; ++b) {
      // Full windows need start + T <= n - 1; a stream shorter than T gives one padded window.
      const int64_t start = n - 1 >= T ? static_cast<int64_t>(rng_.UniformInt(static_cast<uint64_t>(n - T))) : 0;
      fill(b, start, n - 1);
    }
  }
  ++batches_;
  return reset;
}

int64_t CharBatcher::epoch() const {
  if (sequential_) return epoch_;
  const auto drawn = static_cast<double>(batches_) * batch_ * seq_len_;
  return static_cast<int64_t>(drawn / static_cast<double>(ids_.size() - 1));
}

nlohmann::json CharBatcher::SaveState() const {
  return {{"mode", sequential_ ? "sequential" : "random"},
          {"batch", batch_},
          {"seq_len", seq_len_},
          {"tokens", static_cast<int64_t>(ids_.size())},
          {"cursor", cursor_},
          {"epoch", epoch_},
          {"batches", batches_},
          {"rng", ToJson(rng_.State())}};
}

void CharBatcher::LoadState(const nlohmann::json& j) {
  auto here = [&] {
    return std::string(sequential_ ? "sequential" : "random") + ", batch " + std::to_string(batch_) +
           ", seq_len " + std::to_string(seq_len_) + ", " + std::to_string(ids_.size()) + " tokens";
  };
  try {
    const std::string mode = j.at("mode").get<std::string>();
    const int batch = j.at("batch").get<int>();
    const int seq_len = j.at("seq_len").get<int>();
    const auto tokens = j.at("tokens").get<int64_t>();
    if (mode != (sequential_ ? "sequential" : "random") || batch != batch_ || seq_len != seq_len_ ||
        tokens != static_cast<int64_t>(ids_.size())) {
      throw InputError("batcher state was saved for " + mode + ", batch " + std::to_string(batch) +
                       ", seq_len " + std::to_string(seq_len) + ", " + std::to_string(tokens) +
                       " tokens; this batcher is " + here());
    }
    const auto cursor = j.at("cursor").get<int64_t>();
    const auto epoch = j.at("epoch").get<int64_t>();
    const auto batches = j.at("batches").get<int64_t>();
    if (cursor < 0 || (cursor > 0 && cursor >= track_len_) || epoch < 0 || batches < 0) {
      throw InputError("batcher state: cursor " + std::to_string(cursor) + " / epoch " +
                       std::to_string(epoch) + " / batches " + std::to_string(batches) +
                       " out of range (track length " + std::to_string(track_len_) + ")");
    }
    const RngState rng = RngStateFromJson(j.at("rng"));
    // Commit only after everything parsed: a bad state leaves the batcher as it was.
    rng_.SetState(rng);
    cursor_ = cursor;
    epoch_ = epoch;
    batches_ = batches;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("batcher state: ") + e.what());
  }
}

}  // namespace rnnscope
