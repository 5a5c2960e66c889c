#include "model/manual_lstm.h"

#include <cmath>

#include "core/error.h"

namespace rnnscope {

namespace {

double Sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }
double Activate(ManualActivation a, double v) { return a == ManualActivation::kTanh ? std::tanh(v) : v; }
double Dot(const std::array<double, 3>& w, const std::array<double, 3>& x) {
  return w[0] * x[0] + w[1] * x[1] + w[2] * x[2];
}

}  // namespace

std::string ManualGateModeName(ManualGateMode mode) {
  switch (mode) {
    case ManualGateMode::kHand: return "hand";
    case ManualGateMode::kSigmoid: return "sigmoid";
    case ManualGateMode::kWeights: return "weights";
  }
  return "?";
}

ManualLstmExample TextbookLstmExample() {
  ManualLstmExample e;
  e.values = {3, 4, 2, 1, 3};
  // {in, forget (1 = keep), out}: see the table in manual_lstm.h.
  e.schedule = {{1, 1, 0}, {1, 1, 0}, {0, 1, 0}, {0, 1, 1}, {0, 0, 0}};
  e.inputs = {{3, 1, 0}, {4, 1, 0}, {2, 0, 0}, {1, 0, 1}, {3, -1, 0}};
  e.expected_y = {0, 0, 0, 7, 0};
  e.expected_c = {3, 7, 7, 7, 0};
  return e;
}

std::vector<ManualLstmStep> RunManualLstm(const ManualLstmOptions& options,
                                          const std::vector<double>& values,
                                          const std::vector<ManualGates>& schedule,
                                          const std::vector<std::array<double, 3>>& inputs) {
  const bool from_weights = options.mode == ManualGateMode::kWeights;
  if (!from_weights && values.size() != schedule.size())
    throw ConfigError("manual LSTM: " + std::to_string(values.size()) + " inputs but " +
                      std::to_string(schedule.size()) + " gate settings; expected one per step");
  const std::size_t T = from_weights ? inputs.size() : values.size();
  std::vector<ManualLstmStep> steps;
  steps.reserve(T);
  double c = options.c0;
  for (std::size_t t = 0; t < T; ++t) {
    ManualLstmStep s;
    s.t = static_cast<int>(t) + 1;
    if (from_weights) {
      const ManualLstmWeights& w = options.weights;
      s.x = inputs[t];
      s.z = Dot(w.w_z, s.x) + w.b_z;
      s.i_pre = Dot(w.w_i, s.x) + w.b_i;
      s.f_pre = Dot(w.w_f, s.x) + w.b_f;
      s.o_pre = Dot(w.w_o, s.x) + w.b_o;
    } else {
      s.x = {values[t], 0, 0};
      s.z = values[t];
      const ManualGates& gate = schedule[t];
      if (options.mode == ManualGateMode::kHand) {
        s.i_pre = gate.in;
        s.f_pre = gate.forget;
        s.o_pre = gate.out;
      } else {  // a closed gate (0) sits at −bias, an open one (1) at +bias
        s.i_pre = options.open_bias * (2 * gate.in - 1);
        s.f_pre = options.open_bias * (2 * gate.forget - 1);
        s.o_pre = options.open_bias * (2 * gate.out - 1);
      }
    }
    if (options.mode == ManualGateMode::kHand) {
      s.i = s.i_pre;
      s.f = s.f_pre;
      s.o = s.o_pre;
    } else {
      s.i = Sigmoid(s.i_pre);
      s.f = Sigmoid(s.f_pre);
      s.o = Sigmoid(s.o_pre);
    }
    s.g = Activate(options.cell_input, s.z);
    s.c_prev = c;
    c = s.f * c + s.i * s.g;  // c_t = f ⊙ c_{t-1} + i ⊙ g
    s.c = c;
    s.y = s.o * Activate(options.cell_output, c);  // y_t = o ⊙ h(c_t)
    steps.push_back(s);
  }
  return steps;
}

std::vector<ManualLstmStep> RunTextbookLstm(const ManualLstmOptions& options) {
  const ManualLstmExample e = TextbookLstmExample();
  return RunManualLstm(options, e.values, e.schedule, e.inputs);
}

}  // namespace rnnscope
