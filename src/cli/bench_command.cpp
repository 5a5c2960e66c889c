// `rnnscope bench`: times the full char-LM training step (forward, backward, clipping, Adam) on
// the reference configurations of bench/README.md, on 1 and 2 threads, and reports tokens/s,
// ms/step and achieved GFLOP/s next to Eigen's own GEMM rate measured in the same run. It also
// measures what the UI's recording costs: per-step grad-norm histories (set_record_internals)
// and probe snapshots (FillSnapshot) paced as the trainer thread publishes them (SnapshotPacer).
//
// Table of contents: configurations · FLOP model · synthetic corpus · timing · Eigen GEMM ·
// output (text, JSON) · command registration.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include <time.h>
#include <unistd.h>

#include <Eigen/Core>

#include "cli/commands.h"
#include "core/error.h"
#include "core/rng.h"
#include "model/gemm.h"
#include "train/char_lm_job.h"
#include "train/snapshot.h"
#include "train/snapshot_pacer.h"
#include "train/trainer_thread.h"

namespace rnnscope {

namespace {

// ---------------------------------------------------------------- configurations

struct BenchConfig {
  const char* name;
  CellKind cell;
  int hidden, batch, seq_len;
};

// The first six match the PyTorch reference table; gru128/rnn128 complete the H=128 targets.
constexpr BenchConfig kConfigs[] = {
    {"lstm100_b1", CellKind::kLstm, 100, 1, 25},   // min-char-rnn
    {"lstm128", CellKind::kLstm, 128, 32, 64},
    {"lstm256", CellKind::kLstm, 256, 32, 64},
    {"lstm512", CellKind::kLstm, 512, 64, 64},
    {"gru128", CellKind::kGru, 128, 32, 64},
    {"gru256", CellKind::kGru, 256, 32, 64},
    {"rnn128", CellKind::kRnnTanh, 128, 32, 64},
    {"rnn256", CellKind::kRnnTanh, 256, 32, 64},
};

constexpr int kVocab = 65;          // tinyshakespeare's vocabulary size

// ---------------------------------------------------------------- FLOP model

// Model FLOPs of one training step, the convention of bench/README.md: forward gates
// 2·G·H·(X+H)·B·T (one-hot input counted as a dense X = V GEMM), output layer 2·V·H·B·T,
// backward ≈ 2× forward.
double StepFlops(const BenchConfig& c) {
  const double G = GateCount(c.cell), H = c.hidden, X = kVocab, V = kVocab;
  const double BT = static_cast<double>(c.batch) * c.seq_len;
  const double forward = 2 * G * H * (X + H) * BT + 2 * V * H * BT;
  return 3 * forward;
}

// ---------------------------------------------------------------- synthetic corpus

// Random text over exactly kVocab distinct characters, so every configuration has V = 65.
std::filesystem::path WriteCorpus() {
  static const std::string kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .\n";
  static_assert(kVocab == 65);
  std::string text;
  text.reserve(1 << 19);
  for (char ch : kAlphabet) text += ch;  // every character at least once, in the train split
  Rng rng(12345);
  while (text.size() < (1u << 19))
    text += kAlphabet[static_cast<std::size_t>(rng.UniformInt(kAlphabet.size()))];
  for (char ch : kAlphabet) text += ch;  // and in the validation tail
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("rnnscope_bench_" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// ---------------------------------------------------------------- timing

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Process CPU seconds: on a loaded machine tokens per CPU-second of a 1-thread run estimates
// the unloaded rate, which wall-clock time cannot.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

enum class Mode { kPlain, kRecord, kRecordSnapshot };

struct BenchOptions {
  bool json = false;
  std::string threads = "1,2";
  std::string config = "all";
  int repeats = 5;
  double min_time = 0.3;  // seconds per repeat
  bool record = true;     // also measure recording on and the snapshot cost
  bool gemm = true;       // also measure Eigen's GEMM
};

struct ConfigResult {
  const BenchConfig* config = nullptr;
  int threads = 1;
  double tokens_per_s = 0, ms_per_step = 0, gflops = 0;
  double record_tokens_per_s = 0;    // record_internals on
  double snapshot_tokens_per_s = 0;  // record on + paced FillSnapshot
  double snapshot_ms = 0;            // median cost of one FillSnapshot
  std::vector<double> samples;       // tokens/s per repeat (plain)
  double cpu_tokens_per_s = 0;       // tokens per process CPU-second (plain)
};

// Runs `steps` training steps in `mode`; returns seconds. Snapshots are taken on the trainer
// thread's wall-clock schedule (SnapshotPacer with its defaults: 20 Hz, at most 5 % of the time),
// so their cost per second is what the GUI pays whatever the step time.
double RunSteps(CharLmJob& job, const TrainSettings& settings, int steps, Mode mode,
                Snapshot& snapshot, std::vector<double>& snapshot_ms) {
  job.set_record_internals(mode != Mode::kPlain);
  const TrainerOptions defaults;
  SnapshotPacer pacer(std::chrono::milliseconds(defaults.publish_interval_ms), defaults.publish_budget);
  const auto start = Clock::now();
  for (int i = 0; i < steps; ++i) {
    const StepResult r = job.Step(settings);
    if (!r.non_finite.empty()) throw Error("bench: " + r.non_finite + " became NaN/Inf");
    if (mode == Mode::kRecordSnapshot && pacer.Due(Clock::now())) {
      const auto s0 = Clock::now();
      job.FillSnapshot("", settings, snapshot);
      const auto s1 = Clock::now();
      pacer.Took(s0, s1);
      snapshot_ms.push_back(1e3 * Seconds(s0, s1));
    }
  }
  return Seconds(start, Clock::now());
}

ConfigResult BenchConfigAt(const BenchConfig& c, int threads, const std::filesystem::path& corpus,
                           const BenchOptions& o) {
  Eigen::setNbThreads(threads);
  JobSpec spec;
  spec.task = "charlm";
  spec.text_path = corpus.string();
  spec.model.cell = c.cell;
  spec.model.hidden = c.hidden;
  spec.model.layers = 1;
  spec.settings.batch = c.batch;
  spec.settings.seq_len = c.seq_len;
  spec.settings.optimizer = "adam";
  spec.settings.clip_mode = "norm";
  spec.settings.clip = 5.0f;
  CharLmJob job(spec);
  if (job.Model().vocab != kVocab) throw Error("bench: synthetic corpus vocabulary is not 65");
  const TrainSettings& settings = spec.settings;
  Snapshot snapshot;
  std::vector<double> snapshot_ms;

  // Warm-up: first-touch allocations, optimizer state, caches; then size a repeat to min_time.
  int steps = 2;
  double t = RunSteps(job, settings, steps, Mode::kPlain, snapshot, snapshot_ms);
  while (t < 0.1) {
    steps *= 2;
    t = RunSteps(job, settings, steps, Mode::kPlain, snapshot, snapshot_ms);
  }
  steps = std::max(2, static_cast<int>(o.min_time / (t / steps)));

  const double tokens = static_cast<double>(c.batch) * c.seq_len * steps;
  std::vector<double> plain, record, snap, cpu;
  // Modes interleave inside each repeat so that load from other processes hits them alike.
  for (int r = 0; r < o.repeats; ++r) {
    const double cpu0 = CpuSeconds();
    plain.push_back(tokens / RunSteps(job, settings, steps, Mode::kPlain, snapshot, snapshot_ms));
    cpu.push_back(tokens / (CpuSeconds() - cpu0));
    if (o.record) {
      record.push_back(tokens / RunSteps(job, settings, steps, Mode::kRecord, snapshot, snapshot_ms));
      snap.push_back(tokens / RunSteps(job, settings, steps, Mode::kRecordSnapshot, snapshot, snapshot_ms));
    }
  }
  ConfigResult res;
  res.config = &c;
  res.threads = threads;
  res.samples = plain;
  res.tokens_per_s = Median(plain);
  res.cpu_tokens_per_s = Median(cpu);
  res.ms_per_step = 1e3 * static_cast<double>(c.batch) * c.seq_len / res.tokens_per_s;
  res.gflops = StepFlops(c) / (res.ms_per_step * 1e-3) * 1e-9;
  res.record_tokens_per_s = Median(record);
  res.snapshot_tokens_per_s = Median(snap);
  res.snapshot_ms = Median(snapshot_ms);
  return res;
}

// ---------------------------------------------------------------- Eigen GEMM

// Eigen's own float GEMM on a square-ish product of the size of the H=512 recurrent weights:
// (2048, 512)(512, 2048), through the same (runtime-dispatched) kernel the model uses.
double EigenGemmGflops(int threads, int repeats) {
  Eigen::setNbThreads(threads);
  const Eigen::Index M = 2048, K = 512, N = 2048;
  MatF a = MatF::Random(M, K), b = MatF::Random(K, N), c = MatF::Zero(M, N);
  Gemm<float>(c, a, false, b, false, 1.0f, 0.0f);  // warm-up
  std::vector<double> rates;
  for (int r = 0; r < std::max(3, repeats); ++r) {
    const auto t0 = Clock::now();
    int n = 0;
    do {
      Gemm<float>(c, a, false, b, false, 1.0f, 0.0f);
      ++n;
    } while (Seconds(t0, Clock::now()) < 0.2);
    rates.push_back(2.0 * M * K * N * n / Seconds(t0, Clock::now()) * 1e-9);
  }
  return Median(rates);
}

// ---------------------------------------------------------------- output

std::vector<int> ParseThreads(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    int n = 0;
    try {
      n = std::stoi(item);
    } catch (const std::exception&) {
      throw ConfigError("--threads: \"" + item + "\" is not a number (expected e.g. 1,2)");
    }
    if (n < 1 || n > 64) throw ConfigError("--threads: " + item + " is not in [1, 64]");
    out.push_back(n);
  }
  if (out.empty()) throw ConfigError("--threads: expected a list such as 1,2");
  return out;
}

std::vector<const BenchConfig*> SelectConfigs(const std::string& s) {
  std::vector<const BenchConfig*> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    bool found = false;
    for (const BenchConfig& c : kConfigs) {
      if (item == "all" || item == c.name) {
        out.push_back(&c);
        found = true;
      }
    }
    if (!found) {
      std::string names;
      for (const BenchConfig& c : kConfigs) names += std::string(" ") + c.name;
      throw ConfigError("--config: unknown \"" + item + "\"; known: all" + names);
    }
  }
  return out;
}

const char* IsaName() {
  switch (GemmIsa()) {
    case SimdLevel::kAvx512: return "avx512 (x86-64-v4)";
    case SimdLevel::kAvx2: return "avx2+fma (x86-64-v3)";
    case SimdLevel::kBaseline: return "baseline";
  }
  return "?";
}

void RunBench(const BenchOptions& o) {
  if (o.repeats < 1 || o.repeats > 1000) throw ConfigError("--repeats must be in [1, 1000]");
  const std::vector<int> threads = ParseThreads(o.threads);
  const std::vector<const BenchConfig*> configs = SelectConfigs(o.config);
  const std::filesystem::path corpus = WriteCorpus();
  std::vector<ConfigResult> results;
  std::vector<std::pair<int, double>> gemm;
  try {
    for (int n : threads) {
      if (o.gemm) gemm.emplace_back(n, EigenGemmGflops(n, o.repeats));
      for (const BenchConfig* c : configs) {
        results.push_back(BenchConfigAt(*c, n, corpus, o));
        if (!o.json) {
          const ConfigResult& r = results.back();
          std::printf("%-11s %d thr  %9.0f tok/s  %8.2f ms/step  %6.1f GFLOP/s  (%9.0f tok/cpu-s)",
                      c->name, n, r.tokens_per_s, r.ms_per_step, r.gflops, r.cpu_tokens_per_s);
          if (o.record)
            std::printf("  | record %9.0f (%+5.1f%%)  +snapshots %9.0f (%+5.1f%%, %.2f ms each)",
                        r.record_tokens_per_s, 100 * (r.record_tokens_per_s / r.tokens_per_s - 1),
                        r.snapshot_tokens_per_s, 100 * (r.snapshot_tokens_per_s / r.tokens_per_s - 1),
                        r.snapshot_ms);
          std::printf("\n");
          std::fflush(stdout);
        }
      }
      if (!o.json && o.gemm) std::printf("eigen gemm  %d thr  %6.1f GFLOP/s  (2048x512 · 512x2048, %s)\n", n,
                               gemm.back().second, IsaName());
    }
  } catch (...) {
    std::filesystem::remove(corpus);
    throw;
  }
  std::filesystem::remove(corpus);
  if (!o.json) return;
  nlohmann::json j;
  j["isa"] = IsaName();
  j["eigen_gemm"] = nlohmann::json::array();
  for (const auto& [n, g] : gemm) j["eigen_gemm"].push_back({{"threads", n}, {"gflops", g}});
  j["results"] = nlohmann::json::array();
  for (const ConfigResult& r : results) {
    nlohmann::json e = {{"config", r.config->name},
                        {"cell", std::string(CellName(r.config->cell))},
                        {"hidden", r.config->hidden},
                        {"batch", r.config->batch},
                        {"seq_len", r.config->seq_len},
                        {"vocab", kVocab},
                        {"threads", r.threads},
                        {"tokens_per_s", r.tokens_per_s},
                        {"ms_per_step", r.ms_per_step},
                        {"gflops", r.gflops},
                        {"samples", r.samples},
                        {"cpu_tokens_per_s", r.cpu_tokens_per_s}};
    if (o.record) {
      e["record_tokens_per_s"] = r.record_tokens_per_s;
      e["snapshot_tokens_per_s"] = r.snapshot_tokens_per_s;
      e["snapshot_ms"] = r.snapshot_ms;
    }
    j["results"].push_back(std::move(e));
  }
  std::printf("%s\n", j.dump(1).c_str());
}

}  // namespace

// ---------------------------------------------------------------- command registration

void AddBenchCommand(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Time the training step (tokens/s, GFLOP/s) on reference configs");
  cmd->add_flag("--json", o->json, "Print one JSON document instead of the table");
  cmd->add_option("--threads", o->threads, "Comma-separated thread counts")->capture_default_str();
  cmd->add_option("--config", o->config,
                  "Comma-separated: all, lstm100_b1, lstm128, lstm256, lstm512, gru128, gru256, "
                  "rnn128, rnn256")
      ->capture_default_str();
  cmd->add_option("--repeats", o->repeats, "Timed repeats per config (median reported)")->capture_default_str();
  cmd->add_option("--min-time", o->min_time, "Seconds per timed repeat")->capture_default_str()
      ->check(CLI::Range(0.01, 60.0));
  cmd->add_flag("!--no-record", o->record, "Skip the recording-on and snapshot measurements");
  cmd->add_flag("!--no-gemm", o->gemm, "Skip the Eigen GEMM reference measurement");
  cmd->callback([o] { RunBench(*o); });
}

}  // namespace rnnscope
