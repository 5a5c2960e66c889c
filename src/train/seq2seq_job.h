// The seq2seq training job (copy, reverse, sort, add, dates): implements Job for the trainer
// thread and the CLI, plus evaluation with the task's ground truth and beam-search translation.
//
// GUI/CLI use: MakeSeq2SeqJob(task, options) → Job; drive it with Step/FillSnapshot like any job.
// FillSnapshot fills Snapshot::attention (greedy decodes of validation examples with their
// (T_out, T_src) weights; the first also carries the beam's outputs and scores) and
// Snapshot::layers: encoder layers at index l*D + d (reverse direction in source time order),
// then the decoder as layer `encoder_layers`, direction 0, over the output steps.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "io/safetensors.h"
#include "model/pytorch_layout.h"
#include "model/seq2seq.h"
#include "tasks/seq2seq_task.h"
#include "train/training_job.h"

namespace rnnscope {

struct Seq2SeqJobOptions {
  Seq2SeqConfig model;      // vocabulary sizes are filled from the task
  TaskOptions task_options;
  uint64_t seed = 1;
  int beam_width = 4;       // for the snapshot's beam display
};

// Defaults that reach the targets on reverse and dates (see the report / README).
Seq2SeqJobOptions DefaultSeq2SeqOptions(const std::string& task);

struct LengthBucket {
  int length = 0;  // source length in tokens (without <eos>)
  int count = 0;
  int correct = 0;
  double SequenceAccuracy() const { return count ? static_cast<double>(correct) / count : 0.0; }
};

struct Seq2SeqMetrics {
  int examples = 0;
  double token_accuracy = 0;     // position-wise, over target tokens incl. <eos>
  double sequence_accuracy = 0;  // exact match incl. <eos>
  double bleu = 0;               // corpus BLEU-4 over target tokens (add-one smoothing for n>1)
  bool has_alignment = false;
  double alignment_accuracy = 0;  // argmax of each attention row inside the ground-truth span
  std::vector<LengthBucket> by_length;
  std::string note;  // the split borrowed training examples (Seq2SeqTask::SplitNote)
  nlohmann::json ToJson(bool by_length) const;
};

struct Translation {
  std::string output;
  std::vector<std::string> source_tokens, output_tokens;
  MatF attention;  // (T_out, T_src incl. <eos>)
  std::vector<std::string> beam_outputs;
  std::vector<float> beam_scores;
};

struct Seq2SeqImport;  // below

class Seq2SeqJob : public TrainingJob {
 public:
  Seq2SeqJob(const std::string& task, const Seq2SeqJobOptions& options);
  // Over a task already built (and the identity of the file it read); `validation` empty: the
  // 256 fixed validation examples are drawn with the seed, as the first constructor does.
  Seq2SeqJob(std::shared_ptr<const Seq2SeqTask> task, const Seq2SeqJobOptions& options, const DataIdentity& data,
             std::vector<Seq2SeqExample> validation = {});

  std::string Task() const override { return task_->Name(); }
  const ModelConfig& Model() const override { return display_config_; }
  RunningModel Describe() const override;
  float ValidationLoss() override;
  std::string ValidationScope() const override;
  void FillSnapshot(const std::string& probe, const TrainSettings& settings, Snapshot& out) override;
  // Encoder unit clamps/gate pins (layer = encoder layer) and attention row overrides; false
  // when one cannot apply (a unit intervention on the decoder, an attention row without
  // attention) — the others still do.
  bool SetInterventions(const std::vector<Intervention>& interventions) override;
  bool SetDecoderPrefix(const std::string& tokens) override;

  static std::unique_ptr<Seq2SeqJob> Load(const std::string& path, TrainSettings* settings_out);
  // From a checkpoint's tensors and (version 2) metadata (LoadJobFrom, job_factory.cpp).
  // `donor` (may be null): a running job whose task is shared when it is the same (time travel).
  static std::unique_ptr<Seq2SeqJob> LoadFrom(const TensorFile& file, const nlohmann::json& meta, const Job* donor,
                                              TrainSettings* settings_out);
  // Greedy decoding of n examples of `split` (seeded: the same examples every call).
  Seq2SeqMetrics Evaluate(Split split, int n, uint64_t seed = 12345) const;
  // `prefix` (may be empty): output tokens the decoder is forced to start with (Beam's prefix).
  Translation Translate(const std::string& text, int beam_width, const std::string& prefix = {}) const;

  const Seq2SeqModel<float>& model() const { return model_; }
  const Seq2SeqTask& task() const { return *task_; }

 private:
  friend std::unique_ptr<Seq2SeqJob> ImportSeq2SeqJob(const Seq2SeqImport& in);
  // Immutable once built: a job restored by time travel shares it (LoadFrom's donor) rather
  // than re-reading a data file.
  std::shared_ptr<const Seq2SeqTask> task_;
  Seq2SeqJobOptions options_;
  Seq2SeqModel<float> model_;
  ModelConfig display_config_;
  Rng rng_;
  Seq2SeqPass<float> pass_;
  std::vector<Seq2SeqExample> validation_;
  std::vector<Intervention> interventions_;  // model/intervention.h; pass_ holds the training ones
  Seq2SeqInterventions probe_interventions_;  // resolved for the probe (FillSnapshot)
  std::vector<int32_t> decoder_prefix_;       // forced start of the probe's decoding (SetDecoderPrefix)
  std::string decoder_prefix_text_;
  // An imported model's: the file's names (saved as definition.source_layout), the file, the
  // vocabulary files, and what matched what.
  std::optional<PyTorchLayout> source_layout_;
  std::string imported_from_, source_vocab_path_, target_vocab_path_;
  std::vector<std::string> import_report_;

  float ForwardBackward(const TrainSettings& settings, int64_t& tokens) override;
  nlohmann::json Definition() const override;
  nlohmann::json TrainingState(TensorFile& file) const override;
};

// A seq2seq-with-attention PyTorch state_dict (model/seq2seq_pytorch_layouts.h: the tutorial's
// EncoderRNN + AttnDecoderRNN or d2l's Seq2SeqEncoder + Seq2SeqAttentionDecoder, one file) with
// its two vocabularies and training pairs (MakeVocabPairsTask): the task kImportedSeq2SeqTask.
// The config comes from the shapes, the special ids from the target vocabulary, the weights are
// the file's; checkpoints keep the layout (definition.source_layout), so an export writes the
// file's own names again (train/checkpoint.h ExportModel).
inline constexpr const char* kImportedSeq2SeqTask = "seq2seq_weights";
struct Seq2SeqImport {
  std::string weights_path, source_vocab_path, target_vocab_path, pairs_path;
  LayoutOptions layout;  // --layout, --map
  uint64_t seed = 1;
  int beam_width = 4;
};
std::unique_ptr<Seq2SeqJob> ImportSeq2SeqJob(const Seq2SeqImport& in);

// The factory the `train` command and the GUI call. `overrides` (may be null) is a JSON object
// of Seq2SeqConfig / task keys applied over the task's defaults, e.g. {"attention": "none"}.
std::unique_ptr<Job> MakeSeq2SeqJob(const std::string& task, const nlohmann::json* overrides = nullptr,
                                    uint64_t seed = 1);
Seq2SeqJobOptions Seq2SeqOptionsFromJson(const std::string& task, const nlohmann::json& overrides);

}  // namespace rnnscope
