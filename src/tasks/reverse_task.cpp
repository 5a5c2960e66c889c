// reverse: "abcd" → "dcba"; alignment is the anti-diagonal, the textbook case where attention
// shines and a fixed-size context struggles as the sequence grows.
#include <memory>

#include "tasks/seq2seq_task.h"

namespace rnnscope {
namespace {

class ReverseTask : public Seq2SeqTask {
 public:
  explicit ReverseTask(const TaskOptions& o) : options_(o) {
    for (char ch = 'a'; ch <= 'z'; ++ch) source_.Add(std::string(1, ch)), target_.Add(std::string(1, ch));
  }
  std::string Name() const override { return "reverse"; }
  int MaxTargetLength() const override { return options_.max_length; }

 protected:
  Seq2SeqExample Generate(Rng& rng) const override {
    const int n = options_.min_length +
                  static_cast<int>(rng.UniformInt(static_cast<uint64_t>(options_.max_length - options_.min_length + 1)));
    Seq2SeqExample ex;
    for (int i = 0; i < n; ++i) ex.source.push_back(static_cast<int32_t>(3 + rng.UniformInt(26)));
    for (int i = n - 1; i >= 0; --i) {
      ex.target.push_back(ex.source[static_cast<std::size_t>(i)]);
      ex.alignment.emplace_back(i, i + 1);
    }
    return ex;
  }

 private:
  TaskOptions options_;
};

}  // namespace

std::unique_ptr<Seq2SeqTask> MakeReverseTask(const TaskOptions& options) {
  return std::make_unique<ReverseTask>(options);
}

}  // namespace rnnscope
