// Gradient clipping and gradient health checks, applied by the trainer between backward and the
// optimizer step.
//   value: every element to [-c, c]         (min-char-rnn's np.clip(d, -5, 5))
//   norm:  scale all gradients by max_norm / (‖g‖ + 1e-6) when that is < 1
//          (torch.nn.utils.clip_grad_norm_, L2 over all tensors together)
// Both report the global L2 norm before clipping, which is what the loss plot shows.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/params.h"

namespace rnnscope {

enum class ClipMode { kNone, kValue, kNorm };

// "none", "value", "norm" (TrainSettings::clip_mode); throws ConfigError.
ClipMode ParseClipMode(std::string_view name);
std::string_view ClipModeName(ClipMode mode);

struct ClipResult {
  float norm = 0.0f;     // global L2 norm before clipping (inf/NaN if a gradient is non-finite)
  bool clipped = false;  // something changed
};

// sqrt(Σ over all tensors of Σ g²), accumulated in double.
float GlobalNorm(const ModelParams<float>& grads);

// Clamps each element to [-clip, clip]; clipped = any element was outside. clip must be > 0.
ClipResult ClipByValue(ModelParams<float>& grads, float clip);
// PyTorch's clip_grad_norm_. A non-finite norm leaves the gradients untouched (clipped = false):
// scaling by 0 or NaN would hide the problem; the trainer checks FirstNonFinite and skips the step.
ClipResult ClipByGlobalNorm(ModelParams<float>& grads, float max_norm);
// Dispatches on mode; kNone only measures the norm.
ClipResult ClipGradients(ModelParams<float>& grads, ClipMode mode, float clip);

// The same three over a list of gradient tensors (a model whose parameters are not a
// ModelParams, such as seq2seq's).
float GlobalNorm(std::span<MatF* const> grads);
ClipResult ClipGradients(std::span<MatF* const> grads, ClipMode mode, float clip);

// L2 norm of each tensor, in ForEach (state_dict) order: {"rnn.weight_ih_l0", 0.12}, ...
std::vector<std::pair<std::string, float>> TensorNorms(const ModelParams<float>& tensors);

// Name of the first tensor (ForEach order) holding a NaN or ±Inf, or nullopt if all are finite.
std::optional<std::string> FirstNonFinite(const ModelParams<float>& tensors);

}  // namespace rnnscope
