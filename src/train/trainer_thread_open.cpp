// How a new run arrives in the trainer: a file opened by its kind (OpenFileCommand: `rnnscope
// PATH`, File ▸ Open…, a dropped file, File ▸ Examples), a checkpoint (LoadCommand, the start
// options), a rebuild or reset — all end in AdoptJob, so every new run starts the same way.
#include "core/error.h"
#include "train/open_file.h"
#include "train/trainer_thread.h"

namespace rnnscope {

void TrainerThread::AdoptJob(std::unique_ptr<Job> job, const JobSpec& spec, const TrainSettings& settings,
                             std::string status) {
  job_ = std::move(job);
  options_.spec = spec;
  settings_ = settings;
  // The loss history comes with the job: empty for a new run, the saved curve for a checkpoint.
  markers_.clear();
  error_.clear();
  status_ = std::move(status);
  OnNewJob();
}

void TrainerThread::LoadCheckpoint(const std::string& path) {
  TrainSettings loaded;
  std::unique_ptr<Job> job = LoadJob(path, &loaded);  // throws: the running job stays
  // The spec a Reset or Rebuild starts from: this run's task, model and data.
  JobSpec spec = options_.spec;
  const RunningModel running = job->Describe();
  spec.task = job->Task();
  spec.model = job->Model();
  spec.settings = loaded;
  spec.given.reset();
  spec.text_path = spec.task == "charlm" ? running.data_path : std::string();
  spec.data_path = spec.task == "charlm" ? std::string() : running.data_path;
  spec.weights_path.clear();
  spec.vocab_path.clear();
  const int64_t step = job->StepCount();
  opened_file_ = AbsolutePath(path);
  // Paused at its step: the user came to look at it; Resume trains on from there.
  paused_ = true;
  AdoptJob(std::move(job), spec, loaded, "loaded " + path + " (step " + std::to_string(step) + "), paused");
}

void TrainerThread::OpenFile(const OpenFileCommand& command) {
  const FileKindGuess guess = DetectFileKind(command.path);  // throws with the file and problem
  const std::string path = AbsolutePath(command.path);
  FileKind kind = guess.kind;
  if (!command.kind.empty()) {
    if (!ParseFileKind(command.kind, &kind)) throw UsageError("open " + path + ": no such kind '" + command.kind + "'");
  } else if (!guess.also.empty()) {
    // Two readings fit: the window asks (Snapshot::open_choice) and answers with the kind.
    open_choice_ = OpenChoice{next_open_choice_id_++, path, {std::string(FileKindName(guess.kind))}, guess.detail};
    for (FileKind k : guess.also) open_choice_.kinds.emplace_back(FileKindName(k));
    status_ = path + ": " + guess.detail + ": how should it open?";
    return;
  }
  open_choice_ = OpenChoice{};
  // A large text takes a while to read and encode: say so first (the window keeps drawing).
  status_ = "opening " + path + " (" + guess.detail + ") as " + std::string(FileKindName(kind)) + "…";
  Publish();
  if (kind == FileKind::kCheckpoint) {
    LoadCheckpoint(path);
    return;
  }
  JobSpec base;
  base.settings = settings_;
  base.given.emplace();  // no model field chosen: the task's defaults
  const JobSpec spec = SpecForFile(path, kind, base);
  std::unique_ptr<Job> job = MakeJob(spec);  // throws: the running job stays
  opened_file_ = path;
  AdoptJob(std::move(job), spec, settings_, "opened " + path + " as " + std::string(FileKindTitle(kind)));
}

}  // namespace rnnscope
