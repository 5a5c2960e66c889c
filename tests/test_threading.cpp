// The trainer/UI handoff under load (docs/architecture.md §2): one producer publishes snapshots with real
// payload as fast as it can and drains commands; two readers take Latest(), check every field,
// and push commands. Run it under ThreadSanitizer too (build with -DRNNSCOPE_SANITIZE=thread).
//
// A snapshot's every field is derived from its version, so a reader can tell a torn or
// half-built snapshot from a whole one without any shared state.
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "train/command_queue.h"
#include "train/snapshot_exchange.h"

namespace rnnscope {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kReaders = 2;
constexpr int kUnits = 16, kSteps = 24;

std::shared_ptr<Snapshot> MakeSnapshot(uint64_t v) {
  auto s = std::make_shared<Snapshot>();
  const float f = static_cast<float>(v % 100000);
  s->version = v;
  s->step = static_cast<int64_t>(v) * 10;
  s->status = "version " + std::to_string(v);
  s->layers.resize(2);
  for (std::size_t l = 0; l < s->layers.size(); ++l) {
    LayerTrace& t = s->layers[l];
    t.layer = static_cast<int>(l);
    t.gate_names = {"i", "f", "g", "o"};
    for (int g = 0; g < 4; ++g) t.gates.push_back(MatF::Constant(kUnits, kSteps, f + static_cast<float>(g)));
    t.hidden = MatF::Constant(kUnits, kSteps, -f);
    t.grad_h_norm.assign(kSteps, f);
  }
  s->probe_tokens.assign(v % 7 + 1, std::to_string(v));
  s->history.resize(v % 50 + 1);
  for (LossPoint& p : s->history) {
    p.step = s->step;
    p.train_loss = f;
  }
  return s;
}

// Returns an empty string if `s` is exactly MakeSnapshot(s.version), else what differs.
std::string CheckWhole(const Snapshot& s) {
  const uint64_t v = s.version;
  const float f = static_cast<float>(v % 100000);
  if (s.step != static_cast<int64_t>(v) * 10) return "step";
  if (s.status != "version " + std::to_string(v)) return "status";
  if (s.layers.size() != 2) return "layers";
  for (const LayerTrace& t : s.layers) {
    if (t.gates.size() != 4 || t.gate_names.size() != 4) return "gates";
    for (int g = 0; g < 4; ++g) {
      const MatF& m = t.gates[static_cast<std::size_t>(g)];
      if (m.rows() != kUnits || m.cols() != kSteps) return "gate shape";
      if ((m.array() != f + static_cast<float>(g)).any()) return "gate values";
    }
    if ((t.hidden.array() != -f).any() || t.hidden.size() != kUnits * kSteps) return "hidden";
    if (t.grad_h_norm.size() != static_cast<std::size_t>(kSteps)) return "grad_h_norm size";
    for (float x : t.grad_h_norm)
      if (x != f) return "grad_h_norm";
  }
  if (s.probe_tokens.size() != v % 7 + 1) return "probe_tokens size";
  for (const std::string& tok : s.probe_tokens)
    if (tok != std::to_string(v)) return "probe_tokens";
  if (s.history.size() != v % 50 + 1) return "history size";
  for (const LossPoint& p : s.history)
    if (p.step != s.step || p.train_loss != f) return "history";
  return {};
}

TEST(Threading, PublishDrainStress) {
  SnapshotExchange exchange;
  CommandQueue queue;
  std::atomic<bool> readers_stop{false}, producer_stop{false};
  const auto duration = 2s;

  struct ReaderStats {
    uint64_t snapshots = 0;
    uint64_t distinct = 0;
    uint64_t pushed = 0;
    std::string error;
  };
  std::vector<ReaderStats> stats(kReaders);

  // Producer: the trainer's loop shape. Its own commands are StepCommand{seq}; readers' are
  // ProbeCommand{"<reader>:<seq>"}. Per pushing thread the queue must keep push order.
  uint64_t published = 0, own_pushed = 0, own_drained = 0;
  std::vector<uint64_t> drained(kReaders, 0);
  std::string producer_error;
  std::thread producer([&] {
    std::vector<Command> batch;
    int64_t next_own = 0;
    std::vector<int64_t> next_seq(kReaders, 0);
    auto drain = [&] {
      queue.Drain(batch);
      for (const Command& c : batch) {
        if (const auto* step = std::get_if<StepCommand>(&c)) {
          if (step->steps != next_own && producer_error.empty())
            producer_error = "own command " + std::to_string(step->steps) + " out of order";
          ++next_own;
          ++own_drained;
        } else if (const auto* probe = std::get_if<ProbeCommand>(&c)) {
          const std::size_t colon = probe->text.find(':');
          const auto reader = static_cast<std::size_t>(std::stoi(probe->text.substr(0, colon)));
          const int64_t seq = std::stoll(probe->text.substr(colon + 1));
          if (seq != next_seq[reader] && producer_error.empty())
            producer_error = "reader " + std::to_string(reader) + " command " + std::to_string(seq) +
                             " arrived when " + std::to_string(next_seq[reader]) + " was due";
          ++next_seq[reader];
          ++drained[reader];
        } else if (producer_error.empty()) {
          producer_error = "unexpected command type";
        }
      }
    };
    while (!producer_stop.load(std::memory_order_acquire)) {
      exchange.Publish(MakeSnapshot(++published));
      queue.Push(StepCommand{static_cast<int>(own_pushed++)});
      drain();
    }
    drain();  // readers have stopped: collect whatever they pushed last
  });

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      ReaderStats& st = stats[static_cast<std::size_t>(r)];
      uint64_t last_version = 0;
      std::shared_ptr<const Snapshot> held;  // outlives later publishes, as a UI frame does
      while (!readers_stop.load(std::memory_order_acquire)) {
        std::shared_ptr<const Snapshot> s = exchange.Latest();
        if (s) {
          ++st.snapshots;
          if (s->version < last_version && st.error.empty())
            st.error = "version went back from " + std::to_string(last_version) + " to " +
                       std::to_string(s->version);
          if (s->version != last_version) ++st.distinct;
          last_version = s->version;
          if (std::string e = CheckWhole(*s); !e.empty() && st.error.empty())
            st.error = "torn snapshot " + std::to_string(s->version) + ": " + e;
          if (st.snapshots % 64 == 0) held = s;
        }
        if (held && st.error.empty()) {
          if (std::string e = CheckWhole(*held); !e.empty()) st.error = "held snapshot changed: " + e;
        }
        queue.Push(ProbeCommand{std::to_string(r) + ":" + std::to_string(st.pushed++)});
      }
    });
  }

  const auto start = Clock::now();
  std::this_thread::sleep_for(duration);
  readers_stop.store(true, std::memory_order_release);
  for (std::thread& t : readers) t.join();
  producer_stop.store(true, std::memory_order_release);
  producer.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_LT(seconds, 30.0);  // bounded: nothing deadlocked or starved

  EXPECT_EQ(producer_error, "");
  EXPECT_GT(published, 100u);
  EXPECT_EQ(own_drained, own_pushed);
  for (int r = 0; r < kReaders; ++r) {
    const ReaderStats& st = stats[static_cast<std::size_t>(r)];
    SCOPED_TRACE("reader " + std::to_string(r));
    EXPECT_EQ(st.error, "");
    EXPECT_GT(st.snapshots, 100u);
    EXPECT_GT(st.distinct, 10u);  // it saw the producer move on, not one frozen snapshot
    EXPECT_EQ(drained[static_cast<std::size_t>(r)], st.pushed) << "commands lost or duplicated";
  }
  EXPECT_TRUE(queue.Empty());
  EXPECT_EQ(queue.PushedCount(), own_pushed + stats[0].pushed + stats[1].pushed);
  EXPECT_EQ(exchange.PublishCount(), published);
  ASSERT_NE(exchange.Latest(), nullptr);
  EXPECT_EQ(exchange.Latest()->version, published);
  // Throughput goes to the XML report (--gtest_output=xml), not stdout.
  RecordProperty("published", std::to_string(published));
  RecordProperty("reader0_snapshots", std::to_string(stats[0].snapshots));
  RecordProperty("reader1_snapshots", std::to_string(stats[1].snapshots));
}

