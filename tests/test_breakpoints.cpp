// Breakpoints pause training by themselves and say which rule fired and where: the rules in
// isolation (grad norm, one-shot step, edge-triggered gate saturation, non-finite location),
// then wired through the real trainer thread.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "train/breakpoints.h"
#include "train/trainer_thread.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

using namespace std::chrono_literals;

TEST(Breakpoints, GradNormAboveThresholdFiresEveryTimeAndBelowNever) {
  Breakpoints b;
  BreakpointRules rules;
  rules.grad_norm_above = 10;
  b.SetRules(rules);
  StepResult r;
  r.grad_norm = 9.9f;
  EXPECT_FALSE(b.AfterStep(1, r));
  r.grad_norm = 12;
  const auto hit = b.AfterStep(2, r);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->rule, "grad-norm");
  EXPECT_EQ(hit->step, 2);
  EXPECT_DOUBLE_EQ(hit->value, 12);
  EXPECT_DOUBLE_EQ(hit->threshold, 10);
  EXPECT_TRUE(b.AfterStep(3, r)) << "every exploding step is worth a stop";
}

TEST(Breakpoints, AtStepFiresOncePerPass) {
  Breakpoints b;
  BreakpointRules rules;
  rules.at_step = 5;
  b.SetRules(rules);
  StepResult r;
  EXPECT_FALSE(b.AfterStep(4, r));
  const auto hit = b.AfterStep(5, r);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->rule, "step");
  EXPECT_FALSE(b.AfterStep(6, r)) << "resuming past the step does not stop again";
  EXPECT_TRUE(b.AfterStep(5, r)) << "after a rewind to before it, it stops again";
}

TEST(Breakpoints, NonFiniteNamesTheTensorAndItsLayer) {
  Breakpoints b;
  StepResult r;
  r.non_finite = "gradient of rnn.weight_hh_l1_reverse";
  const auto hit = b.AfterStep(7, r);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->rule, "non-finite");
  EXPECT_EQ(hit->tensor, r.non_finite);
  EXPECT_EQ(hit->layer, 1);
  EXPECT_EQ(hit->direction, 1);
  EXPECT_NE(hit->message.find("rnn.weight_hh_l1_reverse"), std::string::npos);
  BreakpointRules off;
  off.non_finite = false;
  b.SetRules(off);
  EXPECT_FALSE(b.AfterStep(7, r));
}

Snapshot SaturationSnapshot(float f_value) {
  Snapshot s;
  s.step = 42;
  LayerTrace t;
  t.layer = 0;
  t.gate_names = {"i", "f", "g", "o"};
  for (int g = 0; g < 4; ++g) t.gates.push_back(MatF::Constant(4, 6, 0.5f));
  t.gates[2].setConstant(0.999f);  // g is tanh, not a gate: never counts
  // f: units 0..2 saturated at timestep 3 only, unit 3 never → 3 of 24 values...
  t.gates[1](0, 3) = f_value;
  t.gates[1](1, 3) = f_value;
  t.gates[1](2, 3) = f_value;
  t.gates[1](0, 1) = f_value;
  s.layers.push_back(t);
  return s;
}

TEST(Breakpoints, SaturationCountsOnlySigmoidGatesAndFindsTheWorstTimestep) {
  const std::vector<GateSaturation> all = MeasureGateSaturation(SaturationSnapshot(0.99f), 0.05f, 0.95f);
  ASSERT_EQ(all.size(), 3u) << "i, f, o; not g";
  EXPECT_EQ(all[1].gate, "f");
  EXPECT_DOUBLE_EQ(all[1].fraction, 4.0 / 24.0);
  EXPECT_EQ(all[1].worst_timestep, 3);
  EXPECT_DOUBLE_EQ(all[0].fraction, 0.0);
}

TEST(Breakpoints, SaturationIsEdgeTriggered) {
  Breakpoints b;
  BreakpointRules rules;
  rules.saturation_fraction_above = 0.1f;
  b.SetRules(rules);
  EXPECT_FALSE(b.AfterProbe(SaturationSnapshot(0.5f)));
  const auto hit = b.AfterProbe(SaturationSnapshot(0.01f));
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->rule, "saturation");
  EXPECT_EQ(hit->tensor, "gate f");
  EXPECT_EQ(hit->layer, 0);
  EXPECT_EQ(hit->timestep, 3);
  EXPECT_EQ(hit->step, 42);
  EXPECT_FALSE(b.AfterProbe(SaturationSnapshot(0.01f))) << "still saturated: no second stop";
  EXPECT_FALSE(b.AfterProbe(SaturationSnapshot(0.5f)));
  EXPECT_TRUE(b.AfterProbe(SaturationSnapshot(0.99f))) << "a new crossing stops again";
}

