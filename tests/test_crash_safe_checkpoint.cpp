// No lost work: a process SIGKILLed at random moments while saving a checkpoint over and over
// leaves a checkpoint that loads and trains, and no pile of temporary files. Checkpoints of
// another format version or another task are refused with a message that says so.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <utility>

#include "core/error.h"
#include "io/safetensors.h"
#include "train/char_lm_job.h"
#include "train/job_factory.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class CrashSafeCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rnnscope_crash_ckpt." + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::string text;
    for (int i = 0; i < 200; ++i) text += "To be, or not to be, that is the question: line " + std::to_string(i) + ".\n";
    std::ofstream(dir_ / "text.txt") << text;
    path_ = (dir_ / "ckpt.safetensors").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Big enough that a save takes milliseconds (LSTM H=384 with Adam state: ~11 MB).
  JobSpec Spec() const {
    JobSpec spec;
    spec.text_path = (dir_ / "text.txt").string();
    spec.model.cell = CellKind::kLstm;
    spec.model.hidden = 384;
    spec.settings.batch = 4;
    spec.settings.seq_len = 8;
    spec.settings.optimizer = "adam";
    spec.settings.seed = 11;
    return spec;
  }

  std::vector<fs::path> TempFiles() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().find(".tmp.") != std::string::npos) out.push_back(e.path());
    return out;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(CrashSafeCheckpoint, SigkillDuringSavesNeverLeavesABrokenCheckpoint) {
  CharLmJob job(Spec());
  const TrainSettings settings = Spec().settings;
  job.Step(settings);
  auto t0 = Clock::now();
  job.Save(path_, settings);
  const double save_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  const auto file_bytes = fs::file_size(path_);
  ASSERT_GT(file_bytes, 5u << 20) << "the model is too small for saves to be interruptible";

  std::mt19937 rng(1234);
  const auto deadline = Clock::now() + std::chrono::seconds(150);
  int kills = 0, mid_save = 0;
  const int64_t first_step = job.StepCount();
  for (int iter = 0; iter < 30 && Clock::now() < deadline; ++iter) {
    int started[2];
    ASSERT_EQ(::pipe(started), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The child saves the same path in a loop, training between saves so the bytes change.
      // It says when it starts: forking a big (or ASan-instrumented) process can take longer
      // than a save, and the kill times below count from here.
      ::close(started[0]);
      const char go = 1;
      if (::write(started[1], &go, 1) != 1) ::_exit(2);
      const auto child_deadline = Clock::now() + std::chrono::seconds(30);
      for (int i = 0; Clock::now() < child_deadline; ++i) {
        job.Save(path_, settings);
        if (i % 4 == 3) job.Step(settings);
      }
      ::_exit(0);
    }
    ::close(started[1]);
    char go = 0;
    const bool child_started = ::read(started[0], &go, 1) == 1;
    ::close(started[0]);
    ASSERT_TRUE(child_started) << "the child did not start";
    std::uniform_real_distribution<double> when(0.0, 2.5 * save_ms);
    if (iter % 2 == 0) {
      // Kill anywhere within the first saves: mid-write, while serialising, or around the rename.
      std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(when(rng)));
    } else {
      // Kill while a temporary file exists, at a random point of its life: how much of a save
      // is spent writing (rather than serialising in memory) depends on the build, and these
      // are the moments that must never break the checkpoint.
      const auto wait_until = Clock::now() + std::chrono::seconds(10);
      while (TempFiles().empty() && Clock::now() < wait_until)
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      std::uniform_real_distribution<double> soon(0.0, 0.25 * save_ms);
      std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(soon(rng)));
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child ended on its own";
    ++kills;
    const std::vector<fs::path> temps = TempFiles();
    if (!temps.empty()) ++mid_save;
    // At most the killed child's own temp file: earlier ones were cleaned by the next writer.
    EXPECT_LE(temps.size(), 1u) << "stray temp files accumulate (iteration " << iter << ")";

    // The checkpoint at the path is a whole one: loads, and trains on.
    TrainSettings loaded_settings;
    std::unique_ptr<CharLmJob> loaded;
    try {
      loaded = CharLmJob::Load(path_, &loaded_settings);
    } catch (const Error& e) {
      FAIL() << "iteration " << iter << ": checkpoint does not load after SIGKILL: " << e.what();
    }
    EXPECT_GE(loaded->StepCount(), first_step);
    const StepResult r = loaded->Step(loaded_settings);
    EXPECT_TRUE(r.non_finite.empty()) << r.non_finite;
    EXPECT_TRUE(std::isfinite(r.loss));
  }
  EXPECT_GE(kills, 10) << "too few iterations within the time limit";
  EXPECT_GE(mid_save, 3) << "almost no kill landed during a save: the test is not testing anything";
  // The killed saves' leftovers go away with the next save of the same path.
  job.Save(path_, settings);
  EXPECT_TRUE(TempFiles().empty()) << TempFiles().size() << " temp files left after a clean save";
  RecordProperty("kills", kills);
  RecordProperty("kills_mid_save", mid_save);
}

