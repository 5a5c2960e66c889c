#include "app/make_trainer.h"

#include "app/demo_trainer.h"

namespace rnnscope {

std::unique_ptr<TrainerLink> MakeTrainer(const AppOptions& options) {
  // Swap point for the real trainer (src/train/trainer_thread.h), e.g.
  //   return std::make_unique<TrainerThread>(options.task, config, settings);
  return std::make_unique<DemoTrainer>(options);
}

}  // namespace rnnscope
