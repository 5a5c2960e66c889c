// The one place that decides which trainer the window talks to.
#pragma once

#include <memory>

#include "app/app_options.h"
#include "train/trainer_link.h"

namespace rnnscope {

// Today: the synthetic DemoTrainer. When TrainerThread lands, construct it here instead.
std::unique_ptr<TrainerLink> MakeTrainer(const AppOptions& options);

}  // namespace rnnscope
