// Configuration and parameter layout of the three single-network structure types (the fourth,
// N→M, is model/seq2seq.h):
//   tagger      N→N  embedding → recurrent stack (uni/bidirectional) → fc at every token
//   classifier  N→1  embedding → recurrent stack → readout (last state | mean of states) → fc
//   generator   1→N  [class one-hot ; emb(y_{t-1})] → recurrent stack → fc over the vocabulary
//
// All three keep their weights in a ModelParams<S> under PyTorch names (embedding.weight,
// rnn.*, fc.*) so that checkpoints (io/checkpoint.h), ParamRefs, the shared Optimizer and
// ClipGradients apply unchanged. What differs from the char LM's layout:
//   fc.weight (K, D*H) with K = tags or classes (tagger, classifier); (V, H) for the generator
//   rnn.weight_ih_l0 (G*H, K+E) for the generator: the class one-hot then the token embedding
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "model/model_config.h"
#include "model/params.h"

namespace rnnscope {

enum class StructureKind { kTagger, kClassifier, kGenerator };
enum class Readout { kLast, kMean };        // classifier: final states | mean over real tokens
enum class Condition { kFirst, kEvery };    // generator: class fed at step 0 only | every step

std::string StructureName(StructureKind kind);   // "tagger", "classifier", "generator"
StructureKind ParseStructureKind(const std::string& name);
std::string ReadoutName(Readout r);
Readout ParseReadout(const std::string& name);   // "last", "mean"; throws ConfigError
std::string ConditionName(Condition c);
Condition ParseCondition(const std::string& name);  // "first", "every"; throws ConfigError

struct StructureConfig {
  StructureKind kind = StructureKind::kTagger;
  ModelConfig rnn;   // vocab = input tokens (generator: output tokens incl. <pad>/<sos>/<eos>)
  int classes = 2;   // K: tags (tagger), classes (classifier), conditioning classes (generator)
  Readout readout = Readout::kLast;
  Condition condition = Condition::kFirst;

  int OutputSize() const { return kind == StructureKind::kGenerator ? rnn.vocab : classes; }
  int InputSize() const { return kind == StructureKind::kGenerator ? classes + rnn.embed : rnn.embed; }
  // Throws ConfigError: embed ≥ 1, classes in [2, 4096], generator unidirectional.
  void Validate() const;
};

nlohmann::json ToJson(const StructureConfig& config);
StructureConfig StructureConfigFromJson(const nlohmann::json& j);  // throws InputError

// Every tensor at its shape, zero-filled.
template <class S>
void AllocateStructureParams(const StructureConfig& config, ModelParams<S>& params);
// PyTorch's default init (ModelParams::InitRandom) at the structure's shapes. Deterministic.
template <class S>
void InitStructureParams(const StructureConfig& config, uint64_t seed, ModelParams<S>& params);

}  // namespace rnnscope
