// The layer / direction combos shared by the gates and states panels. Both panels edit the same
// UiState fields, so switching the layer in one switches the other.
#pragma once

namespace rnnscope {

struct Snapshot;
struct UiState;
struct LayerTrace;

// Draws "layer" and "direction" combos on one line (disabled when there is only one choice).
void LayerPicker(const Snapshot& snapshot, UiState& state);
// The trace for state.layer / state.direction, or nullptr if the snapshot has none.
const LayerTrace* SelectedTrace(const Snapshot& snapshot, const UiState& state);

}  // namespace rnnscope
