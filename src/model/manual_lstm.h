// The hand-built LSTM: one memory unit whose gates the user opens (1) and closes (0) step by
// step, the textbook worked example for "what does an LSTM cell do" (Hung-yi Lee's lecture on
// LSTM; the same unit as in Hochreiter & Schmidhuber 1997 with a forget gate, Gers et al. 2000).
//
//   c_t = f_t · c_{t-1} + i_t · g(z_t)      g: cell-input activation (identity or tanh)
//   y_t = o_t · h(c_t)                       h: cell-output activation (identity or tanh)
//
// Gate convention: f = 1 is "forget gate open", i.e. the cell *keeps* its value (PyTorch's f).
//
// The textbook example feeds 3, 4, 2, 1, 3 with identity g and h and this schedule:
//   t  x | i f o | c            y
//   1  3 | 1 1 0 | 1·0 + 1·3 = 3 0     write 3 (f is irrelevant: c_0 = 0)
//   2  4 | 1 1 0 | 1·3 + 1·4 = 7 0     add 4 to what is kept
//   3  2 | 0 1 0 | 1·7 + 0·2 = 7 0     input closed: 2 is ignored, 7 kept
//   4  1 | 0 1 1 | 1·7 + 0·1 = 7 7     output open: read 7 out (1 is ignored)
//   5  3 | 0 0 0 | 0·7 + 0·3 = 0 0     forget closed: reset, input closed: 3 ignored
// → outputs 0 0 0 7 0, cells 3 7 7 7 0.
//
// The lecture drives the gates from a 3-feature input x = (value, write/reset, read) through
// weights with large ±10 biases, so each gate is a real sigmoid that is merely *close* to 0/1:
//   z   = x₁                          (the value)
//   i   = σ(100·x₂ − 10)              (x₂ = 1 writes)
//   f   = σ(100·x₂ + 10)              (x₂ = −1 resets; 0 or 1 keeps)
//   o   = σ(100·x₃ − 10)              (x₃ = 1 reads)
// with inputs (3,1,0) (4,1,0) (2,0,0) (1,0,1) (3,−1,0). ManualLstm runs either mode, and
// either activation, so the step-through view can show how close the real unit comes:
//   weights, identity:  c = 3, 7, 6.99977, 6.9995, 0.000000   y₄ = 6.9995 (σ(10) = 0.99995 leaks)
//   sigmoid (±10 bias): c = 2.99986, 6.99955, 6.99932, 6.99905, 0.00045
//   hand, tanh g and h: c = 0.995, 1.994, 1.994, 1.994, 0   y₄ = 0.964 (tanh squashes 3 and 4
//                       to ≈ 1 each, so the unit can no longer carry the value 7)
#pragma once

#include <array>
#include <string>
#include <vector>

namespace rnnscope {

enum class ManualActivation { kIdentity, kTanh };
// kHand: the gate values are exactly the user's 0/1 (or any value in [0, 1]).
// kSigmoid: each gate is σ(pre), with pre = +open_bias for a gate set to 1 and −open_bias for 0
//           (gate values in between map linearly: pre = open_bias · (2·gate − 1)).
// kWeights: gates come from the 3-feature input through ManualLstmWeights (the lecture's net).
enum class ManualGateMode { kHand, kSigmoid, kWeights };

struct ManualGates {
  double in = 0;      // i
  double forget = 1;  // f (1 = keep)
  double out = 0;     // o
};

// The lecture's weights for x = (value, write/reset, read): w·x + b per gate.
struct ManualLstmWeights {
  std::array<double, 3> w_z{1, 0, 0};
  double b_z = 0;
  std::array<double, 3> w_i{0, 100, 0};
  double b_i = -10;
  std::array<double, 3> w_f{0, 100, 0};
  double b_f = 10;
  std::array<double, 3> w_o{0, 0, 100};
  double b_o = -10;
};

struct ManualLstmOptions {
  ManualGateMode mode = ManualGateMode::kHand;
  ManualActivation cell_input = ManualActivation::kIdentity;   // g
  ManualActivation cell_output = ManualActivation::kIdentity;  // h
  double open_bias = 10;                                        // kSigmoid
  ManualLstmWeights weights;                                    // kWeights
  double c0 = 0;
};

// One step as the step-through view shows it.
struct ManualLstmStep {
  int t = 0;                          // 1-based, as in the textbook table
  std::array<double, 3> x{};          // x[0] is the value; x[1], x[2] the control features
  double i_pre = 0, f_pre = 0, o_pre = 0, z = 0;  // pre-activations (kHand: the gates themselves)
  double i = 0, f = 0, o = 0;         // gate values
  double g = 0;                       // cell input g(z)
  double c_prev = 0, c = 0;           // cell before and after
  double y = 0;                       // o · h(c)
};

struct ManualLstmExample {
  std::vector<double> values;                      // 3, 4, 2, 1, 3
  std::vector<ManualGates> schedule;               // the table above
  std::vector<std::array<double, 3>> inputs;       // (value, write/reset, read) for kWeights
  std::vector<double> expected_y;                  // 0, 0, 0, 7, 0
  std::vector<double> expected_c;                  // 3, 7, 7, 7, 0
};

ManualLstmExample TextbookLstmExample();

// Runs the unit. kHand and kSigmoid use values[t] and schedule[t] (same length, else throws
// ConfigError); kWeights uses inputs[t] (values and schedule are ignored).
std::vector<ManualLstmStep> RunManualLstm(const ManualLstmOptions& options,
                                          const std::vector<double>& values,
                                          const std::vector<ManualGates>& schedule,
                                          const std::vector<std::array<double, 3>>& inputs = {});

// The textbook run in a given mode/activation (the three step-through presets).
std::vector<ManualLstmStep> RunTextbookLstm(const ManualLstmOptions& options);

std::string ManualGateModeName(ManualGateMode mode);  // "hand", "sigmoid", "weights"

}  // namespace rnnscope
