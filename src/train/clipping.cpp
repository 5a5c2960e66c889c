#include "train/clipping.h"

#include <cmath>

#include "core/error.h"

namespace rnnscope {
namespace {

double SquaredNorm(const MatF& m) {
  // Double accumulation: a float sum over millions of squares loses the small contributions.
  // Eight independent partial sums: one running sum is a chain of dependent adds (4 cycles
  // each), which made this pass cost as much as Adam on small models; eight chains vectorise.
  constexpr int kLanes = 8;
  double lanes[kLanes] = {};
  const float* p = m.data();
  const Eigen::Index n = m.size(), tail = n - n % kLanes;
  for (Eigen::Index i = 0; i < tail; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lanes[j] += static_cast<double>(p[i + j]) * p[i + j];
  double sum = 0.0;
  for (Eigen::Index i = tail; i < n; ++i) sum += static_cast<double>(p[i]) * p[i];
  for (double lane : lanes) sum += lane;
  return sum;
}

}  // namespace

ClipMode ParseClipMode(std::string_view name) {
  if (name == "none") return ClipMode::kNone;
  if (name == "value") return ClipMode::kValue;
  if (name == "norm") return ClipMode::kNorm;
  throw ConfigError("clip mode: \"" + std::string(name) + "\" is not one of none, value, norm");
}

std::string_view ClipModeName(ClipMode mode) {
  switch (mode) {
    case ClipMode::kNone: return "none";
    case ClipMode::kValue: return "value";
    case ClipMode::kNorm: return "norm";
  }
  return "?";
}

namespace {

// The clipping rules once, over any way of visiting the gradient tensors: `each(fn)` calls fn on
// every tensor (ModelParams::ForEachTensor, or a list). Visiting allocates nothing per step.
template <class Each>
float GlobalNormOf(Each&& each) {
  double sum = 0.0;
  each([&](MatF& g) { sum += SquaredNorm(g); });
  return static_cast<float>(std::sqrt(sum));
}

template <class Each>
ClipResult ClipByValueOf(Each&& each, float clip) {
  if (!(clip > 0.0f)) throw ConfigError("clip value must be > 0, got " + std::to_string(clip));
  ClipResult r;
  r.norm = GlobalNormOf(each);
  each([&](MatF& g) {
    float* p = g.data();
    for (Eigen::Index i = 0; i < g.size(); ++i) {
      // NaN compares false both ways and stays NaN, as np.clip leaves it.
      if (p[i] > clip) {
        p[i] = clip;
        r.clipped = true;
      } else if (p[i] < -clip) {
        p[i] = -clip;
        r.clipped = true;
      }
    }
  });
  return r;
}

template <class Each>
ClipResult ClipByGlobalNormOf(Each&& each, float max_norm) {
  if (!(max_norm > 0.0f)) throw ConfigError("max grad norm must be > 0, got " + std::to_string(max_norm));
  ClipResult r;
  r.norm = GlobalNormOf(each);
  if (!std::isfinite(r.norm)) return r;
  // torch: clip_coef = max_norm / (total_norm + 1e-6), in float32 tensor arithmetic.
  const float coef = max_norm / (r.norm + 1e-6f);
  if (coef < 1.0f) {
    each([&](MatF& g) { g *= coef; });
    r.clipped = true;
  }
  return r;
}

template <class Each>
ClipResult ClipGradientsOf(Each&& each, ClipMode mode, float clip) {
  switch (mode) {
    case ClipMode::kValue: return ClipByValueOf(each, clip);
    case ClipMode::kNorm: return ClipByGlobalNormOf(each, clip);
    case ClipMode::kNone: break;
  }
  return {GlobalNormOf(each), false};
}

auto Visit(ModelParams<float>& grads) {
  return [&grads](auto&& fn) { grads.ForEachTensor(fn); };
}
auto Visit(std::span<MatF* const> grads) {
  return [grads](auto&& fn) {
    for (MatF* g : grads) fn(*g);
  };
}

}  // namespace

float GlobalNorm(const ModelParams<float>& grads) {
  // Read only: the visitor needs a mutable reference only because the clip functions share it.
  return GlobalNormOf(Visit(const_cast<ModelParams<float>&>(grads)));
}
ClipResult ClipByValue(ModelParams<float>& grads, float clip) { return ClipByValueOf(Visit(grads), clip); }
ClipResult ClipByGlobalNorm(ModelParams<float>& grads, float max_norm) {
  return ClipByGlobalNormOf(Visit(grads), max_norm);
}
ClipResult ClipGradients(ModelParams<float>& grads, ClipMode mode, float clip) {
  return ClipGradientsOf(Visit(grads), mode, clip);
}
float GlobalNorm(std::span<MatF* const> grads) { return GlobalNormOf(Visit(grads)); }
ClipResult ClipGradients(std::span<MatF* const> grads, ClipMode mode, float clip) {
  return ClipGradientsOf(Visit(grads), mode, clip);
}

std::vector<std::pair<std::string, float>> TensorNorms(const ModelParams<float>& tensors) {
  std::vector<std::pair<std::string, float>> out;
  tensors.ForEach([&](const std::string& name, const MatF& m, bool) {
    out.emplace_back(name, static_cast<float>(std::sqrt(SquaredNorm(m))));
  });
  return out;
}

std::optional<std::string> FirstNonFinite(const ModelParams<float>& tensors) {
  std::optional<std::string> first;
  tensors.ForEach([&](const std::string& name, const MatF& m, bool) {
    if (!first && !m.allFinite()) first = name;
  });
  return first;
}

}  // namespace rnnscope
