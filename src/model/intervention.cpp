#include "model/intervention.h"

#include <cstdio>

namespace rnnscope {

namespace {

// "attention row t=4 := one-hot src 2" / "uniform" / "weights 0.5 0 0.5".
std::string DescribeAttentionRow(const Intervention& i) {
  std::string out = "attention row t=";
  out += std::to_string(i.step);
  out += " := ";
  if (i.source >= 0) {
    out += "one-hot src ";
    out += std::to_string(i.source);
  } else if (i.weights.empty()) {
    out += "uniform";
  } else {
    out += "weights";
    for (float w : i.weights) {
      char value[32];
      std::snprintf(value, sizeof value, " %.3g", static_cast<double>(w));
      out += value;
    }
  }
  if (i.during_training) out += " (training too)";
  return out;
}

}  // namespace

std::string DescribeIntervention(const Intervention& i, const std::vector<std::string>& gate_names) {
  if (i.target == InterventionTarget::kAttentionRow) return DescribeAttentionRow(i);
  std::string what;
  switch (i.target) {
    case InterventionTarget::kHidden: what = "h"; break;
    case InterventionTarget::kCell: what = "c"; break;
    case InterventionTarget::kAttentionRow: break;  // handled above
    case InterventionTarget::kGate:
      // Appended piecewise: GCC 12 warns (-Wrestrict, a false positive) on "lit" + to_string.
      if (i.gate >= 0 && static_cast<std::size_t>(i.gate) < gate_names.size()) {
        what = gate_names[static_cast<std::size_t>(i.gate)];
      } else {
        what = "#";
        what += std::to_string(i.gate);
      }
      what += " gate";
      break;
  }
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "l" + to_string(…).
  std::string where;
  if (i.layer < 0) where = "all layers";
  else where.append("l").append(std::to_string(i.layer));
  if (i.direction == 1) where += " reverse";
  if (i.unit < 0) where += " all units";
  else where.append(" u").append(std::to_string(i.unit));
  char value[32];
  std::snprintf(value, sizeof value, "%g", static_cast<double>(i.value));
  return what + " [" + where + "] = " + value + (i.during_training ? " (training too)" : "");
}

std::vector<UnitIntervention> ResolveInterventions(const std::vector<Intervention>& all, int layer,
                                                   int direction, bool training) {
  std::vector<UnitIntervention> out;
  for (const Intervention& i : all) {
    if (training && !i.during_training) continue;
    if (i.target == InterventionTarget::kAttentionRow) continue;
    if (i.layer >= 0 && i.layer != layer) continue;
    if (i.direction >= 0 && i.direction != direction) continue;
    out.push_back({i.unit, i.target, i.gate, i.value});
  }
  return out;
}

std::vector<AttentionRowOverride> ResolveAttentionOverrides(const std::vector<Intervention>& all, bool training) {
  std::vector<AttentionRowOverride> out;
  for (const Intervention& i : all) {
    if (i.target != InterventionTarget::kAttentionRow || (training && !i.during_training)) continue;
    out.push_back({i.step, i.source, i.weights});
  }
  return out;
}

}  // namespace rnnscope
