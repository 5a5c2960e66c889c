// The best model of a run (train/best_validation.h): the tracker's rule, the file name, and
// `rnnscope train --ckpt P` writing P-best with the lowest validation loss it printed, which
// `eval` then measures again; `--early-stop K` ending the run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <string>

#include "train/best_validation.h"
#include "run_command_test_util.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

TEST(BestValidation, StrictlyLowerIsBetterAndNaNNever) {
  BestValidation b;
  EXPECT_FALSE(b.Any());
  EXPECT_TRUE(b.Record(10, 2.0));
  EXPECT_FALSE(b.Record(20, 2.0));  // a tie keeps the earlier step
  EXPECT_FALSE(b.Record(30, std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(b.evaluations_since_best, 2);
  EXPECT_TRUE(b.Record(40, 1.5));
  EXPECT_EQ(b.step, 40);
  EXPECT_EQ(b.evaluations_since_best, 0);
  EXPECT_EQ(BestCheckpointPath("runs/a.safetensors"), "runs/a-best.safetensors");
  EXPECT_EQ(BestCheckpointPath("ckpt"), "ckpt-best");
}

using test::RunCommand;

TEST(TrainBinary, KeepsTheBestCheckpointAndStopsEarly) {
  const fs::path binary = fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope";
  if (!fs::exists(binary)) GTEST_SKIP() << binary << " not built";
  const fs::path dir = fs::temp_directory_path() / ("rnnscope_best_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // A small text a big model overfits within a few hundred steps at a high learning rate.
  {
    std::ofstream text(dir / "small.txt");
    for (int i = 0; i < 60; ++i) text << "line " << i * 7 % 13 << ": the quick brown fox " << (i % 5) << " jumps\n";
  }
  const fs::path ckpt = dir / "run.safetensors";
  const std::string out = RunCommand(binary.string() + " train --text " + (dir / "small.txt").string() +
                              " --hidden 96 --lr 0.03 --steps 1500 --print-every 10 --early-stop 4 --ckpt " +
                              ckpt.string());
  // Every validation the run printed, and the best it names.
  std::regex val_re(R"(step (\d+) .*? val ([0-9.]+) \(ppl [0-9.]+\)(?! @)(?:\s|$))");
  double lowest = 1e9;
  int64_t lowest_step = -1;
  for (std::sregex_iterator it(out.begin(), out.end(), val_re), end; it != end; ++it) {
    const double v = std::stod((*it)[2]);
    if (v < lowest) lowest = v, lowest_step = std::stoll((*it)[1]);
  }
  ASSERT_GT(lowest_step, 0) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(best validation ([0-9.]+) \(ppl [0-9.]+\) at step (\d+): (\S+))"))) << out;
  EXPECT_NEAR(std::stod(m[1]), lowest, 1e-4) << out;
  EXPECT_EQ(std::stoll(m[2]), lowest_step) << out;
  EXPECT_EQ(fs::path(m[3].str()), dir / "run-best.safetensors");
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(early stop at step (\d+))"))) << out;
  EXPECT_LT(std::stoll(m[1]), 1500);
  EXPECT_TRUE(std::regex_search(out, std::regex("trained " + m[1].str() + " steps"))) << out;
  // The best file is that step's model: eval measures the same loss again.
  const std::string eval = RunCommand(binary.string() + " eval --ckpt " + (dir / "run-best.safetensors").string());
  ASSERT_TRUE(std::regex_search(eval, m, std::regex(R"(step (\d+)\s+validation loss ([0-9.]+))"))) << eval;
  EXPECT_EQ(std::stoll(m[1]), lowest_step) << eval;
  EXPECT_NEAR(std::stod(m[2]), lowest, 1e-4) << eval;
  fs::remove_all(dir);
}

}  // namespace
// --seconds: the run stops on its own after the budget (no --steps given: no step limit), says
// so, and writes the checkpoint and the best file as at the end of --steps; an explicit --steps
// that comes first still ends it, without the time-limit note.
TEST(TrainBinary, SecondsStopsTheRunAndSavesAsAtTheEnd) {
  const fs::path binary = fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope";
  if (!fs::exists(binary)) GTEST_SKIP() << binary << " not built";
  const fs::path dir = fs::temp_directory_path() / ("rnnscope_seconds_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path ckpt = dir / "run.safetensors";
  const auto start = std::chrono::steady_clock::now();
  const std::string out = RunCommand(binary.string() + " train --hidden 16 --seconds 1 --print-every 1000000 --ckpt " +
                                     ckpt.string());
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Not a speed test: without the limit the run would never end (no --steps), so any bound shows
  // it stopped; a generous one keeps a loaded machine from failing it.
  EXPECT_LT(took, 120.0) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(step (\d+) .*stopped: time limit 1 s)"))) << out;
  EXPECT_GT(std::stoll(m[1]), 0);
  EXPECT_TRUE(std::regex_search(out, std::regex("trained " + m[1].str() + " steps"))) << out;
  EXPECT_TRUE(fs::exists(ckpt)) << out;
  EXPECT_TRUE(fs::exists(dir / "run-best.safetensors")) << out;
  const std::string capped = RunCommand(binary.string() + " train --hidden 16 --seconds 600 --steps 7 --print-every 7");
  EXPECT_TRUE(std::regex_search(capped, std::regex(R"(step 7 )"))) << capped;
  EXPECT_EQ(capped.find("stopped: time limit"), std::string::npos) << capped;
  EXPECT_TRUE(std::regex_search(capped, std::regex("trained 7 steps"))) << capped;
  fs::remove_all(dir);
}

}  // namespace rnnscope
