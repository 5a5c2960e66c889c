#include "train/settings_json.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "model/dropout.h"
#include "train/lr_schedule.h"
#include "train/optimizer.h"

namespace rnnscope {

nlohmann::json ToJson(const TrainSettings& s) {
  return {{"optimizer", s.optimizer},  {"learning_rate", s.learning_rate},
          {"momentum", s.momentum},    {"beta2", s.beta2},
          {"weight_decay", s.weight_decay}, {"clip_mode", s.clip_mode},
          {"clip", s.clip},            {"batch", s.batch},
          {"seq_len", s.seq_len},      {"sequential", s.sequential},
          {"temperature", s.temperature}, {"teacher_forcing", s.teacher_forcing},
          {"dropout", s.dropout},
          {"seed", s.seed},
          {"lr_schedule", s.lr_schedule}, {"lr_step", s.lr_step},
          {"lr_gamma", s.lr_gamma},    {"lr_patience", s.lr_patience},
          {"lr_factor", s.lr_factor},  {"lr_warmup", s.lr_warmup},
          {"lr_total", s.lr_total},    {"lr_min", s.lr_min}};
}

TrainSettings TrainSettingsFromJson(const nlohmann::json& j) {
  TrainSettings s;
  s.optimizer = j.value("optimizer", s.optimizer);
  s.learning_rate = j.value("learning_rate", s.learning_rate);
  s.momentum = j.value("momentum", s.momentum);
  s.beta2 = j.value("beta2", s.beta2);
  s.weight_decay = j.value("weight_decay", s.weight_decay);
  s.clip_mode = j.value("clip_mode", s.clip_mode);
  s.clip = j.value("clip", s.clip);
  s.batch = j.value("batch", s.batch);
  s.seq_len = j.value("seq_len", s.seq_len);
  s.sequential = j.value("sequential", s.sequential);
  s.temperature = j.value("temperature", s.temperature);
  s.teacher_forcing = j.value("teacher_forcing", s.teacher_forcing);
  s.dropout = j.value("dropout", s.dropout);
  s.seed = j.value("seed", s.seed);
  // Written before schedules existed: absent fields keep their defaults (constant).
  s.lr_schedule = j.value("lr_schedule", s.lr_schedule);
  s.lr_step = j.value("lr_step", s.lr_step);
  s.lr_gamma = j.value("lr_gamma", s.lr_gamma);
  s.lr_patience = j.value("lr_patience", s.lr_patience);
  s.lr_factor = j.value("lr_factor", s.lr_factor);
  s.lr_warmup = j.value("lr_warmup", s.lr_warmup);
  s.lr_total = j.value("lr_total", s.lr_total);
  s.lr_min = j.value("lr_min", s.lr_min);
  return s;
}

void ValidateSettings(const TrainSettings& s) {
  Validate(OptimizerSettingsFrom(s));
  if (s.clip_mode != "none" && s.clip_mode != "value" && s.clip_mode != "norm")
    throw ConfigError("clip mode '" + s.clip_mode + "' is not one of none, value, norm");
  if (!(s.clip > 0) || !std::isfinite(s.clip)) throw ConfigError("clip must be > 0");
  if (s.batch < 1 || s.batch > kMaxBatchSize)
    throw ConfigError("batch = " + std::to_string(s.batch) + " is out of range [1, " +
                      std::to_string(kMaxBatchSize) + "]");
  if (s.seq_len < 1 || s.seq_len > kMaxSequenceLength)
    throw ConfigError("seq-len = " + std::to_string(s.seq_len) + " is out of range [1, " +
                      std::to_string(kMaxSequenceLength) + "]");
  if (!(s.temperature > 0) || !std::isfinite(s.temperature))
    throw ConfigError("temperature must be > 0");
  if (!(s.teacher_forcing >= 0 && s.teacher_forcing <= 1))
    throw ConfigError("teacher forcing ratio must be in [0, 1]");
  DropoutRates::All(s.dropout).Validate();
  ValidateSchedule(s);
}

}  // namespace rnnscope
