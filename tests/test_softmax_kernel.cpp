// The output layer's column softmax (model/softmax_kernel.h) on the dispatched instruction set
// and the baseline copy, against the formula in long double: column heights with and without a
// packet tail, blocks inside wider buffers (leading dimension > rows), and logits large enough
// that exp without the max subtracted would overflow float.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "model/softmax_kernel.h"

namespace rnnscope::softmax_kernel {
namespace {

void ExpectSoftmax(void (*run)(const SoftmaxArgs<float>&), long rows, long cols, float scale,
                   const char* isa) {
  const long ld = rows + 3;
  std::mt19937 rng(static_cast<unsigned>(rows * 31 + cols));
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> logits(static_cast<std::size_t>(ld * cols));
  for (float& x : logits) x = u(rng);
  std::vector<float> probs(logits.size(), -7.0f), max(static_cast<std::size_t>(cols)),
      sum(static_cast<std::size_t>(cols));
  SoftmaxArgs<float> a;
  a.logits = logits.data();
  a.ld_logits = ld;
  a.probs = probs.data();
  a.ld_probs = ld;
  a.rows = rows;
  a.cols = cols;
  a.max = max.data();
  a.sum = sum.data();
  run(a);
  for (long j = 0; j < cols; ++j) {
    const float* x = logits.data() + j * ld;
    long double m = x[0], total = 0;
    for (long i = 1; i < rows; ++i) m = std::max<long double>(m, x[i]);
    for (long i = 0; i < rows; ++i) total += std::exp(static_cast<long double>(x[i]) - m);
    EXPECT_EQ(max[static_cast<std::size_t>(j)], static_cast<float>(m)) << isa;
    EXPECT_NEAR(sum[static_cast<std::size_t>(j)], static_cast<double>(total), 1e-6 * static_cast<double>(total)) << isa;
    double column_sum = 0;
    for (long i = 0; i < rows; ++i) {
      const double want = static_cast<double>(std::exp(static_cast<long double>(x[i]) - m) / total);
      const float got = probs[static_cast<std::size_t>(i + j * ld)];
      EXPECT_NEAR(got, want, 1e-6 * want + 1e-12) << isa << " rows " << rows << " row " << i << " col " << j;
      column_sum += got;
    }
    EXPECT_NEAR(column_sum, 1.0, 1e-5) << isa;
    for (long i = rows; i < ld; ++i)
      EXPECT_EQ(probs[static_cast<std::size_t>(i + j * ld)], -7.0f) << isa << ": wrote past the column";
  }
}

TEST(SoftmaxKernel, MatchesTheFormulaOnEveryShape) {
  // 1, 5, 17, 65 (the char LM's vocabulary): tails for 4-, 8- and 16-float packets; 64: none.
  for (long rows : {1L, 5L, 17L, 64L, 65L})
    for (float scale : {3.0f, 200.0f}) {  // exp(200) overflows float: only max-shifted works
      ExpectSoftmax(&Softmax, rows, 4, scale, "dispatched");
      ExpectSoftmax(&SoftmaxBaseline, rows, 4, scale, "baseline");
    }
}

// The same column at every offset within a cache line gives bit-identical results: a resumed
// run reproduces the run it continues only if rounding does not depend on addresses.
TEST(SoftmaxKernel, ResultsDoNotDependOnTheColumnsAddress) {
  const long rows = 65;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-4, 4);
  std::vector<float> column(static_cast<std::size_t>(rows));
  for (float& x : column) x = u(rng);
  std::vector<float> first;
  for (long offset = 0; offset < 16; ++offset) {
    std::vector<float> logits(static_cast<std::size_t>(rows + 16)), probs(logits.size());
    std::copy(column.begin(), column.end(), logits.begin() + offset);
    float max = 0, sum = 0;
    SoftmaxArgs<float> a;
    a.logits = logits.data() + offset;
    a.ld_logits = rows;
    a.probs = probs.data() + (15 - offset);
    a.ld_probs = rows;
    a.rows = rows;
    a.cols = 1;
    a.max = &max;
    a.sum = &sum;
    Softmax(a);
    const std::vector<float> got(a.probs, a.probs + rows);
    if (offset == 0) first = got;
    else EXPECT_EQ(got, first) << "offset " << offset;
  }
}

}  // namespace
}  // namespace rnnscope::softmax_kernel
