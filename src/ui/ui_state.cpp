#include "ui/ui_state.h"

#include <algorithm>

#include "train/snapshot.h"

namespace rnnscope {

void UiState::Clamp(const Snapshot& snapshot) {
  // The traces decide which layers exist: a seq2seq snapshot's config describes only the
  // decoder, while its traces hold the (maybe bidirectional) encoder layers and the decoder.
  int layers = snapshot.config.layers, directions = snapshot.config.Directions();
  for (const LayerTrace& trace : snapshot.layers) {
    layers = std::max(layers, trace.layer + 1);
    directions = std::max(directions, trace.direction + 1);
  }
  layer = std::clamp(layer, 0, std::max(0, layers - 1));
  direction = std::clamp(direction, 0, directions - 1);
  // A layer without this direction (the seq2seq decoder has no reverse): fall back to forward.
  const bool exists = std::any_of(snapshot.layers.begin(), snapshot.layers.end(),
                                  [&](const LayerTrace& t) { return t.layer == layer && t.direction == direction; });
  if (!exists) direction = 0;
  const int steps = static_cast<int>(snapshot.probe_tokens.size());
  cursor_t = std::clamp(cursor_t, 0, std::max(0, steps - 1));
  const int units = snapshot.config.hidden;
  selected_unit = std::clamp(selected_unit, 0, std::max(0, units - 1));
  std::erase_if(pinned_units, [&](int u) { return u < 0 || u >= units; });
}

}  // namespace rnnscope
