#include "train/settings_edit.h"

namespace rnnscope {

TrainSettings ApplySettingsEdit(const TrainSettings& run, const TrainSettings& shown, const TrainSettings& edited) {
  TrainSettings out = run;
  // One line per TrainSettings field: a field added there must be added here too.
  auto take = [](auto& field, const auto& before, const auto& after) {
    if (!(before == after)) field = after;
  };
  take(out.optimizer, shown.optimizer, edited.optimizer);
  take(out.learning_rate, shown.learning_rate, edited.learning_rate);
  take(out.momentum, shown.momentum, edited.momentum);
  take(out.beta2, shown.beta2, edited.beta2);
  take(out.weight_decay, shown.weight_decay, edited.weight_decay);
  take(out.clip_mode, shown.clip_mode, edited.clip_mode);
  take(out.clip, shown.clip, edited.clip);
  take(out.batch, shown.batch, edited.batch);
  take(out.seq_len, shown.seq_len, edited.seq_len);
  take(out.sequential, shown.sequential, edited.sequential);
  take(out.temperature, shown.temperature, edited.temperature);
  take(out.teacher_forcing, shown.teacher_forcing, edited.teacher_forcing);
  take(out.dropout, shown.dropout, edited.dropout);
  take(out.seed, shown.seed, edited.seed);
  take(out.lr_schedule, shown.lr_schedule, edited.lr_schedule);
  take(out.lr_step, shown.lr_step, edited.lr_step);
  take(out.lr_gamma, shown.lr_gamma, edited.lr_gamma);
  take(out.lr_patience, shown.lr_patience, edited.lr_patience);
  take(out.lr_factor, shown.lr_factor, edited.lr_factor);
  take(out.lr_warmup, shown.lr_warmup, edited.lr_warmup);
  take(out.lr_total, shown.lr_total, edited.lr_total);
  take(out.lr_min, shown.lr_min, edited.lr_min);
  return out;
}

int SendSettingsEdit(const std::vector<TrainerLink*>& runs, const std::vector<const TrainSettings*>& current,
                     const TrainSettings& shown, const TrainSettings& edited, SettingsScope scope, int selected) {
  int sent = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i] == nullptr) continue;
    if (scope == SettingsScope::kOneRun && static_cast<int>(i) != selected) continue;
    const TrainSettings* own = i < current.size() ? current[i] : nullptr;
    runs[i]->Send(SetSettingsCommand{own ? ApplySettingsEdit(*own, shown, edited) : edited});
    ++sent;
  }
  return sent;
}

}  // namespace rnnscope
