// The trainer thread's debugger: breakpoints, the checkpoint ring and rewinding (replay or
// branch). Kept out of trainer_thread.cpp so the command loop stays readable; everything here
// runs on the trainer thread.
#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "model/cell_kind.h"
#include "train/char_lm_job.h"
#include "train/trainer_thread.h"

namespace rnnscope {

namespace {

constexpr std::size_t kMaxBranches = 32;  // abandoned futures kept for the loss plot

// The points of `history` after `step`: the future a rewind to `step` abandons.
std::vector<LossPoint> PointsAfter(const BoundedHistory& history, int64_t step) {
  std::vector<LossPoint> after;
  for (const LossPoint& p : history.Points())
    if (p.step > step) after.push_back(p);
  return after;
}

}  // namespace

void TrainerThread::OnNewJob() {
  ring_.Clear();
  ring_supported_ = true;
  branches_.clear();
  active_branch_ = 0;
  active_parent_ = 0;
  active_label_ = "run";
  next_branch_id_ = 1;
  breakpoints_.Rearm();
  hit_.reset();
  cell_finder_.Reset();
  dynamics_.Reset();
  ApplyInterventions();
  // The starting point is always reachable, whatever the interval.
  if (job_ && ring_.interval() > 0) {
    try {
      ring_.Add(job_->StepCount(), job_->SaveToBytes(settings_));
    } catch (const ConfigError&) {
      ring_supported_ = false;  // this task has no in-memory checkpoints: time travel is off
    }
  }
}

void TrainerThread::Break(const BreakpointHit& hit) {
  hit_ = hit;
  paused_ = true;
  pending_steps_ = 0;  // a breakpoint also stops a StepCommand's remaining steps
  status_ = hit.message;
  publish_now_ = true;
}

void TrainerThread::KeepCheckpoint() {
  if (!ring_supported_ || !ring_.Due(job_->StepCount())) return;
  try {
    ring_.Add(job_->StepCount(), job_->SaveToBytes(settings_));
  } catch (const ConfigError&) {
    ring_supported_ = false;
  }
}

void TrainerThread::Rewind(const RewindCommand& c) {
  if (!job_) throw ConfigError("rewind: no job");
  if (!ring_supported_)
    throw ConfigError("rewind: task '" + job_->Task() + "' keeps no in-memory checkpoints");
  const CheckpointRing::Entry* entry = ring_.AtOrBefore(c.step);
  if (!entry) {
    std::string kept;
    for (int64_t s : ring_.Steps()) kept += (kept.empty() ? "" : ", ") + std::to_string(s);
    throw InputError("rewind: no checkpoint at or before step " + std::to_string(c.step) +
                     " (kept: " + (kept.empty() ? "none" : kept) + ")");
  }
  const int64_t step = entry->step;
  TrainSettings restored;
  std::unique_ptr<Job> job = job_->LoadFromBytes(entry->bytes, &restored);  // throws: old job stays

  // The restored job brings the loss history as it was at `step` (the ring's bytes are a
  // checkpoint, history included); what the running job has after it is the abandoned future.
  std::vector<LossPoint> future = PointsAfter(job_->LossHistory(), step);
  std::erase_if(markers_, [&](const SettingMarker& m) { return m.step > step; });
  ring_.DropAfter(step);
  job_ = std::move(job);
  // Replay uses the settings in force at the checkpoint: the same settings and the same
  // batches give the same losses, bit for bit.
  settings_ = restored;
  if (c.branch) {
    BranchHistory old;
    old.id = active_branch_;
    old.parent_id = active_parent_;
    old.parent_step = step;
    old.label = active_label_ + (future.empty() ? "" : " (steps " + std::to_string(future.front().step) + "-" +
                                                          std::to_string(future.back().step) + ")");
    old.history = std::move(future);
    branches_.push_back(std::move(old));
    if (branches_.size() > kMaxBranches) branches_.erase(branches_.begin());
    active_parent_ = active_branch_;
    active_branch_ = next_branch_id_++;
    std::string change;
    if (c.change_settings) {
      const std::size_t before = markers_.size();
      SetSettings(c.settings);
      if (markers_.size() > before) change = markers_.back().what;
    }
    active_label_ = !c.label.empty() ? c.label
                    : "branch " + std::to_string(active_branch_) + " @" + std::to_string(step) +
                          (change.empty() ? "" : ": " + change);
    status_ = "rewound to step " + std::to_string(step) + ", new branch \"" + active_label_ + "\"";
  } else {
    status_ = "rewound to step " + std::to_string(step) + ": replaying";
  }
  breakpoints_.Rearm();
  hit_.reset();
  error_.clear();
  ApplyInterventions();
}

void TrainerThread::ApplyInterventions() {
  if (job_ && !job_->SetInterventions(interventions_) && !interventions_.empty())
    status_ = "task '" + job_->Task() + "' cannot apply every intervention: " +
              (job_->Describe().interventions.empty() ? std::string("it applies none")
                                                      : job_->Describe().interventions);
}

void TrainerThread::FillDebugger(Snapshot& snap) {
  if (job_ && !snap.layers.empty()) {
    if (std::optional<BreakpointHit> hit = breakpoints_.AfterProbe(snap)) {
      Break(*hit);
      snap.paused = true;
      snap.status = status_;
      snap.tokens_per_second = 0.0;
      publish_now_ = false;  // this snapshot already shows it
    }
  }
  if (hit_ && hit_->rule == "grad-norm" && hit_->tensor.empty()) {
    // The snapshot's parameter statistics hold the gradients of the step that fired: name
    // the parameter with the largest gradient norm.
    const ParamStat* worst = nullptr;
    for (const ParamStat& p : snap.params)
      if (!worst || p.grad_norm > worst->grad_norm) worst = &p;
    if (worst) {
      hit_->tensor = worst->name;
      const std::size_t at = worst->name.find("_l");  // rnn.weight_hh_l1_reverse → layer 1
      if (at != std::string::npos && at + 2 < worst->name.size() &&
          std::isdigit(static_cast<unsigned char>(worst->name[at + 2]))) {
        hit_->layer = std::stoi(worst->name.substr(at + 2));
        hit_->direction = worst->name.find("_reverse") != std::string::npos ? 1 : 0;
      }
      hit_->message += " (largest: " + worst->name + ")";
      status_ = hit_->message;
      snap.status = status_;
    }
  }
  // The cell finder on its timer (bounded: one forward over ~3k validation characters).
  if (const auto* lm = dynamic_cast<const CharLmJob*>(job_.get())) {
    try {
      cell_finder_.MaybeRun(*lm, job_->StepCount(), cell_query_.t0 >= 0 && cell_finder_.trace().units.empty());
      snap.cell_finder = cell_finder_.result();
      if (cell_query_.t0 >= 0) {
        CellQueryResult& q = snap.cell_query;
        q.t0 = cell_query_.t0;
        q.t1 = cell_query_.t1;
        q.threshold = cell_query_.threshold;
        q.units = UnitsOnThroughout(snap.layers, cell_query_.t0, cell_query_.t1, cell_query_.threshold);
        if (q.units.empty()) q.error = "no unit is above the threshold throughout that span";
        else if (!cell_finder_.trace().units.empty())
          q.spans = FindSpansWhereOn(cell_finder_.trace(), q.units, cell_query_.threshold, cell_query_.min_length);
      }
    } catch (const std::exception& e) {
      snap.cell_finder.error = e.what();
    }
  }
  snap.interventions = interventions_;
  snap.intervention_labels.clear();
  for (const Intervention& i : interventions_)
    snap.intervention_labels.push_back(DescribeIntervention(i, GateNames(snap.config.cell)));
  snap.breakpoint_rules = breakpoints_.rules();
  if (hit_) {
    snap.breakpoint = hit_->message;
    snap.breakpoint_hit = *hit_;
  }
  snap.ring_steps = ring_.Steps();
  snap.ring_bytes = ring_.bytes();
  snap.ring_cap_bytes = ring_.cap_bytes();
  snap.ring_interval = ring_supported_ ? ring_.interval() : 0;
  snap.branches = branches_;
  snap.active_branch = active_branch_;
  snap.active_branch_label = active_label_;
}

}  // namespace rnnscope
