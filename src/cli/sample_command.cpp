// `rnnscope sample --ckpt C [--prime TEXT] [--length N] [--temperature T] [--seed S]`.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "core/rng.h"
#include "train/char_lm_job.h"

namespace rnnscope {

namespace {
struct SampleOptions {
  std::string checkpoint;
  std::string prime = "\n";
  int length = 500;
  float temperature = 1.0f;
  uint64_t seed = 1;
};
}  // namespace

void AddSampleCommand(CLI::App& app) {
  auto o = std::make_shared<SampleOptions>();
  CLI::App* cmd = app.add_subcommand("sample", "Generate text from a char-LM checkpoint");
  cmd->add_option("--ckpt,--checkpoint", o->checkpoint, "Checkpoint (.safetensors)")->required();
  cmd->add_option("--prime", o->prime, "Priming text");
  cmd->add_option("--length", o->length, "Characters to generate")->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--temperature", o->temperature, "Softmax temperature")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", o->seed, "Sampling seed")->capture_default_str();
  cmd->callback([o] {
    auto job = CharLmJob::Load(o->checkpoint, nullptr);
    if (!job->data_unavailable().empty())
      std::fprintf(stderr, "note: %s; sampling from the checkpoint alone\n", job->data_unavailable().c_str());
    Rng rng(o->seed);
    std::string prime = o->prime;
    if (job->vocab().Encode(prime, UnknownPolicy::kSkip).empty()) prime = job->vocab().Token(0);
    std::printf("%s\n", job->Sample(prime, o->length, o->temperature, rng).c_str());
  });
}

}  // namespace rnnscope
