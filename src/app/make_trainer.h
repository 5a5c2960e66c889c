// The one place that decides which trainer the window talks to.
#pragma once

#include <memory>

#include "app/app_options.h"
#include "train/trainer_link.h"

namespace rnnscope {

// A started TrainerThread (train/trainer_thread.h) for the options: the GUI trains at once; a
// screenshot starts paused and sends exactly --steps steps.
std::unique_ptr<TrainerLink> MakeTrainer(const AppOptions& options);

}  // namespace rnnscope
