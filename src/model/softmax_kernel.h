// Column softmax for the output layer, compiled once per instruction set like the cells'
// kernels (model/cell_kernels.h): probs = softmax of each column of logits, in one pass per
// column that stays in L1 (max, then exp and sum, then scale), eight floats wide with AVX2.
// As whole-matrix Eigen passes in the portable build it was 3% of an RNN H=256 training step
// (V = 65, T·B = 2048 columns).
#pragma once

namespace rnnscope::softmax_kernel {

// logits and probs are (rows, cols) column-major with leading dimensions ld_logits, ld_probs
// (they may be the same buffer). Per column j, max[j] = max logit and sum[j] = Σ exp(logit −
// max) are written too: the loss is log(sum) − (logit_target − max).
template <class S>
struct SoftmaxArgs {
  const S* logits = nullptr;
  long ld_logits = 0;
  S* probs = nullptr;
  long ld_probs = 0;
  long rows = 0, cols = 0;
  S* max = nullptr;  // (cols)
  S* sum = nullptr;  // (cols)
};

// Runs with the kernel copy for this CPU (the same choice as Gemm).
void Softmax(const SoftmaxArgs<float>& args);
void Softmax(const SoftmaxArgs<double>& args);

void SoftmaxBaseline(const SoftmaxArgs<float>& args);
void SoftmaxBaseline(const SoftmaxArgs<double>& args);
void SoftmaxV3(const SoftmaxArgs<float>& args);
void SoftmaxV3(const SoftmaxArgs<double>& args);
void SoftmaxV4(const SoftmaxArgs<float>& args);
void SoftmaxV4(const SoftmaxArgs<double>& args);

}  // namespace rnnscope::softmax_kernel
