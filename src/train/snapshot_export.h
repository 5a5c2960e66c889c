// The numbers behind every view, for export: CSV tables built from a Snapshot (one per kind of
// panel; the UI's "Save CSV…" and `rnnscope screenshot --export-csv` write them) and the whole
// probe trace as safetensors under the names of `rnnscope trace` (docs/trace_format.md) with
// batch 1. Core code (no GL, no ImGui): the panels call these, and tests check them headlessly.
//
// CSV layout: one header row naming every column, then long-format rows (one per timestep and
// unit, say), so a file loads straight into pandas/R/a spreadsheet without reshaping. Floats are
// written with 9 significant digits: a float read back is bit-identical.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "train/snapshot.h"

namespace rnnscope {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each row has header.size() cells
};

// RFC 4180: cells with a comma, quote or line break are quoted, quotes doubled; "\n" line ends.
std::string ToCsv(const CsvTable& table);
// Written atomically (io/atomic_file.h); throws Error naming the path.
void WriteCsv(const std::filesystem::path& path, const CsvTable& table);
std::string CsvNumber(double value);  // "%.9g"; NaN as "nan", as Python's float() reads it

// The trace of `layer`/`direction` (nullptr-safe: no such trace gives a header-only table).
// Gates: timestep,token,unit,<gate names…>   (post-activation, e.g. i,f,g,o)
CsvTable GatesCsv(const Snapshot& snapshot, int layer, int direction);
// States: timestep,token,unit,[c,]h
CsvTable StatesCsv(const Snapshot& snapshot, int layer, int direction);
// Gradient flow per probe timestep: timestep,token,grad_h_norm.l0[,grad_c_norm.l0][,…l0_reverse…]
CsvTable GradientFlowCsv(const Snapshot& snapshot);
// Loss curves: branch,step,train_loss,val_loss,grad_norm,clipped — the active line first
// (branch = its id), then every abandoned branch of time travel.
CsvTable LossCsv(const Snapshot& snapshot);
// Attention of example `index`: output_step,output_token,source_step,source_token,weight
CsvTable AttentionCsv(const Snapshot& snapshot, int index);
// Output distribution on the probe: timestep,token,target,vocab_id,vocab_token,prob
CsvTable ProbeCsv(const Snapshot& snapshot);
// The cell finder's ranking: signal,rank,layer,direction,unit,state,correlation (state h or c)
CsvTable CellFinderCsv(const Snapshot& snapshot);
// One weight matrix (Snapshot::weights, by name): row,col,value[,grad]
CsvTable WeightCsv(const Snapshot& snapshot, const std::string& name);

// The probe's trace as `rnnscope trace` names it, with B = 1: trace.l{k}[_reverse].gates.{g},
// .h, .c [1, T, H]; .grad_h_norm, .grad_c_norm [T]; input_ids and target_ids [1, T] (when every probe
// token is in the vocabulary; -100 where there is no target), so the file is also a `--batch`
// for `rnnscope trace`; probs [1, T, V] (the softmax of `logits`, which the snapshot keeps instead
// of logits); loss []. Metadata: format "rnnscope trace 1", source "snapshot", cell, config,
// step, task.
TensorFile TraceFromSnapshot(const Snapshot& snapshot);

}  // namespace rnnscope
