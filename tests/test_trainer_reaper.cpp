// TrainerReaper (train/trainer_reaper.h): handing a trainer over returns at once even when its
// destructor blocks, the stop request comes first, and the reaper's destructor waits for all.
#include "train/trainer_reaper.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

namespace rnnscope {
namespace {

using Clock = std::chrono::steady_clock;

// A trainer whose destructor blocks until released, as a TrainerThread's join waits for a step.
class BlockingLink : public TrainerLink {
 public:
  BlockingLink(std::shared_future<void> release, std::atomic<int>& freed, std::atomic<int>& stop_requests)
      : release_(std::move(release)), freed_(freed), stop_requests_(stop_requests) {}
  ~BlockingLink() override {
    release_.wait();
    ++freed_;
  }
  std::shared_ptr<const Snapshot> Latest() const override { return nullptr; }
  void Send(Command) override {}
  void RequestStop() override { ++stop_requests_; }

 private:
  std::shared_future<void> release_;
  std::atomic<int>& freed_;
  std::atomic<int>& stop_requests_;
};

TEST(TrainerReaper, ReapReturnsAtOnceAndTheDestructorWaits) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> freed{0}, stop_requests{0};
  std::future<void> done;
  {
    auto reaper = std::make_unique<TrainerReaper>();
    const auto start = Clock::now();
    for (int i = 0; i < 3; ++i) reaper->Reap(std::make_unique<BlockingLink>(released, freed, stop_requests));
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));  // never waited on a destructor
    EXPECT_EQ(stop_requests.load(), 3);  // asked to stop at once, before any join
    EXPECT_EQ(freed.load(), 0);
    // The reaper's destructor must wait for the blocked destructors: run it on another thread
    // and check it has not returned while they still block.
    done = std::async(std::launch::async, [r = std::move(reaper)]() mutable { r.reset(); });
    EXPECT_EQ(done.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
    release.set_value();
    done.get();
  }
  EXPECT_EQ(freed.load(), 3);
}

TEST(TrainerReaper, DrainWaitsForEverythingHandedOver) {
  std::promise<void> release;
  release.set_value();
  const std::shared_future<void> released = release.get_future().share();
  std::atomic<int> freed{0}, stop_requests{0};
  TrainerReaper reaper;
  for (int i = 0; i < 5; ++i) reaper.Reap(std::make_unique<BlockingLink>(released, freed, stop_requests));
  reaper.Drain();
  EXPECT_EQ(freed.load(), 5);
  reaper.Reap(nullptr);  // ignored
  reaper.Drain();
}

}  // namespace
}  // namespace rnnscope
