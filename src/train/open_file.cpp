#include "train/open_file.h"

#include <filesystem>

#include "core/error.h"

namespace rnnscope {

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

std::string VocabularyBeside(const std::string& model_path) {
  std::filesystem::path p(model_path);
  p.replace_extension(".vocab.json");
  return p.string();
}

JobSpec SpecForFile(const std::string& path, FileKind kind, const JobSpec& base) {
  JobSpec spec = base;
  const std::string abs = AbsolutePath(path);
  spec.text_path.clear();
  spec.data_path.clear();
  spec.weights_path.clear();
  spec.vocab_path.clear();
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
    for (const char* field : {"text", "data", "weights", "vocab"}) spec.given->erase(field);
    if (!spec.text_path.empty()) spec.given->insert("text");
    if (!spec.data_path.empty()) spec.given->insert("data");
    if (!spec.weights_path.empty()) spec.given->insert("weights");
    if (!spec.vocab_path.empty()) spec.given->insert("vocab");
  }
  return spec;
}

}  // namespace rnnscope
