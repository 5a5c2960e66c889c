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

// A small char-LM run that publishes often: LSTM H=16, batch 4 × 16 steps.
inline TrainerOptions SmallOptions() {
  TrainerOptions o;
  o.spec.model.cell = CellKind::kLstm;
  o.spec.model.hidden = 16;
  o.spec.settings.batch = 4;
  o.spec.settings.seq_len = 16;
  o.publish_interval_ms = 5;
  o.validate_interval_ms = 50;
  return o;
}

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