TEST(Threading, LatestIsNullBeforeFirstPublish) {
  SnapshotExchange exchange;
  EXPECT_EQ(exchange.Latest(), nullptr);
  EXPECT_EQ(exchange.PublishCount(), 0u);
  exchange.Publish(MakeSnapshot(1));
  ASSERT_NE(exchange.Latest(), nullptr);
  EXPECT_EQ(exchange.Latest()->version, 1u);
}

// A reader's snapshot stays alive and unchanged after newer ones replace it; the exchange
// drops its reference, so the last holder frees it.
TEST(Threading, ReaderKeepsItsSnapshotAlive) {
  SnapshotExchange exchange;
  exchange.Publish(MakeSnapshot(1));
  std::shared_ptr<const Snapshot> mine = exchange.Latest();
  std::weak_ptr<const Snapshot> watch = mine;
  for (uint64_t v = 2; v < 10; ++v) exchange.Publish(MakeSnapshot(v));
  EXPECT_EQ(CheckWhole(*mine), "");
  EXPECT_EQ(mine->version, 1u);
  EXPECT_EQ(mine.use_count(), 1);
  mine.reset();
  EXPECT_TRUE(watch.expired());
}

TEST(Threading, WaitForWakesOnPush) {
  CommandQueue queue;
  const auto start = Clock::now();
  EXPECT_FALSE(queue.WaitFor(20ms));  // nothing queued: times out
  EXPECT_GE(Clock::now() - start, 20ms);

  std::thread sender([&] {
    std::this_thread::sleep_for(50ms);
    queue.Push(PauseCommand{false});
  });
  const auto t0 = Clock::now();
  EXPECT_TRUE(queue.WaitFor(10s));
  EXPECT_LT(Clock::now() - t0, 5s);  // woken by the push, not the timeout
  sender.join();
  std::vector<Command> got = queue.Drain();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<PauseCommand>(got[0]));
  EXPECT_FALSE(std::get<PauseCommand>(got[0]).paused);

  // Already pending: returns at once.
  queue.Push(PublishCommand{});
  const auto t1 = Clock::now();
  EXPECT_TRUE(queue.WaitFor(10s));
  EXPECT_LT(Clock::now() - t1, 1s);
}

TEST(Threading, WakeEndsWaitWithoutCommand) {
  CommandQueue queue;
  std::thread waker([&] {
    std::this_thread::sleep_for(50ms);
    queue.Wake();
  });
  const auto t0 = Clock::now();
  EXPECT_FALSE(queue.WaitFor(10s));
  EXPECT_LT(Clock::now() - t0, 5s);
  waker.join();
}

TEST(Threading, DrainSwapsOutEverythingInOrderAndReusesStorage) {
  CommandQueue queue;
  for (int i = 0; i < 5; ++i) queue.Push(StepCommand{i});
  std::vector<Command> batch;
  queue.Drain(batch);
  ASSERT_EQ(batch.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(std::get<StepCommand>(batch[static_cast<std::size_t>(i)]).steps, i);
  EXPECT_TRUE(queue.Empty());
  queue.Drain(batch);  // nothing new: drained batch is empty, not the old one again
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(queue.PushedCount(), 5u);
}

}  // namespace
}  // namespace rnnscope
