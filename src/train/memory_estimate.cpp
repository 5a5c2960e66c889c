#include "train/memory_estimate.h"

#include <unistd.h>

#include <cstdio>

namespace rnnscope {

MemoryEstimate EstimateTrainingMemory(const MemoryNeed& n) {
  const double G = n.cell_gates, H = n.hidden, D = n.directions;
  double params = static_cast<double>(n.embed_rows) * n.input;
  for (int l = 0; l < n.layers; ++l) {
    const double in = l == 0 ? n.input : D * H;
    params += D * (G * H * (in + H) + 2 * G * H);
  }
  params += n.extra_layers * (G * H * (H + n.input) + 2 * G * H);
  params += (D * H + 1) * n.vocab;
  MemoryEstimate e;
  constexpr double kFloat = 4;
  e.parameters = params * kFloat;
  e.gradients = e.parameters;
  // Its buffers, plus the spare weights and buffers every out-of-place step writes into
  // (train/optimizer.h: the undo that makes a rollback free of copies).
  e.optimizer = e.parameters * (2 * n.optimizer_copies + 1);
  e.activations = static_cast<double>(n.batch) * n.length * (n.layers * D + n.extra_layers) * (G + 2) * H * kFloat;
  e.logits = static_cast<double>(n.batch) * n.length * n.vocab * kFloat;
  return e;
}

int OptimizerCopies(const std::string& optimizer) {
  if (optimizer == "adam") return 2;
  if (optimizer == "momentum" || optimizer == "adagrad") return 1;
  return 0;
}

uint64_t PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

std::string FormatBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) bytes /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, bytes < 10 && u > 0 ? "%.1f %s" : "%.0f %s", bytes, units[u]);
  return buf;
}

std::string MemoryEstimate::Breakdown() const {
  return "parameters " + FormatBytes(parameters) + ", gradients " + FormatBytes(gradients) + ", optimizer " +
         FormatBytes(optimizer) + ", activations " + FormatBytes(activations) + ", logits " + FormatBytes(logits);
}

}  // namespace rnnscope
