// spell: class k (0..19) → the English word for k, letter by letter.
#include <array>
#include <memory>
#include <nlohmann/json.hpp>

#include "tasks/generation_task.h"

namespace rnnscope {
namespace {

constexpr std::array kWords = {"zero",    "one",     "two",      "three",    "four",
                               "five",    "six",     "seven",    "eight",    "nine",
                               "ten",     "eleven",  "twelve",   "thirteen", "fourteen",
                               "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};

class SpellTask : public GenerationTask {
 public:
  SpellTask() {
    for (char ch = 'a'; ch <= 'z'; ++ch) symbols_.Add(std::string(1, ch));
    for (const char* w : kWords) classes_.emplace_back(w);
  }
  std::string Name() const override { return "spell"; }
  nlohmann::json Options() const override { return nlohmann::json::object(); }
  int MaxLength() const override { return 9; }
  GenerationExample Sample(Rng& rng, Split /*split*/) const override {
    GenerationExample ex;
    ex.cls = static_cast<int32_t>(rng.UniformInt(kWords.size()));
    for (const char* p = kWords[static_cast<std::size_t>(ex.cls)]; *p; ++p) ex.target.push_back(symbols_.Id(std::string(1, *p)));
    return ex;
  }
};

}  // namespace

std::unique_ptr<GenerationTask> MakeSpellTask() { return std::make_unique<SpellTask>(); }

}  // namespace rnnscope
