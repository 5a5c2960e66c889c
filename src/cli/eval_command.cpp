// `rnnscope eval --ckpt C [--split test|validation] [--n N] [--by-length] [--json]`: greedy
// decoding of held-out examples of a seq2seq checkpoint's task, scored against the ground truth;
// for tagging, classification and generation checkpoints their own metrics (train/*_job.h).
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "train/checkpoint.h"
#include "train/char_lm_job.h"
#include "train/seq2seq_job.h"
#include "train/structure_job.h"

namespace rnnscope {

namespace {
struct EvalOptions {
  std::string checkpoint;
  std::string split = "test";
  int n = 1000;
  uint64_t seed = 12345;
  bool by_length = false;
  bool json = false;
};
}  // namespace

void AddEvalCommand(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Score a checkpoint (char LM, seq2seq, tagging, classification, generation) on held-out data");
  cmd->add_option("--ckpt,--checkpoint", o->checkpoint, "Checkpoint (.safetensors)")->required();
  cmd->add_option("--split", o->split, "test or validation")->capture_default_str()
      ->check(CLI::IsMember({"test", "validation"}));
  cmd->add_option("--n", o->n, "Examples to decode")->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_option("--seed", o->seed, "Which examples (the same seed gives the same examples)")->capture_default_str();
  cmd->add_flag("--by-length", o->by_length, "Also report sequence accuracy per source length");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback([o] {
    const Split split = o->split == "test" ? Split::kTest : Split::kValidation;
    {
      TensorFile file = ReadSafetensors(o->checkpoint);
      const nlohmann::json meta = GetMetadata(file);
      const auto kind = meta.find("kind");
      if (kind != meta.end() && kind->is_string() && kind->get<std::string>() == "charlm") {
        // The same measurement `train` prints and plots (CharLmJob::ValidationLoss), from the
        // checkpoint alone: an independent process, the same split.
        if (o->by_length) throw ConfigError("--by-length applies to seq2seq checkpoints only");
        file.CheckFinite();
        auto job = CharLmJob::LoadFrom(file, meta, nullptr, nullptr);
        const double loss = job->ValidationLoss();
        if (o->json) {
          const nlohmann::json j = {{"task", "charlm"}, {"step", job->StepCount()}, {"validation_loss", loss},
                                    {"perplexity", std::exp(loss)}, {"scope", job->ValidationScope()}};
          std::printf("%s\n", j.dump(2).c_str());
        } else {
          std::printf("task charlm, step %lld\nvalidation loss %.4f nats (perplexity %.3f) on %s\n",
                      static_cast<long long>(job->StepCount()), loss, std::exp(loss), job->ValidationScope().c_str());
        }
        return;
      }
      if (kind != meta.end() && kind->is_string() && kind->get<std::string>() == "structure") {
        if (o->by_length) throw ConfigError("--by-length applies to seq2seq checkpoints only");
        file.CheckFinite();
        auto job = LoadStructureJobFrom(file, meta, nullptr, nullptr);
        nlohmann::json m = job->Evaluate(split, o->n, o->seed);
        if (o->json) {
          m["task"] = job->Task();
          m["step"] = job->StepCount();
          std::printf("%s\n", m.dump(2).c_str());
        } else {
          std::printf("task %s, step %lld, %d %s examples\n%s", job->Task().c_str(),
                      static_cast<long long>(job->StepCount()), m.at("examples").get<int>(), o->split.c_str(),
                      job->FormatMetrics(m).c_str());
        }
        return;
      }
    }
    auto job = Seq2SeqJob::Load(o->checkpoint, nullptr);
    const Seq2SeqMetrics m = job->Evaluate(split, o->n, o->seed);
    if (o->json) {
      nlohmann::json j = m.ToJson(o->by_length);
      j["task"] = job->Task();
      j["step"] = job->StepCount();
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    std::printf("task %s, step %lld, %d %s examples\n", job->Task().c_str(),
                static_cast<long long>(job->StepCount()), m.examples, o->split.c_str());
    if (!m.note.empty()) std::printf("note: %s\n", m.note.c_str());
    std::printf("token accuracy      %.4f\nsequence accuracy   %.4f\nBLEU                %.4f\n",
                m.token_accuracy, m.sequence_accuracy, m.bleu);
    if (m.has_alignment) std::printf("alignment accuracy  %.4f\n", m.alignment_accuracy);
    if (o->by_length) {
      std::printf("length  count  sequence accuracy\n");
      for (const auto& b : m.by_length)
        std::printf("%6d  %5d  %.4f\n", b.length, b.count, b.SequenceAccuracy());
    }
  });
}

}  // namespace rnnscope
