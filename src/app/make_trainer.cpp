#include "app/make_trainer.h"

#include "train/trainer_thread.h"

namespace rnnscope {

std::unique_ptr<TrainerLink> MakeTrainer(const AppOptions& options) {
  TrainerOptions t;
  t.spec = options.spec;
  if (options.learning_rate > 0.0f) t.spec.settings.learning_rate = options.learning_rate;
  // Screenshots train exactly --steps steps (the app sends them) and then hold still.
  t.start_paused = options.screenshot;
  // A PyTorch model without a text to train on was opened to look inside: training it on the
  // built-in corpus would only blur what it learned (File ▸ Open does the same).
  if (!t.spec.weights_path.empty() && t.spec.text_path.empty()) t.start_paused = true;
  t.checkpoint = options.checkpoint;
  t.opened_file = options.opened_file;
  t.background_priority = true;  // frames first: the window must stay smooth while training
  auto trainer = std::make_unique<TrainerThread>(std::move(t));
  trainer->Start();
  return trainer;
}

}  // namespace rnnscope
