#include "cli/model_flags.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "core/error.h"
#include "io/tensor_file_reader.h"
#include "model/seq2seq_io.h"
#include "model/cell_kind.h"
#include "model/model_config.h"
#include "train/settings_json.h"
#include "train/task_registry.h"

namespace rnnscope {

// CLI::PositiveNumber / NonNegativeNumber print their range as "0 to 1.797...e308" in full:
// 300 digits to say "> 0".
const CLI::Validator& AboveZero() {
  static const CLI::Validator v(
      [](std::string& value) -> std::string {
        double x = 0;
        if (!CLI::detail::lexical_cast(value, x)) return "Value " + value + " is not a number";
        return x > 0 && std::isfinite(x) ? std::string() : "Value " + value + " must be a finite number above 0";
      },
      "> 0");
  return v;
}

const CLI::Validator& AtLeastZero() {
  static const CLI::Validator v(
      [](std::string& value) -> std::string {
        double x = 0;
        if (!CLI::detail::lexical_cast(value, x)) return "Value " + value + " is not a number";
        return x >= 0 && std::isfinite(x) ? std::string() : "Value " + value + " must be a finite number, 0 or above";
      },
      ">= 0");
  return v;
}

void AddModelFlags(CLI::App& cmd, JobSpec& spec) {
  // The model flags' defaults are the task's (task_registry.cpp), so none is shown here.
  cmd.add_option("--task", spec.task, TaskHelp())->type_name("TASK");
  cmd.add_option("--text", spec.text_path, "UTF-8 text file for charlm (default: built-in corpus)");
  cmd.add_option("--weights", spec.weights_path,
                 "charlm (or, with --task seq2seq_weights, a seq2seq with attention) from a PyTorch state_dict "
                 "(.pt or safetensors, a layout of docs/pytorch.md); needs --vocab")
      ->check(CLI::ExistingFile);
  cmd.add_option("--vocab", spec.vocab_path,
                 "the --weights model's vocabulary (seq2seq_weights: its source vocabulary): JSON list of tokens")
      ->check(CLI::ExistingFile);
  cmd.add_option("--target-vocab", spec.target_vocab_path,
                 "seq2seq_weights: the --weights model's target vocabulary, JSON list of tokens (SOS/<bos>, "
                 "EOS/<eos>, <pad>, <unk> found by name)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--layout", spec.weights_layout,
                 "the --weights file's layout: rnnscope, word_language_model or d2l (default: detected)");
  cmd.add_option("--map", spec.weights_map,
                 "old=new: rename a tensor or module of the --weights file to rnnscope's (embedding, "
                 "rnn, fc), repeatable")->take_all();
  cmd.add_option_function<std::string>(
         "--cell", [&spec](const std::string& s) { spec.model.cell = ParseCellKind(s); },
         "lstm, gru, rnn_tanh, rnn_relu, jordan (default: the task's; charlm lstm, others gru)");
  cmd.add_option("--hidden", spec.model.hidden, "Hidden units H (default: the task's; charlm 128, others 64)")
      ->check(CLI::Range(1, kMaxHidden));
  cmd.add_option("--layers", spec.model.layers, "Stacked layers (seq2seq: encoder layers; default 1)")
      ->check(CLI::Range(1, kMaxLayers));
  cmd.add_option("--embed", spec.model.embed, "Embedding width (charlm: 0 = one-hot, its default; others 32)")
      ->check(CLI::Range(0, kMaxEmbed));
  cmd.add_flag("--bidirectional,!--no-bidirectional", spec.model.bidirectional,
               "Bidirectional layers (seq2seq encoders are by default; not for charlm or generation)");
  cmd.add_flag("--peephole", spec.model.peephole, "LSTM peephole connections");
  cmd.add_option("--attention", spec.attention, "seq2seq attention: none, additive (default), dot, general")
      ->check(CLI::IsMember({"none", "additive", "dot", "general"}));
  cmd.add_option("--data", spec.data_path,
                 "conll: 'token<TAB>tag' per line, blank line between sentences; tsv: 'source<TAB>target' per line");
  cmd.add_option("--tags", spec.tags, "slots: tag scheme bio or plain")->capture_default_str()
      ->check(CLI::IsMember({"bio", "plain"}));
  cmd.add_option("--readout", spec.readout, "brackets/majority (N→1): classify from the last state or the mean of all states")
      ->capture_default_str()->check(CLI::IsMember({"last", "mean"}));
  cmd.add_option("--condition", spec.condition, "spell, numbers (1→N): feed the class at the first step only or at every step")
      ->capture_default_str()->check(CLI::IsMember({"first", "every"}));
  // Which of them the user gave: those apply, every other field takes the task's default
  // (MakeJob → ResolveSpec refuses a given one the task does not use).
  cmd.parse_complete_callback([&cmd, &spec] { RecordGivenFlags(cmd, spec); });
  TrainSettings& s = spec.settings;
  cmd.add_option("--optimizer", s.optimizer, "sgd, momentum, adagrad, adam")->capture_default_str();
  cmd.add_option("--lr", s.learning_rate, "Learning rate")->capture_default_str()->check(AboveZero());
  cmd.add_option("--momentum", s.momentum, "Momentum (SGD) or beta1 (Adam)")->capture_default_str()
      ->check(CLI::Range(0.0, 0.9999));
  cmd.add_option("--weight-decay", s.weight_decay, "L2 weight decay")->capture_default_str()
      ->check(AtLeastZero());
  cmd.add_option("--clip-mode", s.clip_mode, "none, value (±clip), norm (global L2)")->capture_default_str()
      ->check(CLI::IsMember({"none", "value", "norm"}));
  cmd.add_option("--clip", s.clip, "Clip threshold")->capture_default_str()->check(AboveZero());
  cmd.add_option("--batch", s.batch, "Sequences per batch")->capture_default_str()->check(CLI::Range(1, kMaxBatchSize));
  cmd.add_option("--seq-len", s.seq_len, "Timesteps per chunk (truncated BPTT length)")->capture_default_str()
      ->check(CLI::Range(1, kMaxSequenceLength));
  cmd.add_flag("!--random-batches", s.sequential,
               "Random windows with state reset instead of sequential chunks with carried state");
  cmd.add_option("--seed", s.seed, "Random seed (weights, data, batches)")->capture_default_str();
  cmd.add_option("--temperature", s.temperature, "Sampling temperature")->capture_default_str()
      ->check(AboveZero());
  cmd.add_option("--teacher-forcing", s.teacher_forcing, "seq2seq teacher forcing ratio")->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--dropout", s.dropout,
                 "Dropout rate on the embedding, between layers and before the output layer (char LM, tagging, "
                 "classification; "
                 "off for validation, the probe and sampling)")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            char* end = nullptr;
            const double p = std::strtod(value.c_str(), &end);
            if (end == value.c_str() || *end != '\0' || !(p >= 0.0 && p <= 0.95))
              return "Value " + value + " must be a rate from 0 to 0.95 (the fraction of units dropped)";
            return "";
          },
          "RATE in [0, 0.95]"));
  // Learning-rate schedules (train/lr_schedule.h); --lr is the base rate. ValidateSettings
  // checks the combination (lr-min below lr, lr-total after warm-up).
  cmd.add_option("--lr-schedule", s.lr_schedule,
                 "constant, step (×lr-gamma every lr-step steps), plateau (÷lr-factor when validation "
                 "stops improving), cosine (linear warm-up, cosine down to lr-min at lr-total)")
      ->capture_default_str()->check(CLI::IsMember({"constant", "step", "plateau", "cosine"}));
  cmd.add_option("--lr-step", s.lr_step, "step schedule: steps between decays; plateau: steps between the validations it decides on")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--lr-gamma", s.lr_gamma, "step schedule: factor in (0, 1] applied every lr-step steps")
      ->capture_default_str()->check(AboveZero());
  cmd.add_option("--lr-patience", s.lr_patience,
                 "plateau schedule: evaluations without improvement tolerated before dividing (0: the first)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd.add_option("--lr-factor", s.lr_factor, "plateau schedule: divide the rate by this (> 1)")
      ->capture_default_str()->check(AboveZero());
  cmd.add_option("--lr-warmup", s.lr_warmup, "cosine schedule: linear warm-up steps")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--lr-total", s.lr_total, "cosine schedule: the step where the rate reaches lr-min")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd.add_option("--lr-min", s.lr_min, "plateau: the lowest rate; cosine: the final rate (> 0)")
      ->capture_default_str()->check(AboveZero());
}

