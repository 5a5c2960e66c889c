// TrainSettings ↔ JSON, for checkpoints and `train --config`.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "train/snapshot.h"

namespace rnnscope {

nlohmann::json ToJson(const TrainSettings& settings);
TrainSettings TrainSettingsFromJson(const nlohmann::json& j);  // missing keys keep defaults
// Throws ConfigError naming the setting and its allowed range.
void ValidateSettings(const TrainSettings& settings);

inline constexpr int kMaxBatchSize = 4096;
inline constexpr int kMaxSequenceLength = 4096;

}  // namespace rnnscope
