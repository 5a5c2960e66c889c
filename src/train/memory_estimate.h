// What a training run will allocate, estimated from its sizes before anything is built, so a
// flag combination beyond the machine's memory is refused with the numbers instead of dying in
// the allocator (or the OOM killer) minutes later.
#pragma once

#include <cstdint>
#include <string>

namespace rnnscope {

struct MemoryNeed {
  int cell_gates = 4;     // G: 4 LSTM, 3 GRU, 1 RNN/Jordan
  int hidden = 128;       // H
  int layers = 1;         // L (seq2seq: encoder layers; the decoder counts as one more)
  int directions = 1;     // D
  int input = 0;          // layer 0's input width: E, or V for one-hot
  int embed_rows = 0;     // V rows of an embedding table (0 = none)
  int vocab = 256;        // output classes V
  int extra_layers = 0;   // seq2seq: the decoder's one layer
  int optimizer_copies = 2;  // buffers per parameter: adam 2, momentum/adagrad 1, sgd 0
  int batch = 32;         // B
  int length = 64;        // T: timesteps per batch
};

struct MemoryEstimate {
  double parameters = 0, gradients = 0, optimizer = 0, activations = 0, logits = 0;  // bytes
  double Total() const { return parameters + gradients + optimizer + activations + logits; }
  // "parameters 1.2 MiB, gradients 1.2 MiB, optimizer 2.4 MiB, activations 8 GiB, logits 3 GiB"
  std::string Breakdown() const;
};

// Floats (4 bytes): parameters (embedding, every layer and direction's W_ih, W_hh and two bias
// vectors, the output layer), as many gradients, `optimizer_copies` more, per-timestep caches of
// B × T × L × D × (G + 2) × H (the gates, h and c), and B × T × V logits.
MemoryEstimate EstimateTrainingMemory(const MemoryNeed& need);
int OptimizerCopies(const std::string& optimizer);
// sysconf(_SC_PHYS_PAGES) × sysconf(_SC_PAGE_SIZE); 0 when unknown.
uint64_t PhysicalMemoryBytes();
std::string FormatBytes(double bytes);  // "1.2 TiB", "24 GiB", "512 B"

}  // namespace rnnscope
