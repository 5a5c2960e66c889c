// brackets: is the string of ( and ) balanced? Class 0 "unbalanced", 1 "balanced".
#include <memory>

#include "tasks/classification_task.h"

namespace rnnscope {
namespace {

class BracketsTask : public ClassificationTask {
 public:
  explicit BracketsTask(const TaskOptions& o) : ClassificationTask(o) {
    open_ = symbols_.Add("(");
    close_ = symbols_.Add(")");
    classes_ = {"unbalanced", "balanced"};
  }
  std::string Name() const override { return "brackets"; }
  int32_t LabelOf(const std::vector<int32_t>& tokens) const override { return Balanced(tokens) ? 1 : 0; }

 protected:
  ClassificationExample Generate(Rng& rng) const override {
    // A random balanced string of even length n in [min, max] (rounded up to even, at least 2):
    // open with probability ½ while both moves keep it completable.
    const int lo = options_.min_length, hi = options_.max_length;
    int n = lo + static_cast<int>(rng.UniformInt(static_cast<uint64_t>(hi - lo + 1)));
    if (n % 2) n = n + 1 <= hi ? n + 1 : n - 1;
    if (n < 2) n = 2;
    std::vector<int32_t> s;
    int depth = 0;
    for (int i = 0; i < n; ++i) {
      const int left = n - i;
      const bool can_open = depth + 1 <= left - 1, can_close = depth > 0;
      const bool open = can_open && (!can_close || rng.UniformInt(2) == 0);
      s.push_back(open ? open_ : close_);
      depth += open ? 1 : -1;
    }
    ClassificationExample ex{s, 1};
    if (rng.UniformInt(2) == 0) {
      // Near miss: turn a top-level "()" into ")(" (same counts, the prefix goes negative), or
      // flip one bracket (the counts differ). A swap inside a group would stay balanced
      // ("(())" → "()()"), so only pairs at depth 0 are swapped.
      std::vector<std::size_t> pairs;
      int d = 0;
      for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        if (d == 0 && s[i] == open_ && s[i + 1] == close_) pairs.push_back(i);
        d += s[i] == open_ ? 1 : -1;
      }
      if (rng.UniformInt(2) == 0 && !pairs.empty()) {
        const std::size_t i = pairs[rng.UniformInt(pairs.size())];
        std::swap(ex.tokens[i], ex.tokens[i + 1]);
      } else {
        int32_t& flip = ex.tokens[rng.UniformInt(ex.tokens.size())];
        flip = flip == open_ ? close_ : open_;
      }
      ex.label = Balanced(ex.tokens) ? 1 : 0;  // 0 by construction; checked by definition
    }
    return ex;
  }

  bool Balanced(const std::vector<int32_t>& s) const {
    int depth = 0;
    for (int32_t id : s) {
      depth += id == open_ ? 1 : -1;
      if (depth < 0) return false;
    }
    return depth == 0;
  }

 private:
  int32_t open_ = 0, close_ = 0;
};

}  // namespace

std::unique_ptr<ClassificationTask> MakeBracketsTask(const TaskOptions& options) {
  return std::make_unique<BracketsTask>(options);
}

}  // namespace rnnscope
