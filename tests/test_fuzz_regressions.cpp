// Replays every committed fuzz input through the same harnesses the libFuzzer targets run
// (tests/fuzz/harnesses.h), in the ordinary build and under ASan/UBSan in CI:
//   tests/fuzz/regressions/<target>/*  inputs that once crashed (each one a fixed bug), and
//   tests/fuzz/corpus/<target>/*       the seed corpus.
// A harness aborts on a violated invariant and lets anything but rnnscope::Error escape, so a
// regression shows up here as a crash or an uncaught-exception failure naming the input.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz/harnesses.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

using Harness = int (*)(const uint8_t*, size_t);

const std::map<std::string, Harness>& Targets() {
  static const std::map<std::string, Harness> targets = {
      {"safetensors", fuzz::FuzzSafetensors},
      {"model_io", fuzz::FuzzModelIo},
      {"text_corpus", fuzz::FuzzTextCorpus},
      {"checkpoint", fuzz::FuzzCheckpoint},
      {"conll", fuzz::FuzzConll},
      {"tsv", fuzz::FuzzTsv},
  };
  return targets;
}

std::vector<fs::path> Inputs(const std::string& kind, const std::string& target) {
  std::vector<fs::path> out;
  const fs::path dir = fs::path(RNNSCOPE_SOURCE_DIR) / "tests" / "fuzz" / kind / target;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void Replay(const std::string& kind, const std::string& target, std::size_t* count) {
  const fs::path cwd = fs::current_path();  // the checkpoint harness works in a temp dir
  for (const fs::path& input : Inputs(kind, target)) {
    SCOPED_TRACE(input.string());
    std::ifstream in(input, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      Targets().at(target)(bytes.data(), bytes.size());
    } catch (const std::exception& e) {
      ADD_FAILURE() << "escaped the harness: " << e.what();
    }
    ++*count;
  }
  fs::current_path(cwd);
}

class FuzzRegressions : public ::testing::TestWithParam<std::string> {};

std::string TargetName(const ::testing::TestParamInfo<std::string>& p) { return p.param; }

TEST_P(FuzzRegressions, SeedCorpusPasses) {
  std::size_t n = 0;
  Replay("corpus", GetParam(), &n);
  EXPECT_GT(n, 0u) << "no seed corpus for " << GetParam();
}

TEST_P(FuzzRegressions, FormerCrashesStayFixed) {
  std::size_t n = 0;
  Replay("regressions", GetParam(), &n);
  RecordProperty("inputs", static_cast<int>(n));
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegressions,
                         ::testing::Values("safetensors", "model_io", "text_corpus", "checkpoint"),
                         TargetName);

}  // namespace
}  // namespace rnnscope
