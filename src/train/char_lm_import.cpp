// CharLmJob built from a PyTorch model: a safetensors state_dict of the documented shape
// (io/model_io.h: embedding?, rnn, fc) plus its vocabulary (a JSON list of tokens, id =
// position). Every panel and the probe then inspect the user's own weights; training on a
// given text (or the built-in corpus) is optional and continues from them.
#include <algorithm>

#include "core/error.h"
#include "model/model_io.h"
#include "io/safetensors.h"
#include "io/tensor_file_reader.h"
#include "tasks/procedural_corpus.h"
#include "tasks/text_corpus.h"
#include "train/char_lm_job.h"
#include "train/settings_json.h"

namespace rnnscope {

namespace {

// The cell from the shapes: weight_hh_l0 is (G·H, H) with G = 4 (LSTM), 3 (GRU), 1 (RNN);
// weight_hy marks rnnscope's Jordan cell. tanh and relu RNNs look alike: `hint` decides.
CellKind GuessCellKind(const TensorFile& file, CellKind hint) {
  if (file.Has("rnn.weight_hy_l0")) return CellKind::kJordan;
  if (!file.Has("rnn.weight_hh_l0"))
    throw InputError(file.source + ": missing tensor 'rnn.weight_hh_l0' (expected the state_dict of a "
                     "module with embedding (optional), rnn (nn.RNN/GRU/LSTM) and fc (nn.Linear))");
  const NamedTensor& hh = file.Get("rnn.weight_hh_l0");
  if (hh.shape.size() != 2 || hh.shape[1] <= 0 || hh.shape[0] % hh.shape[1] != 0)
    throw ShapeError(file.source + ": tensor 'rnn.weight_hh_l0' should be [gates x hidden, hidden]");
  switch (hh.shape[0] / hh.shape[1]) {
    case 4: return CellKind::kLstm;
    case 3: return CellKind::kGru;
    case 1: return hint == CellKind::kRnnRelu ? CellKind::kRnnRelu : CellKind::kRnnTanh;
    default:
      throw ShapeError(file.source + ": tensor 'rnn.weight_hh_l0' has " + std::to_string(hh.shape[0]) +
                       " rows for hidden " + std::to_string(hh.shape[1]) +
                       "; expected 4x (LSTM), 3x (GRU) or 1x (RNN) the hidden size");
  }
}

}  // namespace

void CharLmJob::InitFromPyTorch(const JobSpec& spec) {
  if (spec.vocab_path.empty())
    throw ConfigError(spec.weights_path + ": a PyTorch model needs its vocabulary (--vocab, a JSON list of tokens)");
  auto corpus = std::make_shared<CharLmCorpus>();
  corpus->vocab = Vocab::Load(spec.vocab_path);
  const Vocab& vocab = corpus->vocab;
  const TensorFile file = ReadTensorFile(spec.weights_path);
  ModelConfig config = InferModelConfig(file, GuessCellKind(file, spec.model.cell));
  if (config.vocab != vocab.Size())
    throw ShapeError(spec.weights_path + ": fc.weight has " + std::to_string(config.vocab) +
                     " rows (the model's vocabulary) but " + spec.vocab_path + " lists " +
                     std::to_string(vocab.Size()) + " tokens; expected one row per token");
  model_ = RnnModel<float>(config, spec.settings.seed);
  LoadModelParams(file, config, model_.params);
  spec_.model = config;

  // Text to probe and (optionally) train on, encoded with the model's own vocabulary:
  // characters it does not know are skipped.
  TextCorpus text;
  if (spec.text_path.empty()) {
    ProceduralCorpusOptions options;
    options.seed = spec.settings.seed;
    text = MakeProceduralTextCorpus(GenerateProceduralCorpus(options), spec.settings.seed);
  } else {
    text = LoadTextCorpus(spec.text_path);
  }
  auto recode = [&](const std::vector<int32_t>& ids) {
    return vocab.Encode(text.vocab.Decode(ids), UnknownPolicy::kSkip);
  };
  corpus->source = spec.text_path.empty() ? std::string("built-in corpus") : text.source;
  corpus->train = recode(text.train);
  corpus->validation = recode(text.validation);
  const std::size_t kept = corpus->train.size() + corpus->validation.size();
  const std::size_t total = text.train.size() + text.validation.size();
  const bool too_few = corpus->validation.size() < 2 || corpus->train.size() < static_cast<std::size_t>(spec.settings.seq_len + 2);
  corpus_ = std::move(corpus);
  data_ = DataIdentity::Of(spec.text_path);
  if (too_few)
    throw InputError(text.source + ": only " + std::to_string(kept) + " of " + std::to_string(total) +
                     " characters are in " + spec.vocab_path + "; give a text in the model's alphabet");
}

}  // namespace rnnscope
