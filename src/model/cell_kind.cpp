#include "model/cell_kind.h"

#include "core/error.h"

namespace rnnscope {

int GateCount(CellKind kind) {
  switch (kind) {
    case CellKind::kLstm: return 4;
    case CellKind::kGru: return 3;
    default: return 1;
  }
}

std::vector<std::string> GateNames(CellKind kind) {
  switch (kind) {
    case CellKind::kLstm: return {"i", "f", "g", "o"};
    case CellKind::kGru: return {"r", "z", "n"};
    default: return {"h"};
  }
}

std::string_view CellName(CellKind kind) {
  switch (kind) {
    case CellKind::kRnnTanh: return "rnn_tanh";
    case CellKind::kRnnRelu: return "rnn_relu";
    case CellKind::kJordan: return "jordan";
    case CellKind::kGru: return "gru";
    case CellKind::kLstm: return "lstm";
  }
  return "?";
}

CellKind ParseCellKind(std::string_view name) {
  if (name == "lstm") return CellKind::kLstm;
  if (name == "gru") return CellKind::kGru;
  if (name == "rnn_tanh" || name == "rnn" || name == "elman") return CellKind::kRnnTanh;
  if (name == "rnn_relu") return CellKind::kRnnRelu;
  if (name == "jordan") return CellKind::kJordan;
  throw ConfigError("unknown cell '" + std::string(name) +
                    "' (expected lstm, gru, rnn_tanh, rnn_relu or jordan)");
}

bool HasCellState(CellKind kind) { return kind == CellKind::kLstm; }

}  // namespace rnnscope
