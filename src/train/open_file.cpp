#include "train/open_file.h"

#include <filesystem>

#include "core/error.h"
#include "io/tensor_file_reader.h"
#include "model/seq2seq_pytorch_layouts.h"
#include "train/seq2seq_job.h"

namespace rnnscope {

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

std::string VocabularyBeside(const std::string& model_path, const std::string& role) {
  std::filesystem::path p(model_path);
  p.replace_extension(role.empty() ? ".vocab.json" : "." + role + ".vocab.json");
  return p.string();
}

namespace {

// The seq2seq state_dict's companions: given (flag), else beside the model, else one message
// naming the model and every file expected.
void Seq2SeqCompanions(const std::string& path, const std::string& abs, const JobSpec& base, JobSpec& spec) {
  std::filesystem::path pairs(abs);
  pairs.replace_extension(".pairs.tsv");
  struct Want {
    std::string* into;
    std::string given, beside;
    const char* flag;
    const char* what;
  };
  const Want wants[] = {
      {&spec.vocab_path, base.vocab_path, VocabularyBeside(abs, "source"), "--vocab", "source vocabulary"},
      {&spec.target_vocab_path, base.target_vocab_path, VocabularyBeside(abs, "target"), "--target-vocab",
       "target vocabulary"},
      {&spec.data_path, base.data_path, pairs.string(), "--data", "training pairs"}};
  std::string missing;
  for (const Want& w : wants) {
    std::error_code ec;
    if (!w.given.empty()) *w.into = w.given;
    else if (std::filesystem::is_regular_file(w.beside, ec)) *w.into = w.beside;
    else missing += std::string(missing.empty() ? "" : "; ") + "its " + w.what + " (none at " + w.beside + "; or " + w.flag + " FILE)";
  }
  if (!missing.empty())
    throw InputError(path + ": a seq2seq state_dict opens with its vocabularies (JSON lists of tokens, id = "
                     "position) and training pairs ('source<TAB>target' lines); missing " + missing);
}

}  // namespace

JobSpec SpecForFile(const std::string& path, FileKind kind, const JobSpec& base) {
  JobSpec spec = base;
  const std::string abs = AbsolutePath(path);
  spec.text_path.clear();
  spec.data_path.clear();
  spec.weights_path.clear();
  spec.vocab_path.clear();
  spec.target_vocab_path.clear();
  switch (kind) {
    case FileKind::kText:
      spec.task = "charlm";
      spec.text_path = abs;
      break;
    case FileKind::kTsvPairs:
      spec.task = "tsv";
      spec.data_path = abs;
      break;
    case FileKind::kConll:
      spec.task = "conll";
      spec.data_path = abs;
      break;
    case FileKind::kStateDict: {
      LayoutOptions layout;
      layout.layout = base.weights_layout;
      // A file that cannot be read as tensors is the char LM path's to refuse (it names the file
      // when the job is made), so that a vocabulary problem is still reported first.
      bool seq2seq = false;
      try {
        seq2seq = LooksLikeSeq2Seq({ReadTensorFile(abs)}, layout);
      } catch (const Error&) {
      }
      if (seq2seq) {
        spec.task = kImportedSeq2SeqTask;
        spec.weights_path = abs;
        Seq2SeqCompanions(path, abs, base, spec);
        break;
      }
      spec.task = "charlm";
      spec.weights_path = abs;
      spec.text_path = base.text_path;
      std::error_code ec;
      const std::string beside = VocabularyBeside(abs);
      if (!base.vocab_path.empty()) spec.vocab_path = base.vocab_path;
      else if (std::filesystem::is_regular_file(beside, ec)) spec.vocab_path = beside;
      else
        throw InputError(path + ": a PyTorch state_dict needs its vocabulary (a JSON list of tokens, id = position): "
                         "none at " + beside + "; give it with --vocab FILE");
      break;
    }
    case FileKind::kCheckpoint:
      throw InputError(path + ": a checkpoint opens as the run it records (LoadJob), not as a new spec");
  }
  // The task's own defaults for every model field not given (the window gives none).
  if (spec.given) {
    for (const char* field : {"text", "data", "weights", "vocab", "target-vocab"}) spec.given->erase(field);
    if (!spec.text_path.empty()) spec.given->insert("text");
    if (!spec.data_path.empty()) spec.given->insert("data");
    if (!spec.weights_path.empty()) spec.given->insert("weights");
    if (!spec.vocab_path.empty()) spec.given->insert("vocab");
    if (!spec.target_vocab_path.empty()) spec.given->insert("target-vocab");
  }
  return spec;
}

}  // namespace rnnscope
