// Replays every committed fuzz input through the same harnesses the libFuzzer targets run
// (tests/fuzz/harnesses.h), in the ordinary build and under ASan/UBSan in CI:
//   tests/fuzz/regressions/<target>/*  inputs that once crashed (each one a fixed bug), and
//   tests/fuzz/corpus/<target>/*       the seed corpus.
// The targets are the fuzzers themselves: every tests/fuzz/fuzz_<target>.cpp (the same glob
// tests/fuzz/CMakeLists.txt builds and .ci/fuzz.sh runs), so a new fuzzer is replayed here
// from its first commit — or this test fails until it has a harness entry below — and an
// input committed under a directory that names no fuzzer fails instead of being skipped.
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

const std::map<std::string, Harness>& Harnesses() {
  static const std::map<std::string, Harness> targets = {
      {"safetensors", fuzz::FuzzSafetensors},
      {"model_io", fuzz::FuzzModelIo},
      {"text_corpus", fuzz::FuzzTextCorpus},
      {"checkpoint", fuzz::FuzzCheckpoint},
      {"conll", fuzz::FuzzConll},
      {"tsv", fuzz::FuzzTsv},
      {"file_kind", fuzz::FuzzFileKind},
      {"torch_archive", fuzz::FuzzTorchArchive},
  };
  return targets;
}

const fs::path& FuzzDir() {
  static const fs::path dir = fs::path(RNNSCOPE_SOURCE_DIR) / "tests" / "fuzz";
  return dir;
}

// "conll" for tests/fuzz/fuzz_conll.cpp, sorted.
std::vector<std::string> FuzzerTargets() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(FuzzDir())) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("fuzz_") && name.ends_with(".cpp")) out.push_back(name.substr(5, name.size() - 9));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> Inputs(const std::string& kind, const std::string& target) {
  std::vector<fs::path> out;
  const fs::path dir = FuzzDir() / kind / target;
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
      Harnesses().at(target)(bytes.data(), bytes.size());
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
  ASSERT_TRUE(Harnesses().count(GetParam()))
      << "tests/fuzz/fuzz_" << GetParam() << ".cpp has no harness in test_fuzz_regressions' table";
  std::size_t n = 0;
  Replay("corpus", GetParam(), &n);
  EXPECT_GT(n, 0u) << "no seed corpus for " << GetParam();
}

TEST_P(FuzzRegressions, FormerCrashesStayFixed) {
  ASSERT_TRUE(Harnesses().count(GetParam()));
  std::size_t n = 0;
  Replay("regressions", GetParam(), &n);
  RecordProperty("inputs", static_cast<int>(n));
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegressions, ::testing::ValuesIn(FuzzerTargets()), TargetName);

TEST(FuzzTargets, EveryFuzzerIsReplayedAndEveryHarnessIsAFuzzer) {
  const std::vector<std::string> fuzzers = FuzzerTargets();
  EXPECT_GE(fuzzers.size(), 6u) << "tests/fuzz/fuzz_*.cpp not found under " << FuzzDir();
  for (const auto& [name, harness] : Harnesses())
    EXPECT_TRUE(std::count(fuzzers.begin(), fuzzers.end(), name)) << "harness '" << name << "' has no tests/fuzz/fuzz_" << name << ".cpp";
}

// A committed input in a directory that names no fuzzer would never run anywhere.
TEST(FuzzTargets, EveryCommittedInputBelongsToAFuzzer) {
  const std::vector<std::string> fuzzers = FuzzerTargets();
  std::size_t inputs = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    for (const auto& e : fs::directory_iterator(FuzzDir() / kind)) {
      const std::string target = e.path().filename().string();
      EXPECT_TRUE(e.is_directory() && std::count(fuzzers.begin(), fuzzers.end(), target))
          << e.path() << " names no fuzzer (tests/fuzz/fuzz_" << target << ".cpp)";
      if (e.is_directory()) inputs += Inputs(kind, target).size();
    }
  }
  // The crashes fixed so far (checkpoint numbers as floats, a CR inside a CoNLL line) and a
  // seed corpus per fuzzer: fewer means the walk above missed files.
  EXPECT_GE(inputs, fuzzers.size() + 6);
}

}  // namespace
}  // namespace rnnscope
