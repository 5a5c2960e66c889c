// RunningModel::Line (train/snapshot.h): the one-line description of what runs, shared by the
// `model:` line of gui/screenshot/train and the window's status line.
#include <string>

#include "train/snapshot.h"

namespace rnnscope {

namespace {
std::string Cell(CellKind cell, int hidden, bool peephole) {
  std::string s = std::string(CellName(cell)) + " H=" + std::to_string(hidden);
  if (peephole) s += " peephole";
  return s;
}
}  // namespace

RunningModel RunningModel::Of(const std::string& task, const std::string& structure, const ModelConfig& c) {
  RunningModel r;
  r.task = task;
  r.structure = structure;
  r.cell = c.cell;
  r.hidden = c.hidden;
  r.layers = c.layers;
  r.embed = c.embed;
  r.bidirectional = c.bidirectional;
  r.peephole = c.peephole;
  r.vocab = c.vocab;
  r.outputs = c.vocab;
  return r;
}

std::string RunningModel::Line() const {
  std::string s = task + (structure.empty() ? "" : " (" + structure + ")") + ": ";
  const std::string layer_count = layers > 1 ? " ×" + std::to_string(layers) + " layers" : "";
  if (seq2seq) {
    s += "encoder " + Cell(cell, hidden, peephole) + layer_count + (bidirectional ? " bidirectional" : "") +
         ", decoder " + Cell(decoder_cell, decoder_hidden, false) + ", " +
         (attention.empty() || attention == "none" ? std::string("no attention") : attention + " attention");
  } else {
    s += Cell(cell, hidden, peephole) + layer_count + (bidirectional ? " bidirectional" : "");
  }
  s += embed > 0 ? ", embed " + std::to_string(embed) : std::string(", one-hot input");
  if (vocab > 0) s += ", vocab " + std::to_string(vocab) + (outputs > 0 && outputs != vocab ? "→" + std::to_string(outputs) : "");
  if (!readout.empty()) s += ", readout " + readout;
  if (!condition.empty()) s += ", condition " + condition;
  s += ", data " + (data_path.empty() ? std::string("built in") : data_path);
  if (!imported_from.empty()) s += ", weights from " + imported_from;
  return s;
}

}  // namespace rnnscope
