#include "cli/model_flags.h"

#include <CLI/CLI.hpp>

#include "model/cell_kind.h"
#include "model/model_config.h"
#include "train/settings_json.h"

namespace rnnscope {

void AddModelFlags(CLI::App& cmd, JobSpec& spec) {
  spec.model.hidden = 128;
  spec.model.layers = 1;
  cmd.add_option("--task", spec.task, "Task: charlm; seq2seq copy, reverse, sort, add, dates, tsv; tagging slots, conll; classification brackets, majority; generation spell, numbers")->capture_default_str();
  cmd.add_option("--text", spec.text_path, "UTF-8 text file for charlm (default: built-in corpus)");
  cmd.add_option("--weights", spec.weights_path,
                 "charlm from a PyTorch state_dict (safetensors: embedding?, rnn, fc); needs --vocab")
      ->check(CLI::ExistingFile);
  cmd.add_option("--vocab", spec.vocab_path, "the --weights model's vocabulary: JSON list of tokens")
      ->check(CLI::ExistingFile);
  cmd.add_option_function<std::string>(
         "--cell", [&spec](const std::string& s) { spec.model.cell = ParseCellKind(s); },
         "lstm, gru, rnn_tanh, rnn_relu, jordan (default lstm)");
  cmd.add_option("--hidden", spec.model.hidden, "Hidden units H")->capture_default_str()
      ->check(CLI::Range(1, kMaxHidden));
  cmd.add_option("--layers", spec.model.layers, "Stacked layers")->capture_default_str()
      ->check(CLI::Range(1, kMaxLayers));
  cmd.add_option("--embed", spec.model.embed, "Embedding width (0 = one-hot input)")->capture_default_str()
      ->check(CLI::Range(0, kMaxEmbed));
  cmd.add_flag("--bidirectional", spec.model.bidirectional, "Bidirectional layers");
  cmd.add_flag("--peephole", spec.model.peephole, "LSTM peephole connections");
  cmd.add_option("--attention", spec.attention, "seq2seq attention: none, additive, dot, general")->capture_default_str();
  cmd.add_option("--data", spec.data_path,
                 "conll: 'token<TAB>tag' per line, blank line between sentences; tsv: 'source<TAB>target' per line");
  cmd.add_option("--tags", spec.tags, "slots: tag scheme bio or plain")->capture_default_str()
      ->check(CLI::IsMember({"bio", "plain"}));
  cmd.add_option("--readout", spec.readout, "brackets/majority (N→1): classify from the last state or the mean of all states")
      ->capture_default_str()->check(CLI::IsMember({"last", "mean"}));
  cmd.add_option("--condition", spec.condition, "spell, numbers (1→N): feed the class at the first step only or at every step")
      ->capture_default_str()->check(CLI::IsMember({"first", "every"}));
  TrainSettings& s = spec.settings;
  cmd.add_option("--optimizer", s.optimizer, "sgd, momentum, adagrad, adam")->capture_default_str();
  cmd.add_option("--lr", s.learning_rate, "Learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  cmd.add_option("--momentum", s.momentum, "Momentum (SGD) or beta1 (Adam)")->capture_default_str()
      ->check(CLI::Range(0.0, 0.9999));
  cmd.add_option("--weight-decay", s.weight_decay, "L2 weight decay")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--clip-mode", s.clip_mode, "none, value (±clip), norm (global L2)")->capture_default_str()
      ->check(CLI::IsMember({"none", "value", "norm"}));
  cmd.add_option("--clip", s.clip, "Clip threshold")->capture_default_str()->check(CLI::PositiveNumber);
  cmd.add_option("--batch", s.batch, "Sequences per batch")->capture_default_str()->check(CLI::Range(1, kMaxBatchSize));
  cmd.add_option("--seq-len", s.seq_len, "Timesteps per chunk (truncated BPTT length)")->capture_default_str()
      ->check(CLI::Range(1, kMaxSequenceLength));
  cmd.add_flag("!--random-batches", s.sequential,
               "Random windows with state reset instead of sequential chunks with carried state");
  cmd.add_option("--seed", s.seed, "Random seed (weights, data, batches)")->capture_default_str();
  cmd.add_option("--temperature", s.temperature, "Sampling temperature")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--teacher-forcing", s.teacher_forcing, "seq2seq teacher forcing ratio")->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
}

}  // namespace rnnscope
