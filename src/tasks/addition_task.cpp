// add: "123+45" → "168". Operands have 1..max_digits digits, where max_digits is chosen so the
// source ("a+b") fits max_length. No single source position produces an output digit (carries
// mix several), so the task has no alignment.
#include <algorithm>
#include <memory>

#include "tasks/seq2seq_task.h"

namespace rnnscope {
namespace {

class AdditionTask : public Seq2SeqTask {
 public:
  explicit AdditionTask(const TaskOptions& o) : digits_(std::clamp((o.max_length - 1) / 2, 1, 9)) {
    for (char ch = '0'; ch <= '9'; ++ch) source_.Add(std::string(1, ch)), target_.Add(std::string(1, ch));
    source_.Add("+");
  }
  std::string Name() const override { return "add"; }
  bool HasAlignment() const override { return false; }
  int MaxTargetLength() const override { return digits_ + 1; }

 protected:
  Seq2SeqExample Generate(Rng& rng) const override {
    auto number = [&] {
      const int n = 1 + static_cast<int>(rng.UniformInt(static_cast<uint64_t>(digits_)));
      uint64_t v = 0;
      for (int i = 0; i < n; ++i) v = v * 10 + rng.UniformInt(10);
      return v;
    };
    const uint64_t a = number(), b = number();
    const std::string text = std::to_string(a) + "+" + std::to_string(b), sum = std::to_string(a + b);
    Seq2SeqExample ex;
    for (char ch : text) ex.source.push_back(source_.Id(std::string(1, ch)));
    for (char ch : sum) {
      ex.target.push_back(target_.Id(std::string(1, ch)));
      ex.alignment.emplace_back(-1, -1);
    }
    return ex;
  }

 private:
  int digits_;
};

}  // namespace

std::unique_ptr<Seq2SeqTask> MakeAdditionTask(const TaskOptions& options) {
  return std::make_unique<AdditionTask>(options);
}

}  // namespace rnnscope
