#include "tasks/char_batcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.h"

namespace rnnscope {
namespace {

// ids[i] = i, so every value tells where in the stream it came from.
std::vector<int32_t> Iota(int n) {
  std::vector<int32_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

int32_t In(const TokenBatch& b, int t, int s) { return b.input[static_cast<std::size_t>(t * b.B + s)]; }
int32_t Tg(const TokenBatch& b, int t, int s) { return b.target[static_cast<std::size_t>(t * b.B + s)]; }

TEST(CharBatcher, SequentialTracksAreTimeMajorAndContiguous) {
  const std::vector<int32_t> ids = Iota(23);  // L = (23 - 1) / 2 = 11 targets per track
  CharBatcher batcher(ids, /*batch=*/2, /*seq_len=*/4, /*sequential=*/true, 1);
  EXPECT_EQ(batcher.track_length(), 11);
  TokenBatch b;
  EXPECT_TRUE(batcher.Next(b)) << "first batch starts from a fresh state";
  ASSERT_EQ(b.T, 4);
  ASSERT_EQ(b.B, 2);
  ASSERT_EQ(b.input.size(), 8u);
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(In(b, t, 0), t);
    EXPECT_EQ(In(b, t, 1), 11 + t);
    EXPECT_EQ(Tg(b, t, 0), t + 1);
    EXPECT_EQ(Tg(b, t, 1), 12 + t);
  }
  EXPECT_FALSE(batcher.Next(b)) << "second chunk continues the state";
  EXPECT_EQ(In(b, 0, 0), 4);
  EXPECT_EQ(In(b, 0, 1), 15);
  EXPECT_FALSE(batcher.Next(b));
  // Last chunk: 3 real steps (8, 9, 10 → 9, 10, 11), then padding.
  EXPECT_EQ(In(b, 2, 0), 10);
  EXPECT_EQ(Tg(b, 2, 0), 11);
  EXPECT_EQ(Tg(b, 2, 1), 22);
  EXPECT_EQ(Tg(b, 3, 0), -1);
  EXPECT_EQ(Tg(b, 3, 1), -1);
  EXPECT_EQ(In(b, 3, 0), 0) << "padding inputs are a valid id";
  EXPECT_EQ(batcher.epoch(), 1);
  EXPECT_TRUE(batcher.Next(b)) << "wrapped: the trainer must reset the state";
  EXPECT_EQ(In(b, 0, 0), 0);
  EXPECT_EQ(In(b, 0, 1), 11);
}

TEST(CharBatcher, SequentialPassCoversEveryTargetOnce) {
  const std::vector<int32_t> ids = Iota(1001);
  CharBatcher batcher(ids, 7, 16, true, 1);
  std::vector<int> seen(ids.size(), 0);
  TokenBatch b;
  int resets = 0;
  for (int step = 0; step < 100 && batcher.epoch() == 0; ++step) {
    resets += batcher.Next(b) ? 1 : 0;
    for (int32_t tgt : b.target)
      if (tgt >= 0) seen[static_cast<std::size_t>(tgt)]++;
  }
  EXPECT_EQ(resets, 1);
  const int64_t covered = 7 * batcher.track_length();  // 7 * 142 = 994 targets
  for (int64_t i = 1; i <= covered; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], 1) << i;
  EXPECT_EQ(std::accumulate(seen.begin(), seen.end(), 0), covered);
}

TEST(CharBatcher, RandomWindowsAreValidAndSeeded) {
  const std::vector<int32_t> ids = Iota(500);
  CharBatcher a(ids, 8, 10, false, 123), same(ids, 8, 10, false, 123), other(ids, 8, 10, false, 124);
  TokenBatch ba, bs, bo;
  int32_t lo = 1 << 30, hi = -1;
  bool differs = false;
  for (int step = 0; step < 200; ++step) {
    EXPECT_TRUE(a.Next(ba)) << "random windows never carry state";
    same.Next(bs);
    other.Next(bo);
    EXPECT_EQ(ba.input, bs.input);
    differs |= ba.input != bo.input;
    for (int s = 0; s < 8; ++s) {
      lo = std::min(lo, In(ba, 0, s));
      hi = std::max(hi, In(ba, 0, s));
      for (int t = 0; t < 10; ++t) {
        EXPECT_EQ(Tg(ba, t, s), In(ba, t, s) + 1);
        if (t > 0) EXPECT_EQ(In(ba, t, s), In(ba, t - 1, s) + 1);
      }
    }
  }
  EXPECT_TRUE(differs);
  EXPECT_LT(lo, 10);
  EXPECT_GT(hi, 480);
  EXPECT_LE(hi, 489) << "last full window starts at N - 1 - T";
}

TEST(CharBatcher, StreamShorterThanWindowIsPadded) {
  const std::vector<int32_t> ids = {3, 1, 2};
  CharBatcher random(ids, 2, 5, false, 1);
  TokenBatch b;
  random.Next(b);
  EXPECT_EQ(b.target, (std::vector<int32_t>{1, 1, 2, 2, -1, -1, -1, -1, -1, -1}));
  EXPECT_EQ(b.input[0], 3);
  CharBatcher seq(ids, 1, 5, true, 1);
  EXPECT_TRUE(seq.Next(b));
  EXPECT_EQ(b.target, (std::vector<int32_t>{1, 2, -1, -1, -1}));
  EXPECT_TRUE(seq.Next(b)) << "every batch is a whole pass";
}

void ExpectResumesExactly(bool sequential) {
  const std::vector<int32_t> ids = Iota(777);
  CharBatcher original(ids, 5, 9, sequential, 99);
  TokenBatch b;
  for (int i = 0; i < 23; ++i) original.Next(b);
  const std::string saved = original.SaveState().dump();  // through text, as in a checkpoint
  std::vector<TokenBatch> expected(30);
  std::vector<bool> expected_reset;
  for (TokenBatch& e : expected) expected_reset.push_back(original.Next(e));

  CharBatcher resumed(ids, 5, 9, sequential, /*seed=*/1);  // seed overwritten by the state
  resumed.LoadState(nlohmann::json::parse(saved));
  EXPECT_EQ(resumed.batches(), 23);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(resumed.Next(b), expected_reset[i]) << i;
    EXPECT_EQ(b.input, expected[i].input) << i;
    EXPECT_EQ(b.target, expected[i].target) << i;
  }
  EXPECT_EQ(resumed.epoch(), original.epoch());
}

