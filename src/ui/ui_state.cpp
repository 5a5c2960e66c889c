#include "ui/ui_state.h"

#include <algorithm>

#include "train/snapshot.h"

namespace rnnscope {

void UiState::Clamp(const Snapshot& snapshot) {
  const int directions = snapshot.config.Directions();
  layer = std::clamp(layer, 0, std::max(0, snapshot.config.layers - 1));
  direction = std::clamp(direction, 0, directions - 1);
  const int steps = static_cast<int>(snapshot.probe_tokens.size());
  cursor_t = std::clamp(cursor_t, 0, std::max(0, steps - 1));
  const int units = snapshot.config.hidden;
  selected_unit = std::clamp(selected_unit, 0, std::max(0, units - 1));
  std::erase_if(pinned_units, [&](int u) { return u < 0 || u >= units; });
}

}  // namespace rnnscope
