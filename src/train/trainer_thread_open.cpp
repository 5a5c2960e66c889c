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
  // A text while a PyTorch model is being inspected: train that model on it, or a new char LM?
  const bool imported = options_.spec.task == "charlm" && !options_.spec.weights_path.empty();
  if (kind == FileKind::kText && imported && command.use == OpenUse::kAsk) {
    open_choice_ = OpenChoice{next_open_choice_id_++, path, {std::string(FileKindName(kind))}, guess.detail,
                              options_.spec.weights_path};
    status_ = path + ": " + guess.detail + ": train " + options_.spec.weights_path + " on it, or a new char LM?";
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
  if (kind == FileKind::kText && imported && command.use == OpenUse::kRunningModel) {
    // The model's weights as its file holds them, its vocabulary, now reading this text.
    JobSpec spec = options_.spec;
    spec.text_path = path;
    if (spec.given) spec.given->insert("text");
    std::unique_ptr<Job> job = MakeJob(spec);  // throws (e.g. the text shares no token): the running job stays
    opened_file_ = path;
    paused_ = false;  // the user asked to train it
    AdoptJob(std::move(job), spec, settings_,
             "training " + spec.weights_path + " (its weights from the file) on " + path);
    return;
  }
  JobSpec base;
  base.settings = settings_;
  base.given.emplace();  // no model field chosen: the task's defaults
  const JobSpec spec = SpecForFile(path, kind, base);
  std::unique_ptr<Job> job = MakeJob(spec);  // throws: the running job stays
  opened_file_ = path;
  std::string status = "opened " + path + " as " + std::string(FileKindTitle(kind));
  if (kind == FileKind::kStateDict) {
    // Opened to look inside; training it on the built-in corpus would only blur what it learned.
    paused_ = true;
    status += spec.task == "charlm" ? ", paused: open a text to train it on" : ", paused: resume to train it on its pairs";
  }
  AdoptJob(std::move(job), spec, settings_, status);
}

}  // namespace rnnscope
