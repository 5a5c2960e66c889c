// The lowest validation loss of a run so far, for keeping the best checkpoint (`train --ckpt`
// also writes NAME-best.EXT), early stopping after K evaluations without improvement, and the
// best step a plot marks. One tracker, so the CLI and the window agree on what "best" means:
// strictly lower than every earlier evaluation (a tie keeps the earlier, smaller step).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace rnnscope {

struct BestValidation {
  double loss = std::numeric_limits<double>::infinity();
  int64_t step = -1;              // -1: nothing evaluated yet
  int evaluations_since_best = 0;  // evaluations after the best one

  // Returns true when `val` is a new best (NaN never is).
  bool Record(int64_t at_step, double val) {
    if (std::isfinite(val) && val < loss) {
      loss = val;
      step = at_step;
      evaluations_since_best = 0;
      return true;
    }
    ++evaluations_since_best;
    return false;
  }
  bool Any() const { return step >= 0; }
};

// "run.safetensors" → "run-best.safetensors"; "ckpt" → "ckpt-best"; the folder is kept.
std::string BestCheckpointPath(const std::string& checkpoint);

}  // namespace rnnscope