TEST(CharBatcher, SequentialStateResumesBitExactly) { ExpectResumesExactly(true); }
TEST(CharBatcher, RandomStateResumesBitExactly) { ExpectResumesExactly(false); }

TEST(CharBatcher, RejectsForeignOrBrokenState) {
  const std::vector<int32_t> ids = Iota(100);
  CharBatcher batcher(ids, 4, 8, true, 1);
  TokenBatch b;
  batcher.Next(b);
  const nlohmann::json good = batcher.SaveState();
  auto expect_msg = [&](const nlohmann::json& j, const std::string& fragment) {
    try {
      batcher.LoadState(j);
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  CharBatcher other_batch(ids, 2, 8, true, 1);
  expect_msg(other_batch.SaveState(),
             "batcher state was saved for sequential, batch 2, seq_len 8, 100 tokens; this batcher is sequential, batch 4");
  CharBatcher random(ids, 4, 8, false, 1);
  expect_msg(random.SaveState(), "saved for random");
  nlohmann::json j = good;
  j.erase("cursor");
  expect_msg(j, "batcher state: ");
  j = good;
  j["cursor"] = 1000;
  expect_msg(j, "cursor 1000 / epoch 0 / batches 1 out of range (track length 24)");
  j = good;
  j["rng"] = "nope";
  expect_msg(j, "");
  expect_msg(nlohmann::json::array(), "batcher state: ");
  // A rejected state leaves the batcher where it was.
  EXPECT_EQ(batcher.cursor(), 8);
  EXPECT_FALSE(batcher.Next(b));
  EXPECT_EQ(In(b, 0, 0), 8);
}

TEST(CharBatcher, RejectsBadConfiguration) {
  const std::vector<int32_t> ids = Iota(10);
  EXPECT_THROW(CharBatcher(ids, 0, 8, true, 1), ConfigError);
  EXPECT_THROW(CharBatcher(ids, 2, 0, false, 1), ConfigError);
  EXPECT_THROW(CharBatcher(std::span<const int32_t>(ids.data(), 1), 1, 8, false, 1), ConfigError);
  try {
    CharBatcher(ids, 10, 8, true, 1);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("has 10 characters; sequential batching with batch 10 needs at least 11"),
              std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(CharBatcher(ids, 10, 8, false, 1)) << "random windows may overlap";
}

}  // namespace
}  // namespace rnnscope
