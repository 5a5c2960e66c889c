// Seq2SeqJob from a seq2seq-with-attention PyTorch state_dict (ImportSeq2SeqJob, seq2seq_job.h):
// the same layout resolution as `rnnscope grad`/`trace` (model/seq2seq_pytorch_layouts.h), the
// vocabularies checked against the embeddings, the file's tensors as the job's parameters.
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/error.h"
#include "io/tensor_file_reader.h"
#include "model/seq2seq_pytorch_layouts.h"
#include "train/seq2seq_job.h"

namespace rnnscope {

std::unique_ptr<Seq2SeqJob> ImportSeq2SeqJob(const Seq2SeqImport& in) {
  const std::string& w = in.weights_path;
  if (in.source_vocab_path.empty() || in.target_vocab_path.empty())
    throw InputError(w + ": a seq2seq state_dict needs its source and target vocabularies (JSON lists of tokens, "
                     "id = position): --vocab SOURCE --target-vocab TARGET");
  std::vector<std::string> report;
  const TensorFile merged = MergeEncoderDecoder({ReadTensorFile(w)}, report);
  const Seq2SeqLayout layout = ResolveSeq2SeqLayout(merged, in.layout);
  const TensorFile canonical = ToCanonical(merged, layout);
  Seq2SeqParams<double> loaded;
  LoadSeq2SeqParams(canonical, layout, loaded);  // every shape and value checked, named by the file

  VocabPairsOptions v{ReadTokenList(in.source_vocab_path), ReadTokenList(in.target_vocab_path), in.source_vocab_path,
                      in.target_vocab_path, in.pairs_path};
  const Seq2SeqConfig& c = layout.config;
  for (const auto& [tokens, file, rows, tensor] :
       {std::tuple{&v.source_tokens, &in.source_vocab_path, c.source_vocab, "encoder.embedding.weight"},
        std::tuple{&v.target_tokens, &in.target_vocab_path, c.target_vocab, "decoder.embedding.weight"}})
    if (static_cast<int>(tokens->size()) != rows)
      throw ShapeError(*file + " lists " + std::to_string(tokens->size()) + " tokens, but " + w + "'s '" +
                       layout.FileName(tensor) + "' has " + std::to_string(rows) +
                       " rows (one per token); is it the model's vocabulary?");
  auto task = std::shared_ptr<const Seq2SeqTask>(MakeVocabPairsTask(kImportedSeq2SeqTask, v));

  Seq2SeqJobOptions o;
  o.model = c;
  o.task_options.data_path = in.pairs_path;
  o.seed = in.seed;
  o.beam_width = in.beam_width;
  auto job = std::make_unique<Seq2SeqJob>(task, o, DataIdentity::Of(in.pairs_path));
  // The file's tensors (F32 in, F32 kept: an export after no step gives the same bytes).
  std::vector<const Mat<double>*> from;
  loaded.ForEach([&](const std::string&, const Mat<double>& m, bool) { from.push_back(&m); });
  std::size_t i = 0;
  job->model_.params.ForEach([&](const std::string&, MatF& m, bool) { m = from.at(i++)->cast<float>(); });

  PyTorchLayout kept;
  kept.name = layout.name;
  kept.wrapper = layout.wrapper;
  kept.cell = CellKind::kGru;
  kept.to_file = layout.to_file;
  job->source_layout_ = kept;
  job->imported_from_ = w;
  job->source_vocab_path_ = in.source_vocab_path;
  job->target_vocab_path_ = in.target_vocab_path;
  job->import_report_ = report;
  job->import_report_.insert(job->import_report_.end(), layout.report.begin(), layout.report.end());
  const SymbolTable& t = task->target_vocab();
  job->import_report_.push_back(in.target_vocab_path + ": SOS = " + std::to_string(t.sos()) + ", EOS = " +
                                std::to_string(t.eos()) +
                                (t.Has("<pad>") || t.Has("PAD") ? ", pad = " + std::to_string(t.pad())
                                                                : std::string(", no pad token (sources padded with id 0)")) +
                                (t.unk() >= 0 ? ", unk = " + std::to_string(t.unk()) : std::string()));
  return job;
}

}  // namespace rnnscope
