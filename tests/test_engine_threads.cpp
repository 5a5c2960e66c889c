// Engine threads per trainer (model/gemm.h): each thread sets its own count, so side-by-side
// runs with different counts neither race (Eigen::setNbThreads writes one process-wide value;
// TSan flagged two trainers doing it) nor leak their count into each other or the UI thread.
// Threaded: run under TSan by .ci/sanitizers.sh.
#include <gtest/gtest.h>

#include <thread>

#include "model/gemm.h"
#include "train/trainer_thread.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

TEST(EngineThreads, ThreadLocalWithProcessDefault) {
  const int process = Eigen::nbThreads();
  EXPECT_EQ(EngineThreads(), process);
  int seen_a = 0, seen_b = 0, default_c = 0;
  std::thread a([&] {
    SetEngineThreadsForThisThread(3);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    seen_a = EngineThreads();
  });
  std::thread b([&] {
    SetEngineThreadsForThisThread(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    seen_b = EngineThreads();
    SetEngineThreadsForThisThread(0);
    default_c = EngineThreads();
  });
  a.join();
  b.join();
  EXPECT_EQ(seen_a, 3);
  EXPECT_EQ(seen_b, 1);
  EXPECT_EQ(default_c, process);
  EXPECT_EQ(EngineThreads(), process) << "another thread's setting leaked into this one";
  EXPECT_EQ(Eigen::nbThreads(), process);
}

TEST(EngineThreads, TwoTrainersWithDifferentCountsSideBySide) {
  const int process = Eigen::nbThreads();
  std::vector<std::unique_ptr<TrainerThread>> runs;
  for (int threads : {1, 2}) {
    TrainerOptions o;
    o.spec.model.cell = CellKind::kLstm;
    o.spec.model.hidden = 64;
    o.spec.settings.batch = 16;
    o.spec.settings.seq_len = 16;
    o.publish_interval_ms = 5;
    o.engine_threads = threads;
    runs.push_back(std::make_unique<TrainerThread>(o));
  }
  for (auto& run : runs) run->Start();
  for (auto& run : runs) {
    auto s = test::WaitFor(*run, [](const Snapshot& x) { return x.step >= 5; });
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->error.empty()) << s->error;
  }
  for (auto& run : runs) run->Stop();
  EXPECT_EQ(Eigen::nbThreads(), process) << "a trainer changed the process-wide thread count";
}

}  // namespace
}  // namespace rnnscope
