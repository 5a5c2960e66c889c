// The hand-built LSTM reproduces the textbook table exactly with hand-set gates and identity
// activations, and comes close (but visibly not exactly) with real sigmoid gates and tanh.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "model/manual_lstm.h"

namespace rnnscope {
namespace {

TEST(ManualLstm, HandSetGatesGiveTheTextbookNumbersExactly) {
  const ManualLstmExample e = TextbookLstmExample();
  const std::vector<ManualLstmStep> steps = RunTextbookLstm({});
  ASSERT_EQ(steps.size(), 5u);
  for (std::size_t t = 0; t < steps.size(); ++t) {
    // Exact: identity activations and 0/1 gates only add and multiply small integers.
    EXPECT_EQ(steps[t].c, e.expected_c[t]) << "cell at t=" << t + 1;
    EXPECT_EQ(steps[t].y, e.expected_y[t]) << "output at t=" << t + 1;
    EXPECT_EQ(steps[t].x[0], e.values[t]);
    EXPECT_EQ(steps[t].g, e.values[t]) << "identity cell input";
    EXPECT_EQ(steps[t].t, static_cast<int>(t) + 1);
  }
  EXPECT_EQ(steps[0].c_prev, 0);
  EXPECT_EQ(steps[3].c_prev, 7);
  // The record carries the gates the view shows.
  EXPECT_EQ(steps[3].o, 1);
  EXPECT_EQ(steps[4].f, 0);
  EXPECT_EQ(steps[2].i, 0);
}

TEST(ManualLstm, TextbookWeightsWithSigmoidGatesComeCloseButNotExact) {
  ManualLstmOptions o;
  o.mode = ManualGateMode::kWeights;
  const std::vector<ManualLstmStep> steps = RunTextbookLstm(o);
  const ManualLstmExample e = TextbookLstmExample();
  ASSERT_EQ(steps.size(), 5u);
  for (std::size_t t = 0; t < 5; ++t) {
    EXPECT_NEAR(steps[t].c, e.expected_c[t], 2e-3) << t;
    EXPECT_NEAR(steps[t].y, e.expected_y[t], 2e-3) << t;
  }
  // σ(±10) is not 0/1: the read-out is 7·σ(10)·... slightly below 7, never equal.
  EXPECT_LT(steps[3].y, 7.0);
  EXPECT_GT(steps[3].y, 6.99);
  EXPECT_NE(steps[0].y, 0.0) << "a closed sigmoid gate still leaks";
  // Pre-activations: step 1 writes (i_pre = 100·1 − 10), step 5 resets (f_pre = −100 + 10).
  EXPECT_DOUBLE_EQ(steps[0].i_pre, 90);
  EXPECT_DOUBLE_EQ(steps[4].f_pre, -90);
  EXPECT_DOUBLE_EQ(steps[3].o_pre, 90);
}

TEST(ManualLstm, SigmoidModeMapsOpenAndClosedToPlusMinusBias) {
  ManualLstmOptions o;
  o.mode = ManualGateMode::kSigmoid;
  o.open_bias = 10;
  const std::vector<ManualLstmStep> steps = RunTextbookLstm(o);
  const double open = 1 / (1 + std::exp(-10.0)), closed = 1 / (1 + std::exp(10.0));
  EXPECT_DOUBLE_EQ(steps[0].i, open);
  EXPECT_DOUBLE_EQ(steps[0].o, closed);
  // c1 = σ(10)·0 + σ(10)·3; c2 = σ(10)·c1 + σ(10)·4.
  EXPECT_NEAR(steps[0].c, 3 * open, 1e-12);
  EXPECT_NEAR(steps[1].c, open * 3 * open + open * 4, 1e-12);
  EXPECT_NEAR(steps[3].y, open * steps[3].c, 1e-12);
  EXPECT_GT(std::abs(steps[3].y - 7), 1e-4) << "sigmoid gates differ visibly from hand-set ones";
}

TEST(ManualLstm, TanhActivationsSquashTheCellInputAndOutput) {
  ManualLstmOptions o;
  o.cell_input = ManualActivation::kTanh;
  o.cell_output = ManualActivation::kTanh;
  const std::vector<ManualLstmStep> steps = RunTextbookLstm(o);
  EXPECT_DOUBLE_EQ(steps[0].g, std::tanh(3.0));
  EXPECT_DOUBLE_EQ(steps[1].c, std::tanh(3.0) + std::tanh(4.0));
  EXPECT_DOUBLE_EQ(steps[3].y, std::tanh(steps[3].c));
  EXPECT_LT(steps[3].y, 1.0) << "the output can no longer carry the value 7";
  EXPECT_EQ(steps[4].c, 0.0) << "hand-set gates still reset exactly";
}

TEST(ManualLstm, MismatchedScheduleIsAConfigError) {
  EXPECT_THROW(RunManualLstm({}, {1, 2, 3}, {{1, 1, 0}}), ConfigError);
}

}  // namespace
}  // namespace rnnscope
