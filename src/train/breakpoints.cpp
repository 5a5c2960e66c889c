#include "train/breakpoints.h"

#include <cmath>
#include <cstdio>
#include <regex>

namespace rnnscope {

namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

bool IsSigmoidGate(const std::string& name) {
  return name == "i" || name == "f" || name == "o" || name == "r" || name == "z";
}

// "gradient of rnn.weight_hh_l1_reverse" / "loss (hidden state of layer 1 reverse, ...)":
// the layer and direction the job's message names, so the UI can jump there.
void LocateFromName(const std::string& what, BreakpointHit& hit) {
  std::smatch m;
  static const std::regex param(R"(_l(\d+)(_reverse)?)");
  static const std::regex layer(R"(layer (\d+)( reverse)?)");
  if (std::regex_search(what, m, layer) || std::regex_search(what, m, param)) {
    hit.layer = std::stoi(m[1].str());
    hit.direction = m[2].matched ? 1 : 0;
  }
}

}  // namespace

std::vector<GateSaturation> MeasureGateSaturation(const Snapshot& snapshot, float low, float high) {
  std::vector<GateSaturation> out;
  for (const LayerTrace& trace : snapshot.layers) {
    for (std::size_t g = 0; g < trace.gate_names.size() && g < trace.gates.size(); ++g) {
      if (!IsSigmoidGate(trace.gate_names[g])) continue;
      const MatF& m = trace.gates[g];  // (H, T)
      if (m.size() == 0) continue;
      GateSaturation s;
      s.layer = trace.layer;
      s.direction = trace.direction;
      s.gate = trace.gate_names[g];
      Eigen::Index total = 0, worst = -1;
      for (Eigen::Index t = 0; t < m.cols(); ++t) {
        const Eigen::Index n = ((m.col(t).array() < low) || (m.col(t).array() > high)).count();
        total += n;
        if (n > worst) {
          worst = n;
          s.worst_timestep = static_cast<int>(t);
        }
      }
      s.fraction = static_cast<double>(total) / static_cast<double>(m.size());
      out.push_back(s);
    }
  }
  return out;
}

void Breakpoints::SetRules(const BreakpointRules& rules) { rules_ = rules; }

void Breakpoints::Rearm() { saturated_ = false; }

std::optional<BreakpointHit> Breakpoints::AfterStep(int64_t step, const StepResult& result) {
  BreakpointHit hit;
  hit.step = step;
  if (!result.non_finite.empty()) {
    if (!rules_.non_finite) return std::nullopt;
    hit.rule = "non-finite";
    hit.tensor = result.non_finite;
    LocateFromName(result.non_finite, hit);
    hit.message = "breakpoint: NaN/Inf in " + result.non_finite + " at step " + std::to_string(step + 1) +
                  " (the update was not applied)";
    return hit;
  }
  if (rules_.grad_norm_above > 0 && result.grad_norm > rules_.grad_norm_above) {
    hit.rule = "grad-norm";
    hit.value = result.grad_norm;
    hit.threshold = rules_.grad_norm_above;
    // The tensor is filled in by the trainer from the snapshot's per-parameter grad norms.
    hit.message = "breakpoint: gradient norm " + Num(result.grad_norm) + " > " +
                  Num(rules_.grad_norm_above) + " at step " + std::to_string(step);
    return hit;
  }
  if (rules_.at_step >= 0 && step == rules_.at_step) {
    hit.rule = "step";
    hit.value = static_cast<double>(step);
    hit.threshold = static_cast<double>(rules_.at_step);
    hit.message = "breakpoint: reached step " + std::to_string(step);
    return hit;
  }
  return std::nullopt;
}

std::optional<BreakpointHit> Breakpoints::AfterProbe(const Snapshot& snapshot) {
  if (rules_.saturation_fraction_above <= 0) return std::nullopt;
  const std::vector<GateSaturation> all =
      MeasureGateSaturation(snapshot, rules_.saturation_low, rules_.saturation_high);
  const GateSaturation* worst = nullptr;
  for (const GateSaturation& s : all)
    if (!worst || s.fraction > worst->fraction) worst = &s;
  const bool above = worst && worst->fraction > rules_.saturation_fraction_above;
  const bool rising = above && !saturated_;
  saturated_ = above;
  if (!rising) return std::nullopt;
  BreakpointHit hit;
  hit.rule = "saturation";
  hit.step = snapshot.step;
  hit.layer = worst->layer;
  hit.direction = worst->direction;
  hit.timestep = worst->worst_timestep;
  hit.tensor = "gate " + worst->gate;
  hit.value = worst->fraction;
  hit.threshold = rules_.saturation_fraction_above;
  hit.message = "breakpoint: " + Num(100 * worst->fraction) + "% of gate " + worst->gate +
                " values in layer " + std::to_string(worst->layer) +
                (worst->direction ? " reverse" : "") + " are saturated (< " +
                Num(rules_.saturation_low) + " or > " + Num(rules_.saturation_high) +
                ") on the probe, most at timestep " + std::to_string(worst->worst_timestep) +
                " (step " + std::to_string(snapshot.step) + ")";
  return hit;
}

}  // namespace rnnscope
