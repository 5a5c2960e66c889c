#include "train/trainer_thread.h"

#include <cstdio>
#include <new>
#include <sstream>
#include <type_traits>

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "core/error.h"
#include "model/gemm.h"
#include "io/tensor_file_writer.h"
#include "train/checkpoint.h"
#include "train/lr_schedule.h"
#include "train/lr_schedule_cadence.h"

namespace rnnscope {

namespace {

using Clock = std::chrono::steady_clock;

std::string Format(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

// "lr 0.002 → 0.01, clip 5 → 1": what changed, for the plot markers.
std::string DescribeChange(const TrainSettings& a, const TrainSettings& b) {
  std::ostringstream out;
  auto add = [&](const char* name, const std::string& from, const std::string& to) {
    if (from == to) return;
    if (out.tellp() > 0) out << ", ";
    out << name << " " << from << " \u2192 " << to;
  };
  add("opt", a.optimizer, b.optimizer);
  add("lr", Format(a.learning_rate), Format(b.learning_rate));
  add("momentum", Format(a.momentum), Format(b.momentum));
  add("beta2", Format(a.beta2), Format(b.beta2));
  add("wd", Format(a.weight_decay), Format(b.weight_decay));
  add("clip", a.clip_mode + " " + Format(a.clip), b.clip_mode + " " + Format(b.clip));
  add("batch", std::to_string(a.batch), std::to_string(b.batch));
  add("seq", std::to_string(a.seq_len), std::to_string(b.seq_len));
  add("temp", Format(a.temperature), Format(b.temperature));
  add("tf", Format(a.teacher_forcing), Format(b.teacher_forcing));
  add("dropout", Format(a.dropout), Format(b.dropout));
  add("batching", a.sequential ? "sequential" : "random", b.sequential ? "sequential" : "random");
  // The seed draws the initial weights and the batches of the next Reset or Rebuild; without
  // it here a Seed edit alone was dropped as "no change" and Reset used the old seed.
  add("seed", std::to_string(a.seed), std::to_string(b.seed));
  add("schedule", ScheduleLabel(a), ScheduleLabel(b));
  // The label names only the active schedule's numbers; another schedule's edited numbers
  // still have to count as a change (or SetSettings would drop them).
  auto numbers = [](const TrainSettings& s) {
    return std::to_string(s.lr_step) + "/" + Format(s.lr_gamma) + "/" + std::to_string(s.lr_patience) + "/" +
           Format(s.lr_factor) + "/" + std::to_string(s.lr_warmup) + "/" + std::to_string(s.lr_total) + "/" +
           Format(s.lr_min);
  };
  if (ScheduleLabel(a) == ScheduleLabel(b)) add("schedule numbers", numbers(a), numbers(b));
  return out.str();
}

}  // namespace

TrainerThread::TrainerThread(TrainerOptions options)
    : options_(std::move(options)), settings_(options_.spec.settings), paused_(options_.start_paused),
      publish_pacer_(std::chrono::milliseconds(options_.publish_interval_ms), options_.publish_budget),
      ring_(options_.ring_interval, options_.ring_cap_bytes) {}

TrainerThread::~TrainerThread() { Stop(); }

void TrainerThread::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void TrainerThread::RequestStop() {
  stop_ = true;
  queue_.Push(PublishCommand{});  // wakes a paused trainer
}

void TrainerThread::Stop() {
  RequestStop();
  if (thread_.joinable()) thread_.join();
}

void TrainerThread::Fail(const std::string& message) {
  error_ = message;
  status_ = message;
  paused_ = true;
  pending_steps_ = 0;  // a Step N after a failure must not run on: the user has to see it first
  publish_now_ = true;
}

Job& TrainerThread::RequireJob(const char* action) const {
  if (!job_) {
    throw ConfigError(std::string(action) + ": no model is running" +
                      (error_.empty() ? std::string() : " (it failed to build: " + error_ + ")"));
  }
  return *job_;
}

void TrainerThread::AddMarker(std::string what) {
  markers_.push_back({job_ ? job_->StepCount() : 0, std::move(what)});
  if (markers_.size() > 256) markers_.erase(markers_.begin());
}

void TrainerThread::SetSettings(const TrainSettings& next) {
  ValidateSchedule(next);  // a refused schedule leaves the running one (the error names why)
  const std::string change = DescribeChange(settings_, next);
  if (change.empty()) return;
  AddMarker(change);
  settings_ = next;
  status_ = "from step " + std::to_string(job_ ? job_->StepCount() : 0) + ": " + change;
}

void TrainerThread::Apply(Command& command) {
  std::visit(
      [&](auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, PauseCommand>) {
          paused_ = c.paused;
          if (!paused_) error_.clear();
          if (!paused_) hit_.reset();
        } else if constexpr (std::is_same_v<T, StepCommand>) {
          paused_ = true;
          pending_steps_ += c.steps;
        } else if constexpr (std::is_same_v<T, ResetCommand>) {
          JobSpec spec = options_.spec;
          spec.settings = settings_;
          AdoptJob(MakeJob(spec), spec, settings_, "reset: fresh weights from seed " + std::to_string(settings_.seed));
        } else if constexpr (std::is_same_v<T, SetSettingsCommand>) {
          SetSettings(c.settings);
        } else if constexpr (std::is_same_v<T, RebuildCommand>) {
          JobSpec spec = options_.spec;
          spec.task = c.task;
          spec.model = c.model;
          spec.settings = c.settings;
          spec.attention = c.attention;
          spec.given.reset();  // the UI sends every field: all of them as chosen
          if (c.task_defaults) {
            spec.given.emplace();  // none chosen: the task's defaults, on its built-in data
            spec.text_path.clear();
            spec.data_path.clear();
            opened_file_.clear();
          }
          // A plain rebuild asks for a fresh model, not the imported one.
          spec.weights_path = c.weights_path;
          spec.vocab_path = c.vocab_path;
          std::unique_ptr<Job> job = MakeJob(spec);  // throws on a bad spec: the old job stays
          const std::string what = (spec.weights_path.empty() ? "rebuilt: " : "opened " + spec.weights_path + ": ") +
                                   spec.task + ", " + std::string(CellName(job->Model().cell)) + " H=" +
                                   std::to_string(job->Model().hidden);
          // The title names the opened file while the run is still on it: another task is not.
          if (!spec.weights_path.empty()) opened_file_ = spec.weights_path;
          else if (job_ && job_->Task() != spec.task) opened_file_.clear();
          AdoptJob(std::move(job), spec, c.settings, what);
        } else if constexpr (std::is_same_v<T, ProbeCommand>) {
          probe_ = c.text;
        } else if constexpr (std::is_same_v<T, DecoderPrefixCommand>) {
          if (!RequireJob("force a decoder prefix").SetDecoderPrefix(c.tokens) && !c.tokens.empty())
            status_ = "task '" + job_->Task() + "' has no decoder to force a prefix on";
          publish_now_ = true;
        } else if constexpr (std::is_same_v<T, SaveCommand>) {
          Job& job = RequireJob(c.state_dict_only ? "export model" : "save checkpoint");
          if (!c.state_dict_only) {
            job.Save(c.path, settings_);
            status_ = "saved " + c.path + " at step " + std::to_string(job.StepCount());
          } else {
            // Any job's checkpoint, stripped and named (train/checkpoint.h ExportModel): one path
            // for every task instead of a per-job export; .pt/.pth → torch.save's format.
            TensorFile checkpoint = ParseSafetensors(job.SaveToBytes(settings_), c.path);
            const ModelExport model = ExportModel(checkpoint, ExportNames::kDefault);
            WriteTensorFile(c.path, model.file);
            status_ = "exported state_dict " + c.path + " (names: " + model.names + ") at step " +
                      std::to_string(job.StepCount()) + (model.note.empty() ? "" : "; " + model.note);
          }
        } else if constexpr (std::is_same_v<T, LoadCommand>) {
          LoadCheckpoint(c.path);
        } else if constexpr (std::is_same_v<T, OpenFileCommand>) {
          OpenFile(c);
        } else if constexpr (std::is_same_v<T, PublishCommand>) {
        } else if constexpr (std::is_same_v<T, SetBreakpointsCommand>) {
          breakpoints_.SetRules(c.rules);
        } else if constexpr (std::is_same_v<T, RewindCommand>) {
          Rewind(c);
        } else if constexpr (std::is_same_v<T, SetCellFinderCommand>) {
          cell_finder_.Configure(c.enabled, c.regex, c.interval_ms);
        } else if constexpr (std::is_same_v<T, CellQueryCommand>) {
          cell_query_ = c;
        } else if constexpr (std::is_same_v<T, SetDynamicsCommand>) {
          dynamics_.Configure(c.settings);
        } else if constexpr (std::is_same_v<T, FindFixedPointsCommand>) {
          if (c.cancel) dynamics_.CancelSearch();
          else dynamics_.FindFixedPoints(RequireJob("find fixed points"), c.input, c.starts);
        } else if constexpr (std::is_same_v<T, AddInterventionCommand>) {
          c.intervention.id = next_intervention_id_++;
          interventions_.push_back(c.intervention);
          ApplyInterventions();
        } else if constexpr (std::is_same_v<T, RemoveInterventionCommand>) {
          std::erase_if(interventions_, [&](const Intervention& i) { return c.id < 0 || i.id == c.id; });
          ApplyInterventions();
        } else if constexpr (std::is_same_v<T, SetCheckpointRingCommand>) {
          ring_.Configure(c.interval, c.cap_bytes);
          options_.ring_interval = c.interval;
          options_.ring_cap_bytes = c.cap_bytes;
        }
      },
      command);
  publish_now_ = true;
}

void TrainerThread::TrainOneStep() {
  const auto start = Clock::now();
  const float lr_before = job_->ScheduledLearningRate(settings_);
  const StepResult r = job_->Step(settings_);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  step_ms_ = seconds * 1e3;
  const double rate = seconds > 0 ? static_cast<double>(r.tokens) / seconds : 0.0;
  // Exponential moving average: a steady readout that still follows setting changes quickly.
  tokens_per_second_ = tokens_per_second_ == 0.0 ? rate : 0.9 * tokens_per_second_ + 0.1 * rate;
  tokens_trained_ += r.tokens;
  if (!r.non_finite.empty()) {
    if (std::optional<BreakpointHit> hit = breakpoints_.AfterStep(job_->StepCount(), r)) hit_ = hit;
    Fail("step " + std::to_string(job_->StepCount() + 1) + ": " + r.non_finite +
         " became NaN/Inf; the update was not applied and training is paused at the last finite "
         "weights. Lower the learning rate or enable clipping, then resume.");
    return;
  }
  // A schedule's decision (a step decay, the end of warm-up) is marked on the plot.
  if (std::string m = ScheduleMarker(settings_, job_->StepCount(), lr_before, job_->ScheduledLearningRate(settings_), false);
      !m.empty())
    AddMarker(std::move(m));
  // The job put this step on its loss history (Job::LossHistory); a validation goes on it too.
  const auto now = Clock::now();
  // The whole validation split can take a while on a large text: wait at least 19 times its
  // last duration, so validating stays at or under 5 % of the trainer's time.
  const auto wait = std::max<Clock::duration>(std::chrono::milliseconds(options_.validate_interval_ms), 19 * last_validate_took_);
  // Reduce-on-plateau validates (and decides) at fixed steps only, so a rewind replays its
  // decisions; other schedules validate on the time budget.
  const bool plateau = settings_.lr_schedule == "plateau";
  if (plateau ? PlateauDecidesAfter(settings_, job_->StepCount()) : now - last_validate_ >= wait) {
    const float lr_validated = job_->ScheduledLearningRate(settings_);
    job_->RecordValidation(job_->StepCount(), job_->ValidationLoss());  // reduce-on-plateau decides here
    const float lr_next = job_->ScheduledLearningRate(settings_);
    if (std::string m = ScheduleMarker(settings_, job_->StepCount(), lr_validated, lr_next, lr_next != lr_validated);
        !m.empty())
      AddMarker(std::move(m));
    last_validate_ = Clock::now();
    last_validate_took_ = last_validate_ - now;
  }
  KeepCheckpoint();
  if (std::optional<BreakpointHit> hit = breakpoints_.AfterStep(job_->StepCount(), r)) Break(*hit);
  if (options_.max_steps >= 0 && job_->StepCount() >= options_.max_steps) paused_ = true;
}

// What a snapshot keeps when filling it failed: the run's identity, settings and history, and
// the error, but none of the per-probe matrices.
std::shared_ptr<Snapshot> TrainerThread::SlimSnapshot(const Snapshot& from, const std::string& error) {
  auto slim = std::make_shared<Snapshot>();
  slim->version = from.version;
  slim->has_job = from.has_job;
  slim->step = from.step;
  slim->paused = true;
  slim->task = from.task;
  slim->config = from.config;
  slim->running = from.running;
  slim->settings = from.settings;
  slim->effective_lr = from.effective_lr;
  slim->markers = from.markers;
  slim->history = from.history;
  slim->status = slim->error = error;
  return slim;
}

void TrainerThread::Publish() {
  const auto start = Clock::now();
  auto snap = std::make_shared<Snapshot>();
  snap->version = ++version_;
  snap->paused = paused_;
  snap->status = status_;
  snap->error = error_;
  snap->settings = settings_;
  snap->effective_lr = job_ ? job_->ScheduledLearningRate(settings_) : settings_.learning_rate;
  snap->tokens_per_second = paused_ ? 0.0 : tokens_per_second_;
  snap->step_ms = step_ms_;
  snap->tokens_trained = tokens_trained_;
  snap->markers = markers_;
  snap->opened_file = opened_file_;
  snap->open_choice = open_choice_;
  if (job_) {
    snap->has_job = true;
    snap->task = job_->Task();
    snap->config = job_->Model();
    snap->running = job_->Describe();
    snap->step = job_->StepCount();
    snap->history = job_->LossHistory().Points();
    try {
      job_->FillSnapshot(probe_, settings_, *snap);
      FillDebugger(*snap);
    } catch (const std::bad_alloc&) {
      // The half-filled snapshot may hold most of the memory that ran out: publish a small one.
      snap = SlimSnapshot(*snap, "publishing the snapshot ran out of memory (a probe too long for "
                                 "this model?); training is paused");
      Fail(snap->error);
    } catch (const std::exception& e) {
      snap->status = snap->error = std::string("publishing the snapshot failed: ") + e.what();
      Fail(snap->error);
      snap->paused = true;
    }
  }
  exchange_.Publish(std::move(snap));
  publish_pacer_.Took(start, Clock::now());
  publish_now_ = false;
}

void TrainerThread::Run() {
#ifdef __linux__
  // Linux nice values are per thread; threads this one starts (OpenMP's) inherit it. Failure
  // (a sandbox that forbids it) only costs UI smoothness, so it is ignored.
  if (options_.background_priority) (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 5);
#endif
  // This thread's own engine thread count (model/gemm.h): Eigen::setNbThreads would set it for
  // the whole process, a data race between side-by-side trainers that also leaks one run's
  // count into the other.
  SetEngineThreadsForThisThread(options_.engine_threads);
  try {
    opened_file_ = options_.opened_file;
    if (!options_.checkpoint.empty()) {
      LoadCheckpoint(options_.checkpoint);
    } else {
      job_ = MakeJob(options_.spec);
      OnNewJob();
    }
  } catch (const std::exception& e) {
    Fail(e.what());
  }
  last_validate_ = Clock::now();
  while (!stop_) {
    for (Command& command : queue_.Drain()) {
      try {
        Apply(command);
      } catch (const std::exception& e) {  // bad input, or out of memory on a huge rebuild
        status_ = e.what();
        error_ = e.what();
        publish_now_ = true;
      }
    }
    if (stop_) break;
    const bool train = job_ && (!paused_ || pending_steps_ > 0);
    if (train) {
      if (pending_steps_ > 0) {
        --pending_steps_;
        if (pending_steps_ == 0) publish_now_ = true;
      }
      try {
        TrainOneStep();
      } catch (const std::exception& e) {
        Fail(e.what());
      }
    }
    if (publish_now_ || (train && publish_pacer_.Due(Clock::now()))) {
      try {
        Publish();
      } catch (const std::exception& e) {  // e.g. bad_alloc building even the slim snapshot
        Fail(std::string("publishing the snapshot failed: ") + e.what());
        publish_now_ = false;  // the next command or step tries again
      }
    }
    // The Dynamics panel's next view, from the probe the newest snapshot shows (declines at
    // once unless the panel is open, the last view is old and something changed).
    if (job_ && dynamics_.settings().enabled)
      if (const std::shared_ptr<const Snapshot> shown = exchange_.Latest())
        dynamics_.Offer(*job_, shown->probe_tokens, shown->probe_targets);
    if (!train) queue_.WaitFor(std::chrono::milliseconds(100));
  }
}

}  // namespace rnnscope
