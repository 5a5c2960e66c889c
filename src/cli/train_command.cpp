// `rnnscope train`: the headless trainer. Drives the same Job the window uses, printing a live
// progress line (step, loss, perplexity, tokens/s, ETA) and saving checkpoints atomically.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>

#include <Eigen/Core>

#include "cli/commands.h"
#include "cli/model_flags.h"
#include "core/error.h"
#include "train/best_validation.h"
#include "train/job_factory.h"
#include "train/lr_schedule.h"
#include "train/lr_schedule_cadence.h"
#include "train/settings_json.h"
#include "train/task_registry.h"

namespace rnnscope {

namespace {

struct TrainOptions {
  JobSpec spec;
  int64_t steps = 2000;
  std::string checkpoint;
  std::string resume;
  int checkpoint_every = 500;
  int print_every = 50;
  int threads = 1;
  int early_stop = 0;  // validations without a new best before stopping; 0 = never
  // Wall-time budget in seconds (0 = none), validations included: the run ends after the step
  // that reaches it, exactly as at the end of --steps (checkpoints, best file, summary).
  double seconds = 0;
  bool steps_given = false;  // with --seconds alone the steps are unbounded
  const CLI::App* command = nullptr;  // which flags the user gave (for --resume)
};

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  char buf[32];
  const long s = static_cast<long>(seconds);
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

void RunTrain(TrainOptions& o) {
  if (o.steps < 0) throw ConfigError("--steps must be >= 0");
  if (o.threads < 1 || o.threads > 64) throw ConfigError("--threads must be in [1, 64]");
  const bool timed = o.seconds > 0;
  if (timed && !o.steps_given) o.steps = std::numeric_limits<int64_t>::max();
  Eigen::setNbThreads(o.threads);
  std::unique_ptr<Job> job;
  TrainSettings settings = o.spec.settings;
  if (!o.resume.empty()) {
    job = LoadJob(o.resume, &settings);
    std::printf("resumed %s at step %lld\n", o.resume.c_str(), static_cast<long long>(job->StepCount()));
    // Settings flags given with --resume win over the checkpoint's (a lower rate after a
    // divergence is the common case); the run is then no longer a bit-exact continuation.
    if (o.command) {
      const std::string changed = OverrideGivenSettings(*o.command, o.spec.settings, settings);
      if (!changed.empty()) {
        ValidateSettings(settings);
        std::printf("settings from the command line: %s\n", changed.c_str());
      }
    }
  } else {
    ValidateSettings(settings);
    job = MakeJob(o.spec);
  }
  // The same `model:` line as gui and screenshot (RunningModel::Line): encoder directions,
  // attention and decoder included, so what is printed is what runs.
  std::printf("model: %s\n", job->Describe().Line().c_str());
  // Only the settings this task reads (train/task_registry.h SettingsUsedBy).
  const SettingsUsed used = SettingsUsedBy(job->Task());
  std::string shape = "batch " + std::to_string(settings.batch);
  if (used.seq_len) shape += " × seq " + std::to_string(settings.seq_len) + (settings.sequential ? " (state carried)" : "");
  else shape += " examples at their own lengths";
  if (used.teacher_forcing) {
    char tf[48];
    std::snprintf(tf, sizeof tf, " · teacher forcing %g", static_cast<double>(settings.teacher_forcing));
    shape += tf;
  }
  if (used.dropout && settings.dropout > 0.0f) {
    char d[48];
    std::snprintf(d, sizeof d, " · dropout %g", static_cast<double>(settings.dropout));
    shape += d;
  }
  std::printf("training: %s lr=%g · %s · %d thread%s\n", settings.optimizer.c_str(),
              static_cast<double>(settings.learning_rate), shape.c_str(), o.threads, o.threads == 1 ? "" : "s");
  const bool scheduled = ScheduleActive(settings);
  // Reduce-on-plateau decides on validations at fixed steps (lr_schedule_cadence.h), not when
  // the time budget allows: a resumed run, or the window, then decides the same.
  const bool plateau = settings.lr_schedule == "plateau";
  if (scheduled) std::printf("lr schedule: %s (base lr %g)\n", ScheduleLabel(settings).c_str(),
                             static_cast<double>(settings.learning_rate));
  std::printf("validation: %s%s\n", job->ValidationScope().c_str(),
              plateau ? (" (every " + std::to_string(settings.lr_step) + " steps: the plateau schedule decides on it)").c_str()
                      : "");
  const auto start = std::chrono::steady_clock::now();
  const int64_t first = job->StepCount();
  // Validation runs on a progress line only when it keeps its share of the time at or under
  // 5 %: a line in between repeats the last value with the step it was measured at.
  double validation_seconds = 0, last_val = std::numeric_limits<double>::quiet_NaN();
  int64_t last_val_step = -1;
  // The checkpoint with the lowest validation loss so far, beside --ckpt (NAME-best.EXT).
  BestValidation best;
  const std::string best_path = o.checkpoint.empty() ? std::string() : BestCheckpointPath(o.checkpoint);
  bool stopped_early = false;
  // Resumed with its best file still there: "best so far" counts the run's earlier evaluations.
  if (!best_path.empty() && std::filesystem::exists(best_path))
    for (const LossPoint& p : job->LossHistory().Points())
      if (!std::isnan(p.val_loss)) best.Record(p.step, p.val_loss);
  best.evaluations_since_best = 0;
  int64_t tokens = 0;
  double loss_sum = 0;
  int loss_count = 0;
  const bool tty = isatty(fileno(stdout));
  // record: on the job's loss history too (the checkpoint's curve has the val points, and a
  // plateau schedule decides on it).
  auto validate = [&](bool record) {
    const auto v0 = std::chrono::steady_clock::now();
    last_val = job->ValidationLoss();
    last_val_step = job->StepCount();
    validation_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - v0).count();
    if (!record) return;
    job->RecordValidation(last_val_step, static_cast<float>(last_val));
    if (best.Record(last_val_step, last_val) && !best_path.empty()) job->Save(best_path, settings);
    stopped_early = o.early_stop > 0 && best.evaluations_since_best >= o.early_stop;
  };
  for (int64_t i = 0; i < o.steps; ++i) {
    const StepResult r = job->Step(settings);
    if (!r.non_finite.empty()) {
      // The job rolled back to the last weights that gave a finite loss: keep them on disk.
      if (!o.checkpoint.empty()) job->Save(o.checkpoint, settings);
      throw Error("step " + std::to_string(job->StepCount() + 1) + ": " + r.non_finite +
                  " became NaN/Inf (update not applied). Lower --lr or use --clip-mode norm." +
                  (o.checkpoint.empty() ? "" : " Last finite weights saved to " + o.checkpoint));
    }
    if (PlateauDecidesAfter(settings, job->StepCount())) validate(true);
    tokens += r.tokens;
    loss_sum += r.loss;
    ++loss_count;
    // The budget counts everything since the start, validations too, so both sides of a
    // same-wall-time comparison (bench/compare_quality.py) pay for theirs.
    const bool time_up = timed && std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= o.seconds;
    const bool last = i + 1 == o.steps || time_up;
    if ((i + 1) % o.print_every == 0 || last) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double loss = loss_sum / loss_count;
      // Under plateau only its own validations are recorded (each is a decision); a first line
      // before any shows a value measured for display.
      if (plateau ? last_val_step < 0
                  : last || last_val_step < 0 || validation_seconds * 19 <= elapsed - validation_seconds)
        validate(!plateau);
      const double val = last_val;
      const std::string val_at = last_val_step == job->StepCount() ? "" : " @" + std::to_string(last_val_step);
      const double rate = static_cast<double>(tokens) / elapsed;
      double eta = elapsed / static_cast<double>(i + 1) * static_cast<double>(o.steps - i - 1);
      if (timed) eta = std::min(eta, std::max(0.0, o.seconds - elapsed));
      // The rate the next step uses (a plateau decision above already counts).
      char lr[32] = "";
      if (scheduled)
        std::snprintf(lr, sizeof lr, "  lr %g", static_cast<double>(job->ScheduledLearningRate(settings)));
      char best_text[64] = "";
      if (best.Any() && best.step != last_val_step)
        std::snprintf(best_text, sizeof best_text, "  best %.4f @%lld", best.loss, static_cast<long long>(best.step));
      const bool line_end = last || stopped_early;
      char stop_text[64] = "";
      if (time_up) std::snprintf(stop_text, sizeof stop_text, "  stopped: time limit %g s", o.seconds);
      std::printf("%sstep %lld  loss %.4f  ppl %.2f  val %.4f (ppl %.2f)%s%s%s  |g| %.3g  %.0f tok/s  ETA %s%s%s",
                  tty ? "\r" : "", static_cast<long long>(job->StepCount()), loss, std::exp(loss),
                  val, std::exp(val), val_at.c_str(), best_text, lr, static_cast<double>(r.grad_norm), rate,
                  FormatDuration(eta).c_str(), stop_text, tty && !line_end ? "" : "\n");
      std::fflush(stdout);
      loss_sum = 0;
      loss_count = 0;
    }
    if (!o.checkpoint.empty() && o.checkpoint_every > 0 && (job->StepCount() - first) % o.checkpoint_every == 0)
      job->Save(o.checkpoint, settings);
    if (stopped_early) {
      std::printf("early stop at step %lld: validation has not improved for %d evaluations\n",
                  static_cast<long long>(job->StepCount()), best.evaluations_since_best);
      break;
    }
    if (time_up) break;  // after this step's checkpoint, as the last of --steps
  }
  if (!o.checkpoint.empty()) {
    job->Save(o.checkpoint, settings);
    std::printf("saved %s (step %lld)\n", o.checkpoint.c_str(), static_cast<long long>(job->StepCount()));
    if (best.Any())
      std::printf("best validation %.4f (ppl %.2f) at step %lld: %s\n", best.loss, std::exp(best.loss),
                  static_cast<long long>(best.step), best_path.c_str());
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("trained %lld steps, %lld tokens in %.1f s: %.0f tokens/s\n",
              static_cast<long long>(job->StepCount() - first), static_cast<long long>(tokens), elapsed,
              elapsed > 0 ? static_cast<double>(tokens) / elapsed : 0.0);
}

}  // namespace

