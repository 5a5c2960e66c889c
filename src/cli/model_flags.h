// The model/task/optimiser flags shared by train, screenshot and bench.
#pragma once

#include "train/job_factory.h"

namespace CLI {
class App;
}

namespace rnnscope {

// Adds --task, --text, --weights, --vocab, --cell, --hidden, --layers, --embed,
// --bidirectional, --peephole, --optimizer, --lr, --momentum, --clip-mode, --clip, --batch,
// --seq-len, --random-batches, --seed, --temperature; values land in `spec`. Ranges are checked at parse time.
void AddModelFlags(CLI::App& cmd, JobSpec& spec);

}  // namespace rnnscope
