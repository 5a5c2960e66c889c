// Contents: CSV text · per-view tables · TraceFromSnapshot
#include "train/snapshot_export.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"

namespace rnnscope {
namespace {

const LayerTrace* FindTrace(const Snapshot& snapshot, int layer, int direction) {
  for (const LayerTrace& trace : snapshot.layers) {
    if (trace.layer == layer && trace.direction == direction) return &trace;
  }
  return nullptr;
}

std::string Token(const Snapshot& snapshot, Eigen::Index t) {
  const auto i = static_cast<std::size_t>(t);
  return i < snapshot.probe_tokens.size() ? snapshot.probe_tokens[i] : std::string();
}

// "l0", "l1_reverse": the suffix trace_format.md uses, so CSV columns and safetensors names match.
std::string TraceTag(const LayerTrace& trace) {
  return "l" + std::to_string(trace.layer) + (trace.direction == 1 ? "_reverse" : "");
}

bool NeedsQuotes(const std::string& cell) {
  return cell.find_first_of(",\"\r\n") != std::string::npos;
}

// Row-major [1, T, H] values of an (H, T) matrix.
std::vector<float> BatchTimeUnit(const MatF& m) {
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(m.size()));
  for (Eigen::Index t = 0; t < m.cols(); ++t) {
    for (Eigen::Index u = 0; u < m.rows(); ++u) out.push_back(m(u, t));
  }
  return out;
}

}  // namespace

std::string CsvNumber(double value) {
  if (std::isnan(value)) return "nan";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

std::string ToCsv(const CsvTable& table) {
  std::string out;
  auto line = [&out](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      if (!NeedsQuotes(cells[i])) {
        out += cells[i];
        continue;
      }
      out += '"';
      for (char ch : cells[i]) {
        if (ch == '"') out += '"';
        out += ch;
      }
      out += '"';
    }
    out += '\n';
  };
  line(table.header);
  for (const auto& row : table.rows) line(row);
  return out;
}

void WriteCsv(const std::filesystem::path& path, const CsvTable& table) {
  AtomicFileWriter writer(path);
  writer.Write(ToCsv(table));
  writer.Commit();
}

