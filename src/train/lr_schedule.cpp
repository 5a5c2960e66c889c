#include "train/lr_schedule.h"
#include "train/lr_schedule_cadence.h"

#include <cmath>
#include <cstdio>
#include <numbers>

#include "core/error.h"

namespace rnnscope {

namespace {

std::string Format(float v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", static_cast<double>(v));
  return text;
}

bool Positive(float v) { return v > 0.0f && std::isfinite(v); }

}  // namespace

bool ScheduleActive(const TrainSettings& s) { return s.lr_schedule != "constant"; }

bool PlateauState::Observe(float val_loss, const TrainSettings& s) {
  if (val_loss < best) {  // false for NaN: a NaN evaluation is not an improvement
    best = val_loss;
    bad_evaluations = 0;
    return false;
  }
  // Other schedules keep the best value (so switching to plateau mid-run compares with the
  // run's real best) but count nothing against it.
  if (s.lr_schedule != "plateau") {
    bad_evaluations = 0;
    return false;
  }
  if (++bad_evaluations <= s.lr_patience) return false;
  bad_evaluations = 0;
  ++reductions;
  return true;
}

bool PlateauDecidesAfter(const TrainSettings& s, int64_t step) {
  return s.lr_schedule == "plateau" && s.lr_step > 0 && step > 0 && step % s.lr_step == 0;
}

float LearningRateAt(const TrainSettings& s, int64_t step, const PlateauState& plateau) {
  const double base = s.learning_rate;
  if (s.lr_schedule == "step") {
    const int64_t drops = s.lr_step > 0 ? step / s.lr_step : 0;
    return static_cast<float>(base * std::pow(static_cast<double>(s.lr_gamma), static_cast<double>(drops)));
  }
  if (s.lr_schedule == "plateau") {
    const double lr = base / std::pow(static_cast<double>(s.lr_factor), plateau.reductions);
    return static_cast<float>(std::max(lr, static_cast<double>(s.lr_min)));
  }
  if (s.lr_schedule == "cosine") {
    const int64_t warmup = s.lr_warmup;
    if (step < warmup) return static_cast<float>(base * static_cast<double>(step + 1) / static_cast<double>(warmup));
    const double span = static_cast<double>(s.lr_total - warmup);
    const double progress = span > 0 ? std::min(1.0, static_cast<double>(step - warmup) / span) : 1.0;
    const double min = s.lr_min;
    return static_cast<float>(min + (base - min) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
  }
  return s.learning_rate;
}

std::string ScheduleMarker(const TrainSettings& s, int64_t step, float before, float after, bool plateau_reduced) {
  const std::string change = "lr " + Format(before) + " → " + Format(after);
  if (s.lr_schedule == "plateau" && plateau_reduced)
    return before == after ? "lr " + Format(after) + " (plateau, at lr-min)" : change + " (plateau)";
  if (s.lr_schedule == "step" && s.lr_step > 0 && step > 0 && step % s.lr_step == 0 && before != after)
    return change + " (step)";
  if (s.lr_schedule == "cosine" && s.lr_warmup > 0 && step == s.lr_warmup)
    return "lr " + Format(after) + " warm-up done (cosine)";
  return {};
}

std::string ScheduleLabel(const TrainSettings& s) {
  if (s.lr_schedule == "step") return "step \u00d7" + Format(s.lr_gamma) + " every " + std::to_string(s.lr_step);
  if (s.lr_schedule == "plateau")
    return "plateau \u00f7" + Format(s.lr_factor) + " patience " + std::to_string(s.lr_patience) + " min " +
           Format(s.lr_min);
  if (s.lr_schedule == "cosine")
    return "cosine warm-up " + std::to_string(s.lr_warmup) + " to " + std::to_string(s.lr_total) + " min " +
           Format(s.lr_min);
  return s.lr_schedule;
}

void ValidateSchedule(const TrainSettings& s) {
  const std::string& k = s.lr_schedule;
  if (k != "constant" && k != "step" && k != "plateau" && k != "cosine")
    throw ConfigError("lr schedule '" + k + "' is not one of constant, step, plateau, cosine");
  if (!(s.lr_min >= 0.0f) || !std::isfinite(s.lr_min))
    throw ConfigError("lr-min must be a finite number >= 0, got " + Format(s.lr_min));
  if (k == "step") {
    if (s.lr_step < 1) throw ConfigError("lr-step must be >= 1 (steps between decays), got " + std::to_string(s.lr_step));
    if (!Positive(s.lr_gamma) || s.lr_gamma > 1.0f)
      throw ConfigError("lr-gamma must be in (0, 1] (the factor applied every lr-step steps), got " + Format(s.lr_gamma));
  }
  if (k == "plateau") {
    if (s.lr_step < 1)
      throw ConfigError("lr-step must be >= 1 (the plateau schedule validates every lr-step steps), got " +
                        std::to_string(s.lr_step));
    if (s.lr_patience < 0)
      throw ConfigError("lr-patience must be >= 0 (evaluations without improvement), got " + std::to_string(s.lr_patience));
    if (!(s.lr_factor > 1.0f) || !std::isfinite(s.lr_factor))
      throw ConfigError("lr-factor must be > 1 (the rate is divided by it), got " + Format(s.lr_factor));
  }
  if (k == "cosine") {
    if (s.lr_warmup < 0) throw ConfigError("lr-warmup must be >= 0 steps, got " + std::to_string(s.lr_warmup));
    if (s.lr_total <= s.lr_warmup)
      throw ConfigError("lr-total (" + std::to_string(s.lr_total) + ") must be greater than lr-warmup (" +
                        std::to_string(s.lr_warmup) + "): the cosine runs from the end of warm-up to lr-total");
  }
  if ((k == "plateau" || k == "cosine") && !(s.lr_min > 0.0f))
    throw ConfigError("lr-min must be > 0 for the " + k + " schedule (its lowest rate; 0 would stop training), got " +
                      Format(s.lr_min));
  if ((k == "plateau" || k == "cosine") && s.lr_min >= s.learning_rate)
    throw ConfigError("lr-min (" + Format(s.lr_min) + ") must be below the learning rate (" +
                      Format(s.learning_rate) + ")");
}

}  // namespace rnnscope
