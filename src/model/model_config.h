// Shape of a char-level (or token-level) recurrent model: embedding/one-hot → stacked
// (optionally bidirectional) recurrent layers → linear output over the vocabulary.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "model/cell_kind.h"

namespace rnnscope {

struct ModelConfig {
  CellKind cell = CellKind::kLstm;
  int vocab = 0;        // V: input vocabulary (one-hot input size, embedding rows)
  int classes = 0;      // K: output classes (fc rows); 0 = V, a language model. K != V: a tagger
  int embed = 0;        // E: embedding width; 0 = one-hot input (X = V)
  int hidden = 128;     // H
  int layers = 1;
  bool bidirectional = false;
  bool peephole = false;  // LSTM only: c feeds the i, f (c_{t-1}) and o (c_t) gates

  int Directions() const { return bidirectional ? 2 : 1; }
  int Gates() const { return GateCount(cell); }
  // Width of layer `layer`'s input: E or V for layer 0, D*H above.
  int InputSize(int layer) const;
  int Classes() const { return classes > 0 ? classes : vocab; }
  int OutputSize() const { return Directions() * hidden; }  // width fed to fc
  // Throws ConfigError naming the field and its allowed range (checked before any allocation).
  void Validate() const;
  bool operator==(const ModelConfig&) const = default;
};

// Allowed ranges, shared by the CLI's flag checks and Validate().
inline constexpr int kMaxHidden = 4096;
inline constexpr int kMaxLayers = 8;
inline constexpr int kMaxVocab = 1 << 20;
inline constexpr int kMaxEmbed = 4096;

nlohmann::json ToJson(const ModelConfig& config);
ModelConfig ModelConfigFromJson(const nlohmann::json& j);  // throws InputError

}  // namespace rnnscope
