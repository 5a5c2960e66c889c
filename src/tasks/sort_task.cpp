// sort: "3141" → "1134" over digits. Alignment: the source position each output digit is taken
// from, by a stable sort (equal digits align to their occurrences in order).
#include <algorithm>
#include <memory>
#include <numeric>

#include "tasks/seq2seq_task.h"

namespace rnnscope {
namespace {

class SortTask : public Seq2SeqTask {
 public:
  explicit SortTask(const TaskOptions& o) : options_(o) {
    for (char ch = '0'; ch <= '9'; ++ch) source_.Add(std::string(1, ch)), target_.Add(std::string(1, ch));
  }
  std::string Name() const override { return "sort"; }
  int MaxTargetLength() const override { return options_.max_length; }

 protected:
  Seq2SeqExample Generate(Rng& rng) const override {
    const int n = options_.min_length +
                  static_cast<int>(rng.UniformInt(static_cast<uint64_t>(options_.max_length - options_.min_length + 1)));
    Seq2SeqExample ex;
    for (int i = 0; i < n; ++i) ex.source.push_back(static_cast<int32_t>(3 + rng.UniformInt(10)));
    std::vector<int> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return ex.source[static_cast<std::size_t>(a)] < ex.source[static_cast<std::size_t>(b)];
    });
    for (int i : order) {
      ex.target.push_back(ex.source[static_cast<std::size_t>(i)]);
      ex.alignment.emplace_back(i, i + 1);
    }
    return ex;
  }

 private:
  TaskOptions options_;
};

}  // namespace

std::unique_ptr<Seq2SeqTask> MakeSortTask(const TaskOptions& options) {
  return std::make_unique<SortTask>(options);
}

}  // namespace rnnscope
