// `rnnscope translate --ckpt C [--beam K] [--json] "input"`: beam-search decoding of one input
// with a seq2seq checkpoint; prints the output, the beam and the attention matrix.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "train/seq2seq_job.h"

namespace rnnscope {

namespace {
struct TranslateOptions {
  std::string checkpoint;
  std::string input;
  int beam = 1;
  std::string prefix;
  bool json = false;
};
}  // namespace

void AddTranslateCommand(CLI::App& app) {
  auto o = std::make_shared<TranslateOptions>();
  CLI::App* cmd = app.add_subcommand("translate", "Decode one input with a seq2seq checkpoint");
  cmd->add_option("--ckpt,--checkpoint", o->checkpoint, "Checkpoint (.safetensors)")->required();
  cmd->add_option("--beam", o->beam, "Beam width (1 = greedy)")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--prefix", o->prefix,
                  "Output tokens the decoder must start with (words or characters, as the target side is); greedy "
                  "and beam decoding continue from them")
      ->check([](const std::string& v) { return v.find_first_not_of(" \t") == std::string::npos ? "empty (give the first output tokens)" : ""; });
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->add_option("input", o->input, "Source text")->required();
  cmd->callback([o] {
    auto job = Seq2SeqJob::Load(o->checkpoint, nullptr);
    const Translation t = job->Translate(o->input, o->beam, o->prefix);
    if (o->json) {
      nlohmann::json j = {{"output", t.output}, {"source_tokens", t.source_tokens},
                          {"output_tokens", t.output_tokens}, {"beam_outputs", t.beam_outputs},
                          {"beam_scores", t.beam_scores}};
      j["attention"] = nlohmann::json::array();
      for (Eigen::Index i = 0; i < t.attention.rows(); ++i) {
        std::vector<float> row(static_cast<std::size_t>(t.attention.cols()));
        for (Eigen::Index k = 0; k < t.attention.cols(); ++k) row[static_cast<std::size_t>(k)] = t.attention(i, k);
        j["attention"].push_back(row);
      }
      std::printf("%s\n", j.dump().c_str());
      return;
    }
    std::printf("%s\n", t.output.c_str());
    if (!o->prefix.empty()) std::printf("(forced prefix: %s)\n", o->prefix.c_str());
    if (t.beam_outputs.size() > 1) {
      std::printf("\nbeam (score = sum of log-probabilities):\n");
      for (std::size_t i = 0; i < t.beam_outputs.size(); ++i)
        std::printf("  %8.3f  %s\n", static_cast<double>(t.beam_scores[i]), t.beam_outputs[i].c_str());
    }
    if (t.attention.size() == 0) return;
    // Rows: output tokens; columns: source tokens. Weights in percent.
    // Columns as wide as their token (word-level tasks) and at least 4; the row labels as wide
    // as the longest output token.
    auto shown = [](const std::string& s) { return s == "<eos>" ? std::string("eos") : s == " " ? std::string("_") : s; };
    int label = 3;
    for (const auto& y : t.output_tokens) label = std::max(label, static_cast<int>(shown(y).size()));
    std::vector<int> width;
    std::printf("\nattention (%%, rows = output, columns = source):\n%*s", label, "");
    for (const auto& s : t.source_tokens) {
      width.push_back(std::max(4, static_cast<int>(shown(s).size()) + 1));
      std::printf("%*s", width.back(), shown(s).c_str());
    }
    std::printf("\n");
    for (Eigen::Index i = 0; i < t.attention.rows(); ++i) {
      std::printf("%*s", label, shown(t.output_tokens[static_cast<std::size_t>(i)]).c_str());
      for (Eigen::Index k = 0; k < t.attention.cols(); ++k)
        std::printf("%*d", width[static_cast<std::size_t>(k)], static_cast<int>(std::lround(100.0f * t.attention(i, k))));
      std::printf("\n");
    }
  });
}

}  // namespace rnnscope
