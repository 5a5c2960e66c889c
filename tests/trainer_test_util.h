// Shared by the tests that drive a real TrainerThread: wait (polling, never blocking the
// trainer) until the latest published snapshot satisfies a condition.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "train/trainer_thread.h"

namespace rnnscope::test {

// Generous by default: sanitizer builds run the trainer several times slower, and a condition
// that never comes fails the test (with this message) instead of hanging it.
inline std::shared_ptr<const Snapshot> WaitFor(const TrainerLink& link,
                                               const std::function<bool(const Snapshot&)>& pred,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto s = link.Latest();
    if (s && pred(*s)) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ADD_FAILURE() << "condition not reached within " << timeout.count() << " ms";
  return link.Latest();
}

}  // namespace rnnscope::test
