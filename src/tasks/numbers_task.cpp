// numbers: class k (0..99) → k in English words, letter by letter with spaces ("forty two").
// Longer and more numerous than spell: a model conditioned only at the first step has to keep
// both digits of k in its state for up to 13 steps ("seventy seven"), one conditioned at every
// step can re-read them.
#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tasks/generation_task.h"

namespace rnnscope {
namespace {

constexpr std::array kSmall = {"zero",    "one",     "two",       "three",    "four",     "five",    "six",
                               "seven",   "eight",   "nine",      "ten",      "eleven",   "twelve",  "thirteen",
                               "fourteen", "fifteen", "sixteen",  "seventeen", "eighteen", "nineteen"};
constexpr std::array kTens = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};

std::string Words(int n) {
  if (n < 20) return kSmall[static_cast<std::size_t>(n)];
  const std::string tens = kTens[static_cast<std::size_t>(n / 10)];
  return n % 10 == 0 ? tens : tens + " " + kSmall[static_cast<std::size_t>(n % 10)];
}

class NumbersTask : public GenerationTask {
 public:
  NumbersTask() {
    symbols_.Add(" ");
    for (char ch = 'a'; ch <= 'z'; ++ch) symbols_.Add(std::string(1, ch));
    for (int k = 0; k < 100; ++k) classes_.push_back(std::to_string(k));
  }
  std::string Name() const override { return "numbers"; }
  nlohmann::json Options() const override { return nlohmann::json::object(); }
  int MaxLength() const override { return 13; }
  GenerationExample Sample(Rng& rng, Split /*split*/) const override {
    GenerationExample ex;
    ex.cls = static_cast<int32_t>(rng.UniformInt(100));
    for (char ch : Words(ex.cls)) ex.target.push_back(symbols_.Id(std::string(1, ch)));
    return ex;
  }
};

}  // namespace

std::unique_ptr<GenerationTask> MakeNumbersTask() { return std::make_unique<NumbersTask>(); }

}  // namespace rnnscope