void RecordGivenFlags(const CLI::App& cmd, JobSpec& spec) {
  std::set<std::string> given;
  for (const std::string& field : ModelFieldNames()) {
    const std::string flag = "--" + field;
    // --no-bidirectional is the same option as --bidirectional, so one count covers both.
    if (cmd.get_option_no_throw(flag) != nullptr && cmd.count(flag) > 0) given.insert(field);
  }
  spec.given = std::move(given);
}

const std::vector<std::string>& ModelFlagNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out = {"--task"};
    for (const std::string& field : ModelFieldNames())
      // Settings, not the model: they may change on --resume.
      if (field != "teacher-forcing" && field != "dropout") out.push_back("--" + field);
    return out;
  }();
  return names;
}

namespace {
std::string Shown(float x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(x));
  return buf;
}
std::string Shown(int x) { return std::to_string(x); }
std::string Shown(uint64_t x) { return std::to_string(x); }
std::string Shown(bool sequential) { return sequential ? "sequential" : "random-batches"; }
std::string Shown(const std::string& x) { return x; }

// One row per setting flag: its name and the field of TrainSettings it sets.
template <class F>
void ForEachSettingFlag(F&& f) {
  f("--optimizer", &TrainSettings::optimizer);
  f("--lr", &TrainSettings::learning_rate);
  f("--momentum", &TrainSettings::momentum);
  f("--weight-decay", &TrainSettings::weight_decay);
  f("--clip-mode", &TrainSettings::clip_mode);
  f("--clip", &TrainSettings::clip);
  f("--batch", &TrainSettings::batch);
  f("--seq-len", &TrainSettings::seq_len);
  f("--random-batches", &TrainSettings::sequential);
  f("--seed", &TrainSettings::seed);
  f("--temperature", &TrainSettings::temperature);
  f("--teacher-forcing", &TrainSettings::teacher_forcing);
  f("--dropout", &TrainSettings::dropout);
  f("--lr-schedule", &TrainSettings::lr_schedule);
  f("--lr-step", &TrainSettings::lr_step);
  f("--lr-gamma", &TrainSettings::lr_gamma);
  f("--lr-patience", &TrainSettings::lr_patience);
  f("--lr-factor", &TrainSettings::lr_factor);
  f("--lr-warmup", &TrainSettings::lr_warmup);
  f("--lr-total", &TrainSettings::lr_total);
  f("--lr-min", &TrainSettings::lr_min);
}
}  // namespace

