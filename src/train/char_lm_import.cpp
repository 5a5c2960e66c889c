// CharLmJob built from a PyTorch model: a safetensors state_dict of the documented shape
// (any layout of model/pytorch_layout.h) plus its vocabulary (a JSON list of tokens, id =
// position). Every panel and the probe then inspect the user's own weights; training on a
// given text (or the built-in corpus) is optional and continues from them.
#include <algorithm>

#include "core/error.h"
#include "model/model_io.h"
#include "model/pytorch_layout.h"
#include "io/safetensors.h"
#include "io/tensor_file_reader.h"
#include "tasks/procedural_corpus.h"
#include "tasks/text_corpus.h"
#include "train/char_lm_job.h"
#include "train/settings_json.h"

namespace rnnscope {

void CharLmJob::InitFromPyTorch(const JobSpec& spec) {
  if (spec.vocab_path.empty())
    throw ConfigError(spec.weights_path + ": a PyTorch model needs its vocabulary (--vocab, a JSON list of tokens)");
  auto corpus = std::make_shared<CharLmCorpus>();
  corpus->vocab = Vocab::Load(spec.vocab_path);
  const Vocab& vocab = corpus->vocab;
  // The cell comes from the file, or from --cell when the user gave it (nn.RNN's tanh and ReLU
  // look alike) — never from whatever model ran before.
  LayoutOptions layout_options;
  if (spec.given && spec.given->count("cell")) layout_options.cell = spec.model.cell;
  if (!spec.weights_layout.empty()) layout_options.layout = ParseLayoutName(spec.weights_layout);
  for (const std::string& m : spec.weights_map) layout_options.map.push_back(ParseMapFlag(m));
  const TensorFile original = ReadTensorFile(spec.weights_path);
  const PyTorchLayout layout = ResolveLayout(original, layout_options);
  const TensorFile file = ToCanonical(original, layout);
  const ModelConfig config = InferModelConfig(file, layout.cell);
  if (config.Classes() != config.vocab)
    throw ShapeError(spec.weights_path + ": the output layer has " + std::to_string(config.Classes()) +
                     " classes but the input vocabulary " + std::to_string(config.vocab) +
                     " tokens; a character language model predicts its own vocabulary");
  if (config.vocab != vocab.Size())
    throw ShapeError(spec.weights_path + ": fc.weight has " + std::to_string(config.vocab) +
                     " rows (the model's vocabulary) but " + spec.vocab_path + " lists " +
                     std::to_string(vocab.Size()) + " tokens; expected one row per token");
  model_ = RnnModel<float>(config, spec.settings.seed);
  LoadModelParams(file, config, model_.params);
  source_layout_ = layout;
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
