// The cells' elementwise timestep math (activations, c and h updates, their derivatives),
// compiled once per instruction set like the GEMM (model/gemm.h): the portable build's SSE2
// copy of Eigen's logistic/tanh runs four floats wide, the AVX2 copy eight and the AVX-512 copy
// sixteen. Together these were a quarter of an LSTM H=256 training step in the portable build.
// The formulas are the cells' (lstm_cell.cpp, gru_cell.cpp, rnn_cell.cpp document them); the
// operands are raw column-major blocks so that the per-ISA copies, each with its own renamed
// Eigen, see no Eigen type.
#pragma once

namespace rnnscope::cell_kernels {

enum class CellOp {
  kLstmForward,   // gates (4H, B) += b_hh, activated; c, h from c_prev
  kLstmBackward,  // dc updated, d_ih written, dc_norm = ‖∂L/∂c_t‖ (before ⊙ f)
  kGruForward,    // gates (3H, B) in: [W_ir x + b_ir + W_hr h; W_iz x + b_iz + W_hz h;
                  // W_hn h + b_hn], aux in: W_in x + b_in; out: gates r, z, n activated,
                  // aux = W_hn h + b_hn, h
  kGruBackward,   // d_ih, d_hh, dh_direct written
  kTanhForward,   // gates (H, B) += b_hh, tanh; h = gates
  kTanhBackward,  // d_ih = dh ⊙ (1 − h²)
  kReluForward,
  kReluBackward,
};

// A column-major block: element (i, j) at p[i + j·ld].
template <class S>
struct Block {
  S* p = nullptr;
  long ld = 0;
};

template <class S>
struct StepArgs {
  long H = 0, B = 0;
  Block<S> gates;
  const S* b_hh = nullptr;
  Block<const S> h_prev, c_prev;
  Block<S> h, c, aux;
  Block<const S> saved_gates, saved_c, saved_aux;  // backward: what forward stored
  Block<S> dh, dc, d_ih, d_hh, dh_direct;
  S dc_norm = 0;  // out (kLstmBackward)
};

// Runs op with the kernel copy for this CPU (the same choice as Gemm).
void Run(CellOp op, StepArgs<float>& args);
void Run(CellOp op, StepArgs<double>& args);

void RunBaseline(CellOp op, StepArgs<float>& args);
void RunBaseline(CellOp op, StepArgs<double>& args);
void RunV3(CellOp op, StepArgs<float>& args);
void RunV3(CellOp op, StepArgs<double>& args);
void RunV4(CellOp op, StepArgs<float>& args);
void RunV4(CellOp op, StepArgs<double>& args);

}  // namespace rnnscope::cell_kernels
