#include "app/make_trainer.h"

#include "model/cell_kind.h"
#include "train/trainer_thread.h"

namespace rnnscope {

std::unique_ptr<TrainerLink> MakeTrainer(const AppOptions& options) {
  TrainerOptions t;
  t.spec.task = options.task;
  t.spec.model.cell = ParseCellKind(options.cell);
  t.spec.model.hidden = options.hidden;
  t.spec.model.layers = options.layers;
  t.spec.model.bidirectional = options.bidirectional;
  t.spec.settings.seed = options.seed;
  if (options.learning_rate > 0.0f) t.spec.settings.learning_rate = options.learning_rate;
  t.spec.weights_path = options.weights;
  t.spec.vocab_path = options.vocab;
  t.spec.model_from_user = options.model_from_user;
  // Screenshots train exactly --steps steps (the app sends them) and then hold still.
  t.start_paused = options.screenshot;
  t.background_priority = true;  // frames first: the window must stay smooth while training
  auto trainer = std::make_unique<TrainerThread>(std::move(t));
  trainer->Start();
  return trainer;
}

}  // namespace rnnscope
