// A batch of token sequences, time-major: index t * B + b is timestep t of sequence b.
#pragma once

#include <cstdint>
#include <vector>

namespace rnnscope {

struct TokenBatch {
  int T = 0;
  int B = 0;
  std::vector<int32_t> input;   // (T*B) token ids
  std::vector<int32_t> target;  // (T*B) next-token ids; -1 = ignore this position
};

}  // namespace rnnscope
