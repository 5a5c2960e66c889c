// flipflop: the 3-bit flip-flop (Sussillo & Barak 2013), the task whose dynamics are known —
// a trained network has 8 stable fixed points, one per memory state, with saddles between them
// (docs/dynamics.md).
//
// Three channels; at each step each channel independently receives a +1 pulse, a −1 pulse
// (probability kPulse/2 each) or nothing. The input token names the three channels' values in
// order, '+', '-' or '0': "+0-" = +1 on channel 0, nothing on 1, −1 on channel 2; "000" = no
// pulse anywhere (the constant input of the fixed-point search). The tag at every step is the
// sign of the last pulse each channel received, written the same way ("+-+"); before a
// channel's first pulse its memory is −1 (the rule is arbitrary but fixed: the zero state must
// settle somewhere, and a ninth "unknown" state would break the 8-point picture). Tag id = the
// three memory bits, channel c set (+1) as bit c.
//
// Lengths are uniform in [kMinLength, kMaxLength]; examples are deterministic given the RNG
// and fall into train/validation/test by a hash of their tokens (SplitOf, 8:1:1), as the other
// generated tasks do.
#include <array>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tasks/tagging_task.h"

namespace rnnscope {
namespace {

constexpr int kChannels = 3;
constexpr double kPulse = 0.05;  // per step and channel: a pulse (+1 or −1 equally often)
constexpr int kMinLength = 50, kMaxLength = 100;

// The name of a channel combination, value per channel −1, 0 or +1.
std::string ChannelName(const std::array<int, kChannels>& values) {
  std::string name;
  for (int v : values) name += v > 0 ? '+' : v < 0 ? '-' : '0';
  return name;
}

class FlipFlopTask : public TaggingTask {
 public:
  FlipFlopTask() {
    // The 27 inputs in base-3 order of (channel 0, 1, 2) with digits 0, +, − ("000" first).
    constexpr std::array<int, 3> kDigit = {0, +1, -1};
    for (int code = 0; code < 27; ++code)
      input_id_[static_cast<std::size_t>(code)] =
          words_.Add(ChannelName({kDigit[static_cast<std::size_t>(code % 3)],
                                  kDigit[static_cast<std::size_t>(code / 3 % 3)],
                                  kDigit[static_cast<std::size_t>(code / 9)]}));
    for (int bits = 0; bits < 8; ++bits)
      AddTag(ChannelName({bits & 1 ? 1 : -1, bits & 2 ? 1 : -1, bits & 4 ? 1 : -1}));
  }
  std::string Name() const override { return "flipflop"; }
  nlohmann::json Options() const override { return nlohmann::json::object(); }
  int32_t RestInput(std::string* why) const override {
    if (why) *why = "no pulse on any channel";
    return input_id_[0];
  }

  TaggingExample Sample(Rng& rng, Split split) const override {
    return SampleOfSplit([this](Rng& r) { return Generate(r); }, rng, split, "flipflop");
  }

 private:
  TaggingExample Generate(Rng& rng) const {
    const int length = kMinLength + static_cast<int>(rng.UniformInt(kMaxLength - kMinLength + 1));
    TaggingExample ex;
    int memory = 0;  // bit c set: channel c's last pulse was +1 (none yet: −1)
    for (int t = 0; t < length; ++t) {
      int code = 0, scale = 1;
      for (int c = 0; c < kChannels; ++c, scale *= 3) {
        const double u = rng.UniformDouble();
        if (u < kPulse / 2) {
          code += 1 * scale;  // +1
          memory |= 1 << c;
        } else if (u < kPulse) {
          code += 2 * scale;  // −1
          memory &= ~(1 << c);
        }
      }
      ex.words.push_back(input_id_[static_cast<std::size_t>(code)]);
      ex.tags.push_back(memory);
    }
    return ex;
  }

  std::array<int32_t, 27> input_id_{};
};

}  // namespace

std::unique_ptr<TaggingTask> MakeFlipFlopTask() { return std::make_unique<FlipFlopTask>(); }

}  // namespace rnnscope
