// Levenshtein distance and the closest name, for "did you mean" (commands, tasks).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace rnnscope {

std::size_t EditDistance(const std::string& a, const std::string& b);
// The name within `max_edits` edits of `given` with the fewest edits (the first on a tie), or
// "" when none is that close.
std::string ClosestName(const std::string& given, const std::vector<std::string>& names, std::size_t max_edits = 2);

}  // namespace rnnscope
