#include "core/edit_distance.h"

#include <algorithm>

namespace rnnscope {

std::size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string ClosestName(const std::string& given, const std::vector<std::string>& names, std::size_t max_edits) {
  std::string closest;
  std::size_t best = max_edits + 1;
  for (const std::string& name : names) {
    const std::size_t d = EditDistance(given, name);
    if (d < best) best = d, closest = name;
  }
  return closest;
}

}  // namespace rnnscope