void AddTrainCommand(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand("train", "Train headless, printing progress");
  AddModelFlags(*cmd, o->spec);
  cmd->add_option("--steps", o->steps, "Training steps (with --seconds and no --steps: no step limit)")
      ->capture_default_str();
  cmd->add_option("--seconds", o->seconds,
                  "Stop after S seconds of training, validations included (0 = no limit), saving checkpoints "
                  "as at the end of --steps; the last progress line says so")
      ->capture_default_str()->check(AtLeastZero());
  cmd->add_option("--checkpoint,--ckpt", o->checkpoint, "Checkpoint path (.safetensors), written atomically");
  cmd->add_option("--checkpoint-every", o->checkpoint_every, "Save every N steps")->capture_default_str();
  cmd->add_option("--resume", o->resume, "Continue from a checkpoint (bit-exact)");
  cmd->add_option("--print-every", o->print_every, "Progress line every N steps")->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--threads", o->threads, "Eigen threads")->capture_default_str();
  cmd->add_option("--early-stop", o->early_stop,
                  "Stop after K validations in a row without a new best (0 = never); the best model is "
                  "--ckpt's NAME-best file")
      ->capture_default_str()->check(CLI::Range(0, 1000000));
  cmd->callback([o, cmd] {
    if (!o->resume.empty())
      for (const std::string& flag : ModelFlagNames())
        if (cmd->count(flag) > 0)
          throw ConfigError(flag + " cannot be combined with --resume: the model and its data come from the "
                            "checkpoint (training settings such as --lr can change)");
    o->command = cmd;
    o->steps_given = cmd->count("--steps") > 0;
    RunTrain(*o);
  });
}

}  // namespace rnnscope
