// The recurrent cells rnnscope knows. Names match PyTorch's `mode` strings where PyTorch has
// the cell (rnn_tanh, rnn_relu, gru, lstm).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rnnscope {

enum class CellKind { kRnnTanh, kRnnRelu, kJordan, kGru, kLstm };

// Number of gate blocks stacked in weight_ih / weight_hh: LSTM i,f,g,o; GRU r,z,n; RNN 1.
int GateCount(CellKind kind);
// Gate names in PyTorch's stacking order, e.g. {"i","f","g","o"}; {"h"} for plain RNNs.
std::vector<std::string> GateNames(CellKind kind);
std::string_view CellName(CellKind kind);
// Parses "lstm", "gru", "rnn_tanh" (alias "rnn", "elman"), "rnn_relu", "jordan"; throws ConfigError.
CellKind ParseCellKind(std::string_view name);
bool HasCellState(CellKind kind);  // LSTM only

}  // namespace rnnscope