CsvTable GatesCsv(const Snapshot& snapshot, int layer, int direction) {
  CsvTable table;
  table.header = {"timestep", "token", "unit"};
  const LayerTrace* trace = FindTrace(snapshot, layer, direction);
  if (trace == nullptr || trace->gates.empty()) return table;
  for (std::size_t g = 0; g < trace->gates.size(); ++g) {
    table.header.push_back(g < trace->gate_names.size() ? trace->gate_names[g] : "gate" + std::to_string(g));
  }
  const MatF& first = trace->gates.front();
  for (Eigen::Index t = 0; t < first.cols(); ++t) {
    for (Eigen::Index u = 0; u < first.rows(); ++u) {
      std::vector<std::string> row = {std::to_string(t), Token(snapshot, t), std::to_string(u)};
      for (const MatF& gate : trace->gates) row.push_back(CsvNumber(gate(u, t)));
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

CsvTable StatesCsv(const Snapshot& snapshot, int layer, int direction) {
  CsvTable table;
  table.header = {"timestep", "token", "unit"};
  const LayerTrace* trace = FindTrace(snapshot, layer, direction);
  if (trace == nullptr) return table;
  const bool has_cell = trace->cell.size() > 0;
  if (has_cell) table.header.push_back("c");
  table.header.push_back("h");
  for (Eigen::Index t = 0; t < trace->hidden.cols(); ++t) {
    for (Eigen::Index u = 0; u < trace->hidden.rows(); ++u) {
      std::vector<std::string> row = {std::to_string(t), Token(snapshot, t), std::to_string(u)};
      if (has_cell) row.push_back(CsvNumber(trace->cell(u, t)));
      row.push_back(CsvNumber(trace->hidden(u, t)));
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

CsvTable GradientFlowCsv(const Snapshot& snapshot) {
  CsvTable table;
  table.header = {"timestep", "token"};
  std::vector<const std::vector<float>*> columns;
  std::size_t steps = 0;
  for (const LayerTrace& trace : snapshot.layers) {
    table.header.push_back("grad_h_norm." + TraceTag(trace));
    columns.push_back(&trace.grad_h_norm);
    if (!trace.grad_c_norm.empty()) {
      table.header.push_back("grad_c_norm." + TraceTag(trace));
      columns.push_back(&trace.grad_c_norm);
    }
    steps = std::max(steps, trace.grad_h_norm.size());
  }
  for (std::size_t t = 0; t < steps; ++t) {
    std::vector<std::string> row = {std::to_string(t), Token(snapshot, static_cast<Eigen::Index>(t))};
    // A shorter column (a seq2seq decoder's trace) leaves its cells empty past its end.
    for (const auto* column : columns) row.push_back(t < column->size() ? CsvNumber((*column)[t]) : std::string());
    table.rows.push_back(std::move(row));
  }
  return table;
}

CsvTable LossCsv(const Snapshot& snapshot) {
  CsvTable table;
  table.header = {"branch", "step", "train_loss", "val_loss", "grad_norm", "clipped"};
  auto add = [&table](int branch, const std::vector<LossPoint>& points) {
    for (const LossPoint& p : points) {
      table.rows.push_back({std::to_string(branch), std::to_string(p.step), CsvNumber(p.train_loss),
                            std::isfinite(p.val_loss) ? CsvNumber(p.val_loss) : std::string(),
                            CsvNumber(p.grad_norm), p.clipped ? "1" : "0"});
    }
  };
  add(snapshot.active_branch, snapshot.history);
  for (const BranchHistory& branch : snapshot.branches) add(branch.id, branch.history);
  return table;
}

CsvTable AttentionCsv(const Snapshot& snapshot, int index) {
  CsvTable table;
  table.header = {"output_step", "output_token", "source_step", "source_token", "weight"};
  if (index < 0 || index >= static_cast<int>(snapshot.attention.size())) return table;
  const AttentionTrace& a = snapshot.attention[static_cast<std::size_t>(index)];
  auto name = [](const std::vector<std::string>& tokens, Eigen::Index i) {
    return static_cast<std::size_t>(i) < tokens.size() ? tokens[static_cast<std::size_t>(i)] : std::string();
  };
  for (Eigen::Index o = 0; o < a.weights.rows(); ++o) {
    for (Eigen::Index s = 0; s < a.weights.cols(); ++s) {
      table.rows.push_back({std::to_string(o), name(a.output_tokens, o), std::to_string(s),
                            name(a.source_tokens, s), CsvNumber(a.weights(o, s))});
    }
  }
  return table;
}

CsvTable ProbeCsv(const Snapshot& snapshot) {
  CsvTable table;
  table.header = {"timestep", "token", "target", "vocab_id", "vocab_token", "prob"};
  const MatF& p = snapshot.probe_probs;
  for (Eigen::Index t = 0; t < p.cols(); ++t) {
    const auto ti = static_cast<std::size_t>(t);
    const std::string target = ti < snapshot.probe_targets.size() ? snapshot.probe_targets[ti] : std::string();
    for (Eigen::Index v = 0; v < p.rows(); ++v) {
      const auto vi = static_cast<std::size_t>(v);
      table.rows.push_back({std::to_string(t), Token(snapshot, t), target, std::to_string(v),
                            vi < snapshot.vocab.size() ? snapshot.vocab[vi] : std::string(), CsvNumber(p(v, t))});
    }
  }
  return table;
}

CsvTable CellFinderCsv(const Snapshot& snapshot) {
  CsvTable table;
  table.header = {"signal", "rank", "layer", "direction", "unit", "state", "correlation"};
  for (const CellFinderSignal& signal : snapshot.cell_finder.signals) {
    for (std::size_t rank = 0; rank < signal.top.size(); ++rank) {
      const UnitCorrelation& c = signal.top[rank];
      table.rows.push_back({signal.name, std::to_string(rank + 1), std::to_string(c.unit.layer),
                            std::to_string(c.unit.direction), std::to_string(c.unit.unit), c.unit.cell ? "c" : "h",
                            CsvNumber(c.correlation)});
    }
  }
  return table;
}

CsvTable WeightCsv(const Snapshot& snapshot, const std::string& name) {
  CsvTable table;
  table.header = {"row", "col", "value"};
  for (const WeightView& w : snapshot.weights) {
    if (w.name != name) continue;
    const bool grad = w.grad.rows() == w.value.rows() && w.grad.cols() == w.value.cols();
    if (grad) table.header.push_back("grad");
    for (Eigen::Index r = 0; r < w.value.rows(); ++r) {
      for (Eigen::Index c = 0; c < w.value.cols(); ++c) {
        std::vector<std::string> row = {std::to_string(r), std::to_string(c), CsvNumber(w.value(r, c))};
        if (grad) row.push_back(CsvNumber(w.grad(r, c)));
        table.rows.push_back(std::move(row));
      }
    }
  }
  return table;
}

TensorFile TraceFromSnapshot(const Snapshot& snapshot) {
  TensorFile file;
  for (const LayerTrace& trace : snapshot.layers) {
    const std::string prefix = "trace." + TraceTag(trace);
    const auto h = static_cast<int64_t>(trace.hidden.rows()), t = static_cast<int64_t>(trace.hidden.cols());
    for (std::size_t g = 0; g < trace.gates.size() && g < trace.gate_names.size(); ++g) {
      const MatF& gate = trace.gates[g];
      file.SetTensor<float>(prefix + ".gates." + trace.gate_names[g], {1, gate.cols(), gate.rows()}, BatchTimeUnit(gate));
    }
    if (trace.hidden.size() > 0) file.SetTensor<float>(prefix + ".h", {1, t, h}, BatchTimeUnit(trace.hidden));
    if (trace.cell.size() > 0) file.SetTensor<float>(prefix + ".c", {1, t, h}, BatchTimeUnit(trace.cell));
    if (!trace.grad_h_norm.empty()) {
      file.SetTensor<float>(prefix + ".grad_h_norm", {static_cast<int64_t>(trace.grad_h_norm.size())}, trace.grad_h_norm);
    }
    if (!trace.grad_c_norm.empty()) {
      file.SetTensor<float>(prefix + ".grad_c_norm", {static_cast<int64_t>(trace.grad_c_norm.size())}, trace.grad_c_norm);
    }
  }
  if (snapshot.probe_probs.size() > 0) {
    file.SetTensor<float>("probs", {1, snapshot.probe_probs.cols(), snapshot.probe_probs.rows()},
                          BatchTimeUnit(snapshot.probe_probs));
  }
  // Ids only when every token maps back (a probe with tokens outside the vocabulary would get
  // ids that do not say what the model read). With them the file is also a batch for
  // `rnnscope trace --batch` (or PyTorch): the exported model on it reproduces this trace.
  auto to_ids = [&snapshot](const std::vector<std::string>& tokens, bool allow_empty) {
    std::vector<int64_t> ids;
    for (const std::string& token : tokens) {
      if (allow_empty && token.empty()) {
        ids.push_back(-100);  // no target: PyTorch's ignore_index
        continue;
      }
      const auto it = std::find(snapshot.vocab.begin(), snapshot.vocab.end(), token);
      if (it == snapshot.vocab.end()) return std::vector<int64_t>{};
      ids.push_back(it - snapshot.vocab.begin());
    }
    return ids;
  };
  const std::vector<int64_t> inputs = to_ids(snapshot.probe_tokens, false);
  if (!inputs.empty()) {
    file.SetInt64("input_ids", {1, static_cast<int64_t>(inputs.size())}, inputs);
    const std::vector<int64_t> targets = to_ids(snapshot.probe_targets, true);
    if (targets.size() == inputs.size()) file.SetInt64("target_ids", {1, static_cast<int64_t>(targets.size())}, targets);
  }
  if (std::isfinite(snapshot.probe_loss) && !snapshot.probe_targets.empty()) {
    file.SetTensor<float>("loss", {}, {snapshot.probe_loss});
  }
  file.metadata["format"] = "rnnscope trace 1";
  file.metadata["source"] = "snapshot";
  file.metadata["cell"] = std::string(CellName(snapshot.config.cell));
  file.metadata["config"] = ToJson(snapshot.config).dump();
  file.metadata["step"] = std::to_string(snapshot.step);
  file.metadata["task"] = snapshot.task;
  return file;
}

}  // namespace rnnscope
