// Adam's elementwise update as one fused pass, compiled once per instruction set like the GEMM
// kernel (model/gemm.h): the portable build's SSE2 code ran it as three Eigen passes four
// floats wide, a quarter of the min-char-rnn training step (LSTM H=100, B=1: 73k parameters
// updated for 25 tokens). The AVX2 copy does the same arithmetic eight wide in one pass.
#pragma once

namespace rnnscope {

struct AdamCoefficients {
  float beta1, one_minus_beta1;
  float beta2, one_minus_beta2;
  float step_size;  // lr / (1 − β1ᵗ)
  float bc2_sqrt;   // √(1 − β2ᵗ)
  float eps;
  float weight_decay;  // L2 added to the gradient (PyTorch Adam's weight_decay); 0 = none
};

// m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,  p ← p − step · m / (√v / bc2 + eps),
// with g = grad + wd · p, out of place: reads (param, m, v), writes (param_out, m_out, v_out).
// The optimizer writes the new state into spare buffers and swaps (train/optimizer.h), so the
// step before stays whole for a rollback at no copy. n elements; no two arrays may overlap.
void AdamUpdateInto(const float* param, const float* grad, const float* m, const float* v, float* param_out,
                    float* m_out, float* v_out, long n, const AdamCoefficients& c);

namespace adam_detail {
struct AdamInto {
  const float *param, *grad, *m, *v;
  float *param_out, *m_out, *v_out;
  long n;
};
void AdamUpdateIntoBaseline(const AdamInto& a, const AdamCoefficients& c);
void AdamUpdateIntoV3(const AdamInto& a, const AdamCoefficients& c);
void AdamUpdateIntoV4(const AdamInto& a, const AdamCoefficients& c);
}  // namespace adam_detail

}  // namespace rnnscope
