// Absurd learning rates: training that goes NaN/Inf must stop with the tensor named, keep the
// last weights that gave a finite loss, and be able to continue at a sane rate — in the job,
// in the trainer thread (the window's path) and in `rnnscope train` (the CLI's path).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "train/char_lm_job.h"
#include "train/trainer_thread.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

JobSpec DivergingSpec() {
  JobSpec spec;
  spec.model.cell = CellKind::kRnnRelu;  // unbounded activations: blows up reliably
  spec.model.hidden = 64;
  spec.settings.batch = 16;
  spec.settings.seq_len = 32;
  spec.settings.seed = 3;
  spec.settings.optimizer = "sgd";
  spec.settings.clip_mode = "none";
  spec.settings.learning_rate = 1e6f;
  return spec;
}

bool AllFinite(RnnModel<float>& model) {
  bool finite = true;
  model.params.ForEach([&](const std::string&, MatF& m, bool) { finite = finite && m.allFinite(); });
  return finite;
}

// ---------------------------------------------------------------- the job
TEST(Divergence, JobNamesTheTensorKeepsFiniteWeightsAndContinues) {
  JobSpec spec = DivergingSpec();
  CharLmJob job(spec);
  std::string bad;
  int steps = 0;
  for (; steps < 100 && bad.empty(); ++steps) bad = job.Step(spec.settings).non_finite;
  ASSERT_FALSE(bad.empty()) << "lr 1e6, sgd, no clipping never diverged in 100 steps";
  // Either the loss (with the forward tensor that overflowed) or a gradient, by name.
  EXPECT_TRUE(bad.find("weight") != std::string::npos || bad.find("logits") != std::string::npos ||
              bad.find("bias") != std::string::npos || bad.find("embedding") != std::string::npos)
      << "the report does not name a tensor: " << bad;
  EXPECT_TRUE(AllFinite(job.model())) << "a non-finite update was applied";

  // The same bad settings keep refusing; nothing is applied.
  const int64_t at = job.StepCount();
  // A sane rate continues from the kept weights with finite losses.
  TrainSettings sane = spec.settings;
  sane.learning_rate = 1e-4f;
  sane.clip_mode = "norm";
  sane.clip = 1.0f;
  for (int i = 0; i < 20; ++i) {
    const StepResult r = job.Step(sane);
    ASSERT_TRUE(r.non_finite.empty()) << "step " << i << " after lowering the rate: " << r.non_finite;
    ASSERT_TRUE(std::isfinite(r.loss));
  }
  EXPECT_EQ(job.StepCount(), at + 20);
  EXPECT_TRUE(std::isfinite(job.ValidationLoss()));
}

// ---------------------------------------------------------------- the trainer thread
using test::WaitFor;

TEST(Divergence, TrainerThreadPausesReportsAndContinues) {
  TrainerOptions o;
  o.spec = DivergingSpec();
  o.publish_interval_ms = 5;
  o.validate_interval_ms = 50;
  TrainerThread trainer(o);
  trainer.Start();

  auto s = WaitFor(trainer, [](const Snapshot& x) { return !x.error.empty(); });
  ASSERT_TRUE(s && !s->error.empty());
  EXPECT_TRUE(s->paused) << "the trainer kept running after NaN";
  EXPECT_NE(s->error.find("NaN/Inf"), std::string::npos) << s->error;
  EXPECT_NE(s->error.find("weight"), std::string::npos) << "no tensor named: " << s->error;
  // The snapshot shows the kept weights: finite.
  for (const ParamStat& p : s->params) EXPECT_TRUE(std::isfinite(p.norm)) << p.name;
  for (const auto& w : s->weights) EXPECT_TRUE(w.value.allFinite()) << w.name;
  EXPECT_TRUE(std::isfinite(s->probe_loss));

  // Paused means paused: no steps while the error stands.
  const int64_t at = s->step;
  std::this_thread::sleep_for(100ms);
  trainer.Send(PublishCommand{});
  s = WaitFor(trainer, [&](const Snapshot& x) { return x.version > s->version; });
  EXPECT_EQ(s->step, at);
  EXPECT_TRUE(s->paused);

  // A sane rate and resume: training continues with finite losses and the error clears.
  TrainSettings sane = s->settings;
  sane.learning_rate = 1e-4f;
  sane.clip_mode = "norm";
  sane.clip = 1.0f;
  trainer.Send(SetSettingsCommand{sane});
  trainer.Send(PauseCommand{false});
  // First the commands take effect (resuming clears the error), then training runs on.
  s = WaitFor(trainer, [&](const Snapshot& x) { return !x.paused && x.error.empty(); });
  s = WaitFor(trainer, [&](const Snapshot& x) { return x.step >= at + 20 || !x.error.empty(); });
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->error.empty()) << "diverged again after lowering the rate: " << s->error;
  EXPECT_GE(s->step, at + 20);
  EXPECT_FALSE(s->paused);
  ASSERT_FALSE(s->history.empty());
  EXPECT_TRUE(std::isfinite(s->history.back().train_loss));
  trainer.Stop();
}

// ---------------------------------------------------------------- the CLI
struct Child {
  int exit_code = -1, signal = 0;
  std::string out, err;
};

Child RunRnnscope(const std::vector<std::string>& args, const fs::path& scratch) {
  std::vector<std::string> a = {(fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope").string()};
  a.insert(a.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : a) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open((scratch / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open((scratch / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::alarm(300);  // a hung child fails the test instead of the CI
    ::execv(argv[0], argv.data());
    ::_exit(121);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Child c;
  if (WIFSIGNALED(status)) c.signal = WTERMSIG(status);
  else c.exit_code = WEXITSTATUS(status);
  auto read = [](const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  c.out = read(scratch / "out");
  c.err = read(scratch / "err");
  return c;
}

TEST(Divergence, TrainCommandExitsNamingTheTensorAndKeepsTheCheckpoint) {
  if (!fs::exists(fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope")) GTEST_SKIP() << "rnnscope is not built";
  const fs::path dir = fs::temp_directory_path() / ("rnnscope_divergence." + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string ckpt = (dir / "run.safetensors").string();
  const Child c = RunRnnscope({"train", "--lr", "1e3", "--optimizer", "sgd", "--clip-mode", "none", "--cell", "rnn_relu",
                       "--hidden", "32", "--batch", "8", "--seq-len", "16", "--steps", "200",
                       "--checkpoint", ckpt, "--checkpoint-every", "1"},
                      dir);
  EXPECT_EQ(c.signal, 0) << c.err;
  EXPECT_EQ(c.exit_code, 1) << "stdout:\n" << c.out << "\nstderr:\n" << c.err;
  const std::string first = c.err.substr(0, c.err.find('\n'));
  EXPECT_NE(first.find("NaN/Inf"), std::string::npos) << c.err;
  EXPECT_NE(first.find("weight"), std::string::npos) << "no tensor named: " << c.err;
  EXPECT_NE(first.find(ckpt), std::string::npos) << "the message should point at the last good checkpoint";
  EXPECT_EQ(c.err.find('\n'), c.err.size() - 1) << "more than one line:\n" << c.err;
  // The checkpoint written before the divergence loads and trains on at a sane rate.
  ASSERT_TRUE(fs::exists(ckpt));
  TrainSettings settings;
  auto job = CharLmJob::Load(ckpt, &settings);
  settings.learning_rate = 1e-4f;
  settings.clip_mode = "norm";
  const StepResult r = job->Step(settings);
  EXPECT_TRUE(r.non_finite.empty()) << r.non_finite;
  EXPECT_TRUE(std::isfinite(r.loss));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rnnscope