// ---------------------------------------------------------------- foreign checkpoints
class ForeignCheckpoint : public CrashSafeCheckpoint {
 protected:
  void SetUp() override {
    CrashSafeCheckpoint::SetUp();
    JobSpec spec = Spec();
    spec.model.hidden = 8;
    CharLmJob job(spec);
    for (int i = 0; i < 3; ++i) job.Step(spec.settings);  // a loss history of steps 1-3
    job.Save(path_, spec.settings);
  }
  // Rewrites one metadata field of the checkpoint (a null value removes it), returns the new
  // file's path.
  std::string Tamper(const std::string& key, const nlohmann::json& value, const std::string& tag = "") {
    TensorFile f = ReadSafetensors(path_);
    nlohmann::json meta = nlohmann::json::parse(f.metadata.at("rnnscope"));
    if (value.is_null()) meta.erase(key);
    else meta[key] = value;
    f.metadata["rnnscope"] = meta.dump();
    const std::string out = (dir_ / ("tampered_" + key + tag + ".safetensors")).string();
    WriteSafetensors(out, f);
    return out;
  }
  void ExpectLoadFails(const std::string& path, const std::string& needle) {
    for (int via_factory = 0; via_factory < 2; ++via_factory) {
      try {
        if (via_factory) LoadJob(path, nullptr);
        else CharLmJob::Load(path, nullptr);
        ADD_FAILURE() << path << " loaded";
      } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(path), std::string::npos) << what;
        EXPECT_NE(what.find(needle), std::string::npos) << what;
      }
    }
  }
};

TEST_F(ForeignCheckpoint, UntamperedLoads) { EXPECT_NO_THROW(CharLmJob::Load(path_, nullptr)); }

TEST_F(ForeignCheckpoint, NewerVersion) {
  ExpectLoadFails(Tamper("version", 3), "checkpoint version 3 is not supported");
}

TEST_F(ForeignCheckpoint, VersionOfTheWrongType) {
  ExpectLoadFails(Tamper("version", "1"), "version");
}

TEST_F(ForeignCheckpoint, AnotherTask) {
  // The factory says no job knows the task; CharLmJob::Load says it is not a char-LM checkpoint.
  const std::string p = Tamper("task", "translate");
  try {
    CharLmJob::Load(p, nullptr);
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint is for task 'translate', not charlm"), std::string::npos)
        << e.what();
  }
  try {
    LoadJob(p, nullptr);
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'translate'"), std::string::npos) << e.what();
  }
}

TEST_F(ForeignCheckpoint, KeepsItsLossHistory) {
  const std::unique_ptr<Job> job = LoadJob(path_, nullptr);
  const std::vector<LossPoint> points = job->LossHistory().Points();
  ASSERT_EQ(points.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(points[k].step, static_cast<int64_t>(k) + 1);
    EXPECT_TRUE(std::isfinite(points[k].train_loss) && points[k].train_loss > 0) << points[k].train_loss;
  }
}

// Written before checkpoints carried the loss history: loads, the curve starts at its step.
TEST_F(ForeignCheckpoint, WithoutHistoryLoadsWithAnEmptyCurve) {
  const std::string old = Tamper("history", nullptr);
  ASSERT_EQ(nlohmann::json::parse(ReadSafetensors(old).metadata.at("rnnscope")).count("history"), 0u);
  TrainSettings settings;
  const std::unique_ptr<Job> job = LoadJob(old, &settings);
  EXPECT_EQ(job->StepCount(), 3);
  EXPECT_EQ(job->LossHistory().size(), 0u);
  ASSERT_TRUE(job->Step(settings).non_finite.empty());
  const std::vector<LossPoint> points = job->LossHistory().Points();
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].step, 4);
}

TEST_F(ForeignCheckpoint, HistoryOfTheWrongTypes) {
  const std::pair<const char*, nlohmann::json> bad[] = {
      {"string", "1,2,3"},
      {"flat", nlohmann::json::array({1, 2.5, nullptr, 0.5, 0})},
      {"short", nlohmann::json::parse("[[1, 2.5, null]]")},
      {"loss_string", nlohmann::json::parse(R"([[1, "2.5", null, 0.5, 0]])")},
      {"step_float", nlohmann::json::parse("[[1.5, 2.5, null, 0.5, 0]]")},
      {"backwards", nlohmann::json::parse("[[2, 2.5, null, 0.5, 0], [1, 2.4, null, 0.5, 0]]")},
      {"past_step", nlohmann::json::parse("[[1, 2.5, null, 0.5, 0], [9, 2.4, null, 0.5, 0]]")},
      {"huge", nlohmann::json::parse("[[1, 1e300, null, 0.5, 0]]")},
      {"clipped", nlohmann::json::parse(R"([[1, 2.5, null, 0.5, "yes"]])")},
  };
  for (const auto& [tag, value] : bad) {
    SCOPED_TRACE(tag);
    ExpectLoadFails(Tamper("history", value, tag), "history");
  }
}

TEST_F(ForeignCheckpoint, TaskOfTheWrongType) { ExpectLoadFails(Tamper("task", 42), "task"); }

TEST_F(ForeignCheckpoint, AnotherFormat) { ExpectLoadFails(Tamper("format", "pytorch"), "format"); }

}  // namespace
}  // namespace rnnscope
