#include "train/dynamics_source.h"

#include <string>

#include "core/error.h"

namespace rnnscope {

int32_t InputTokenNamed(const DynamicsSource& source, const std::string& name, const std::string& flag) {
  std::string want = name;
  if (name == "space") want = " ";
  else if (name == "\\n") want = "\n";
  else if (name == "\\t") want = "\t";
  for (std::size_t i = 0; i < source.tokens.size(); ++i)
    if (source.tokens[i] == want) return static_cast<int32_t>(i);
  std::string some;
  for (std::size_t i = 0; i < source.tokens.size() && i < 12; ++i) {
    std::string t = source.tokens[i];
    if (t == " ") t = "space";
    else if (t == "\n") t = "\\n";
    else if (t == "\t") t = "\\t";
    some += (i ? ", " : "") + ("'" + t + "'");
  }
  if (source.tokens.size() > 12) some += ", …";
  throw InputError(flag + ": '" + name + "' is not one of the model's " + std::to_string(source.tokens.size()) +
                   " input tokens (" + some + ")");
}

FixedPointResult SearchFixedPoints(const DynamicsSource& source, const StateMap& map, int32_t token, int starts,
                                   const FixedPointOptions& options, const FixedPointProgress& progress,
                                   const std::atomic<bool>* cancel) {
  MatD from = StatesAlong(map, source.held_out, starts);
  if (from.cols() == 0) {
    // No held-out data (a checkpoint opened without it): the zero state is still a real start.
    from = MatD::Zero(map.StateSize(), 1);
  }
  return FindFixedPoints(map, token, from, options, progress, cancel);
}

}  // namespace rnnscope