const std::vector<std::string>& SettingFlagNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    ForEachSettingFlag([&](const char* flag, auto) { out.emplace_back(flag); });
    return out;
  }();
  return names;
}

std::string OverrideGivenSettings(const CLI::App& cmd, const TrainSettings& given, TrainSettings& settings) {
  std::string note;
  ForEachSettingFlag([&](const char* flag, auto field) {
    if (cmd.count(flag) == 0 || settings.*field == given.*field) return;
    note += std::string(note.empty() ? "" : ", ") + (flag + 2) + " " + Shown(settings.*field) + " → " +
            Shown(given.*field);
    settings.*field = given.*field;
  });
  return note;
}

LayoutOptions LayoutFlags::Options() const {
  LayoutOptions o;
  if (!cell.empty()) o.cell = ParseCellKind(cell);
  if (!layout.empty()) o.layout = ParseLayoutName(layout);
  for (const std::string& m : map) o.map.push_back(ParseMapFlag(m));
  return o;
}

void AddLayoutFlags(CLI::App& cmd, LayoutFlags& flags) {
  cmd.add_option("--cell", flags.cell,
                 "lstm, gru, rnn_tanh, rnn_relu or jordan (default: from the shapes; nn.RNN is "
                 "assumed tanh)");
  cmd.add_option("--layout", flags.layout,
                 "rnnscope, word_language_model, d2l, pytorch_tutorial or d2l_seq2seq (default: detected from the names and shapes)");
  cmd.add_option("--map", flags.map,
                 "old=new: rename a tensor or module of the file to rnnscope's (embedding, rnn, "
                 "fc), repeatable")->take_all();
}

OpenedWeights OpenPyTorchWeights(const std::vector<std::string>& paths, const LayoutOptions& options) {
  std::vector<TensorFile> files;
  for (const std::string& path : paths) files.push_back(ReadTensorFile(path));
  OpenedWeights opened;
  std::vector<std::string> report;
  if (LooksLikeSeq2Seq(files, options)) {
    if (options.cell && *options.cell != CellKind::kGru)
      throw ConfigError("--cell " + std::string(CellName(*options.cell)) +
                        ": the seq2seq layouts are GRUs (drop --cell)");
    const TensorFile merged = MergeEncoderDecoder(files, report);
    opened.seq2seq = ResolveSeq2SeqLayout(merged, options);
    report.insert(report.end(), opened.seq2seq->report.begin(), opened.seq2seq->report.end());
    opened.canonical = ToCanonical(merged, *opened.seq2seq);
  } else {
    opened.layout = ResolveLayout(files[0], options);
    report = opened.layout.report;
    opened.canonical = ToCanonical(files[0], opened.layout);
  }
  std::string names;
  for (const std::string& path : paths) names += (names.empty() ? "" : " + ") + path;
  std::printf("%s:\n", names.c_str());
  for (const std::string& line : report) std::printf("  %s\n", line.c_str());
  return opened;
}

namespace {
// --readout chooses how an N→1 classifier reads its states; a seq2seq model has no readout.
void CheckReadout(const OpenedWeights& opened, Readout readout) {
  if (opened.seq2seq && readout != Readout::kLast)
    throw ConfigError("--readout " + ReadoutName(readout) +
                      " is for N→1 classifiers; these weights are a seq2seq model (its decoder reads every step)");
}
}  // namespace

TensorFile GradientsOf(const OpenedWeights& opened, const TensorFile& batch, FloatDtype dtype, Readout readout) {
  CheckReadout(opened, readout);
  if (opened.seq2seq) return ComputeSeq2SeqGradients(opened.canonical, *opened.seq2seq, batch, dtype);
  return GradientsToFile(ComputeGradients(opened.canonical, batch, opened.layout.cell, dtype, readout), opened.layout);
}

TensorFile TraceOf(const OpenedWeights& opened, const TensorFile& batch, FloatDtype dtype, Readout readout) {
  CheckReadout(opened, readout);
  if (opened.seq2seq) return ComputeSeq2SeqTrace(opened.canonical, *opened.seq2seq, batch, dtype);
  return ComputeTrace(opened.canonical, batch, opened.layout.cell, dtype, readout);
}

}  // namespace rnnscope