// ---------------------------------------------------------------- through the trainer thread

TrainerOptions SmallOptions() {
  TrainerOptions o = test::SmallOptions();
  o.validate_interval_ms = 1000000;
  o.start_paused = true;
  return o;
}

using test::WaitFor;

TEST(BreakpointsTrainer, StopsAtStepNAndResumes) {
  TrainerThread trainer(SmallOptions());
  trainer.Start();
  BreakpointRules rules;
  rules.at_step = 7;
  trainer.Send(SetBreakpointsCommand{rules});
  trainer.Send(PauseCommand{false});
  auto s = WaitFor(trainer, [](const Snapshot& x) { return !x.breakpoint.empty(); });
  EXPECT_TRUE(s->paused);
  EXPECT_EQ(s->step, 7);
  EXPECT_EQ(s->breakpoint_hit.rule, "step");
  EXPECT_EQ(s->breakpoint_rules.at_step, 7);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(trainer.Latest()->step, 7) << "the breakpoint did not hold";
  trainer.Send(PauseCommand{false});
  s = WaitFor(trainer, [](const Snapshot& x) { return x.step >= 10; });
  EXPECT_TRUE(s->breakpoint.empty()) << "resuming clears the breakpoint";
}

TEST(BreakpointsTrainer, GradNormNamesTheLargestParameter) {
  TrainerThread trainer(SmallOptions());
  trainer.Start();
  BreakpointRules rules;
  rules.grad_norm_above = 1e-6f;  // every step
  trainer.Send(SetBreakpointsCommand{rules});
  trainer.Send(StepCommand{5});
  auto s = WaitFor(trainer, [](const Snapshot& x) { return !x.breakpoint.empty(); });
  EXPECT_EQ(s->step, 1) << "the remaining steps of the StepCommand are cancelled";
  EXPECT_EQ(s->breakpoint_hit.rule, "grad-norm");
  EXPECT_FALSE(s->breakpoint_hit.tensor.empty());
  EXPECT_NE(s->breakpoint.find(s->breakpoint_hit.tensor), std::string::npos);
  EXPECT_GT(s->breakpoint_hit.value, 1e-6);
}

TEST(BreakpointsTrainer, GateSaturationOnTheProbe) {
  TrainerThread trainer(SmallOptions());
  trainer.Start();
  BreakpointRules rules;
  // A near-zero threshold and a narrow band: fresh weights already cross it somewhere.
  rules.saturation_fraction_above = 1e-9f;
  rules.saturation_low = 0.49f;  // everything outside [0.49, 0.51] counts
  rules.saturation_high = 0.51f;
  trainer.Send(SetBreakpointsCommand{rules});
  trainer.Send(PauseCommand{false});
  auto s = WaitFor(trainer, [](const Snapshot& x) { return !x.breakpoint.empty(); });
  EXPECT_TRUE(s->paused);
  EXPECT_EQ(s->breakpoint_hit.rule, "saturation");
  EXPECT_EQ(s->breakpoint_hit.layer, 0);
  EXPECT_GE(s->breakpoint_hit.timestep, 0);
  EXPECT_LT(s->breakpoint_hit.timestep, static_cast<int>(s->probe_tokens.size()));
  EXPECT_EQ(s->breakpoint_hit.tensor.rfind("gate ", 0), 0u);
}

TEST(BreakpointsTrainer, NonFiniteSaysWhichTensor) {
  TrainerOptions o = SmallOptions();
  // Unbounded activations overflow float within a step or two of a huge rate. An LSTM's
  // gates saturate instead: its loss can stay finite (if absurd) for thousands of steps, and
  // how many depends on the build's sigmoid/tanh rounding (it never diverged under ASan).
  o.spec.model.cell = CellKind::kRnnRelu;
  o.spec.settings.optimizer = "sgd";
  o.spec.settings.learning_rate = 1e30f;
  o.spec.settings.clip_mode = "none";
  TrainerThread trainer(o);
  trainer.Start();
  trainer.Send(PauseCommand{false});
  auto s = WaitFor(trainer, [](const Snapshot& x) { return !x.breakpoint.empty(); });
  EXPECT_TRUE(s->paused);
  EXPECT_EQ(s->breakpoint_hit.rule, "non-finite");
  EXPECT_FALSE(s->breakpoint_hit.tensor.empty());
  EXPECT_NE(s->breakpoint.find(s->breakpoint_hit.tensor), std::string::npos);
}

}  // namespace
}  // namespace rnnscope
