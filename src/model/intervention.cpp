#include "model/intervention.h"

#include <cstdio>

namespace rnnscope {

std::string DescribeIntervention(const Intervention& i, const std::vector<std::string>& gate_names) {
  std::string what;
  switch (i.target) {
    case InterventionTarget::kHidden: what = "h"; break;
    case InterventionTarget::kCell: what = "c"; break;
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
    if (i.layer >= 0 && i.layer != layer) continue;
    if (i.direction >= 0 && i.direction != direction) continue;
    out.push_back({i.unit, i.target, i.gate, i.value});
  }
  return out;
}

}  // namespace rnnscope
