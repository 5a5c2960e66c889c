// majority: which of a, b, c occurs most often in the string? Ties are redrawn.
#include <array>
#include <memory>

#include "tasks/classification_task.h"

namespace rnnscope {
namespace {

class MajorityTask : public ClassificationTask {
 public:
  explicit MajorityTask(const TaskOptions& o) : ClassificationTask(o) {
    for (const char* s : {"a", "b", "c"}) symbols_.Add(s), classes_.push_back(s);
  }
  std::string Name() const override { return "majority"; }

 protected:
  ClassificationExample Generate(Rng& rng) const override {
    const int lo = options_.min_length, hi = options_.max_length;
    for (;;) {
      const int n = lo + static_cast<int>(rng.UniformInt(static_cast<uint64_t>(hi - lo + 1)));
      ClassificationExample ex;
      std::array<int, 3> count{};
      for (int i = 0; i < n; ++i) {
        const auto k = static_cast<int32_t>(rng.UniformInt(3));
        ex.tokens.push_back(3 + k);
        ++count[static_cast<std::size_t>(k)];
      }
      int best = 0;
      for (int k = 1; k < 3; ++k)
        if (count[static_cast<std::size_t>(k)] > count[static_cast<std::size_t>(best)]) best = k;
      int ties = 0;
      for (int c : count) ties += c == count[static_cast<std::size_t>(best)];
      if (ties > 1) continue;
      ex.label = best;
      return ex;
    }
  }
};

}  // namespace

std::unique_ptr<ClassificationTask> MakeMajorityTask(const TaskOptions& options) {
  return std::make_unique<MajorityTask>(options);
}

}  // namespace rnnscope
