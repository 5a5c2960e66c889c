// Contents: helpers · FloatDtype · InferModelConfig · Load/SaveModelParams · LoadTokenBatch ·
//           layout conversion (time-major ↔ batch_first) · ComputeGradients · ComputeTrace
#include "model/model_io.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/classifier.h"
#include "model/rnn_model.h"

namespace rnnscope {

// ---------------------------------------------------------------- helpers
namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string LayerSuffix(int layer, int direction) {
  return "_l" + std::to_string(layer) + (direction == 1 ? "_reverse" : "");
}

// One expected tensor of a model and why it has its shape (for error messages).
struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::string why;
};

// Every tensor a config needs, in state_dict order, without allocating anything (a config may
// describe a model far larger than the file that failed to match it).
std::vector<ExpectedTensor> ExpectedTensors(const ModelConfig& c) {
  const int64_t V = c.vocab, H = c.hidden, G = c.Gates(), D = c.Directions();
  const std::string gates = std::to_string(G) + " gates (" + [&] {
    std::string g;
    for (const std::string& n : GateNames(c.cell)) g += n;
    return g;
  }() + ") × hidden " + std::to_string(H);
  std::vector<ExpectedTensor> out;
  if (c.embed > 0) out.push_back({"embedding.weight", {V, c.embed}, "[vocab, embed]"});
  for (int l = 0; l < c.layers; ++l) {
    const std::string input =
        l > 0 ? "input = " + std::to_string(D) + " directions × hidden " + std::to_string(H)
              : c.embed > 0 ? "input = embed " + std::to_string(c.embed)
                            : "input = vocab " + std::to_string(V) + " (one-hot, no embedding)";
    for (int d = 0; d < D; ++d) {
      const std::string s = LayerSuffix(l, d);
      out.push_back({"rnn.weight_ih" + s, {G * H, c.InputSize(l)}, "rows " + gates + ", " + input});
      out.push_back({"rnn.weight_hh" + s, {G * H, H}, "rows " + gates + ", columns hidden"});
      out.push_back({"rnn.bias_ih" + s, {G * H}, gates});
      out.push_back({"rnn.bias_hh" + s, {G * H}, gates});
      if (c.peephole) out.push_back({"rnn.weight_peep" + s, {H, 3}, "[hidden, 3] (i, f, o)"});
      if (c.cell == CellKind::kJordan) {
        out.push_back({"rnn.weight_hy" + s, {H, H}, "[hidden, hidden]"});
        out.push_back({"rnn.bias_hy" + s, {H}, "[hidden]"});
      }
    }
  }
  const int64_t K = c.Classes();
  out.push_back({"fc.weight", {K, D * H}, "[classes, directions × hidden]"});
  out.push_back({"fc.bias", {K}, "[classes]"});
  return out;
}

const char* kLayoutHint =
    "expected the state_dict of a module with embedding (nn.Embedding, optional), rnn "
    "(nn.RNN/GRU/LSTM) and fc (nn.Linear): embedding.weight, rnn.weight_ih_l<k>[_reverse], "
    "rnn.weight_hh_l<k>[_reverse], rnn.bias_ih_l<k>[_reverse], rnn.bias_hh_l<k>[_reverse], "
    "fc.weight, fc.bias";

}  // namespace

// ---------------------------------------------------------------- FloatDtype
FloatDtype ParseFloatDtype(std::string_view name) {
  if (name == "f32" || name == "float32") return FloatDtype::kF32;
  if (name == "f64" || name == "float64") return FloatDtype::kF64;
  throw ConfigError("unknown dtype '" + std::string(name) + "' (expected f32 or f64)");
}

// ---------------------------------------------------------------- InferModelConfig
ModelConfig InferModelConfig(const TensorFile& file, CellKind cell, const std::string& prefix) {
  const std::string& src = file.source;
  std::map<std::string, const NamedTensor*> mine;  // names with the prefix stripped
  for (const auto& [name, t] : file.tensors)
    if (name.starts_with(prefix)) mine[name.substr(prefix.size())] = &t;
  const std::string where = prefix.empty() ? "" : " under '" + prefix + "'";
  if (mine.empty()) throw InputError(src + ": no tensors" + where + "; " + kLayoutHint);

  auto get = [&](const std::string& name, std::size_t ndim, const char* what) -> const NamedTensor& {
    auto it = mine.find(name);
    if (it == mine.end())
      throw InputError(src + ": missing tensor '" + prefix + name + "'; " + kLayoutHint);
    if (it->second->shape.size() != ndim)
      throw ShapeError(src + ": tensor '" + prefix + name + "' has shape " +
                       ShapeText(it->second->shape) + ", expected " + what);
    return *it->second;
  };

  // Which layers, directions and extras are present. Parsing the names (rather than probing
  // l0, l1, ... until one is missing) lets a gap or a stray tensor be reported precisely.
  static const std::regex kRnnName(R"(rnn\.(weight|bias)_(ih|hh|hr|peep|hy)_l(\d{1,3})(_reverse)?)");
  int layers = 0;
  bool reverse = false, peephole = false;
  for (const auto& [name, t] : mine) {
    if (name == "embedding.weight" || name == "fc.weight" || name == "fc.bias") continue;
    std::smatch m;
    if (!std::regex_match(name, m, kRnnName))
      throw InputError(src + ": unexpected tensor '" + prefix + name + "'; " + kLayoutHint);
    const std::string kind = m[2].str();
    if (kind == "hr")
      throw ShapeError(src + ": tensor '" + prefix + name +
                       "' is an LSTM projection (proj_size > 0), which rnnscope does not support");
    layers = std::max(layers, std::stoi(m[3].str()) + 1);
    reverse = reverse || m[4].matched;
    peephole = peephole || kind == "peep";
  }
  if (layers == 0)
    throw InputError(src + ": no rnn.* tensors" + where + "; " + kLayoutHint);

  ModelConfig c;
  c.cell = cell;
  c.layers = layers;
  c.bidirectional = reverse;
  c.peephole = peephole;
  const int64_t G = GateCount(cell);
  const std::string cell_name(CellName(cell));

  const NamedTensor& fc = get("fc.weight", 2, "[vocab, directions × hidden]");
  const NamedTensor& hh = get("rnn.weight_hh_l0", 2, "[gates × hidden, hidden]");
  const NamedTensor& ih = get("rnn.weight_ih_l0", 2, "[gates × hidden, input]");
  if (ih.shape[0] % G != 0)
    throw ShapeError(src + ": tensor '" + prefix + "rnn.weight_ih_l0' has " +
                     std::to_string(ih.shape[0]) + " rows, not a multiple of the " +
                     std::to_string(G) + " gates of --cell " + cell_name + " (is --cell right?)");
  const int64_t H = ih.shape[0] / G;
  if (hh.shape[0] != G * H || hh.shape[1] != H)
    throw ShapeError(src + ": tensor '" + prefix + "rnn.weight_hh_l0' has shape " +
                     ShapeText(hh.shape) + ", but weight_ih_l0's " + std::to_string(ih.shape[0]) +
                     " rows mean hidden " + std::to_string(H) + " for a " + cell_name +
                     " cell: expected " + ShapeText({G * H, H}));
  // Output classes K from fc; input vocabulary V from the embedding's rows (one-hot: V = K). K != V is a tagger (one label per token), e.g. 13 words → 4 tags.
  const int64_t K = fc.shape[0];
  int64_t V = K, E = 0;
  if (mine.count("embedding.weight")) {
    const NamedTensor& emb = get("embedding.weight", 2, "[vocab, embed]");
    V = emb.shape[0];
    E = emb.shape[1];
    if (E == 0) throw ShapeError(src + ": tensor '" + prefix + "embedding.weight' has no columns");
  } else if (ih.shape[1] != K) {
    // One-hot input (d2l): the input vocabulary is the output one; a mismatch is a wrong file
    // far more often than a one-hot tagger.
    throw ShapeError(src + ": no embedding.weight, so the input is one-hot over the vocabulary of " +
                     std::to_string(K) + " (fc.weight rows), but '" + prefix +
                     "rnn.weight_ih_l0' has " + std::to_string(ih.shape[1]) + " columns");
  }
  // Range-check before narrowing to int and before anyone allocates from these numbers.
  auto narrow = [&](int64_t v, const char* what) {
    if (v < 0 || v > std::numeric_limits<int>::max())
      throw ShapeError(src + ": " + what + " " + std::to_string(v) + " is out of range");
    return static_cast<int>(v);
  };
  c.vocab = narrow(V, "vocabulary");
  if (K != V) c.classes = narrow(K, "output classes");
  c.embed = narrow(E, "embedding width");
  c.hidden = narrow(H, "hidden size");
  try {
    c.Validate();
  } catch (const ConfigError& e) {
    throw ShapeError(src + ": the tensors describe an unsupported model: " + e.what());
  }

  // Now every tensor the config implies must exist with its exact shape, and nothing else.
  std::vector<std::string> missing;
  std::set<std::string> expected_names;
  for (const ExpectedTensor& e : ExpectedTensors(c)) {
    expected_names.insert(e.name);
    auto it = mine.find(e.name);
    if (it == mine.end()) {
      missing.push_back(prefix + e.name);
      continue;
    }
    if (it->second->shape != e.shape)
      throw ShapeError(src + ": tensor '" + prefix + e.name + "' has shape " +
                       ShapeText(it->second->shape) + ", expected " + ShapeText(e.shape) + " (" +
                       e.why + ") for a " + std::to_string(c.layers) + "-layer " +
                       (c.bidirectional ? "bidirectional " : "") + cell_name + " with hidden " +
                       std::to_string(H));
  }
  if (!missing.empty()) {
    std::string list;
    for (const std::string& n : missing) list += (list.empty() ? "" : ", ") + n;
    throw InputError(src + ": missing tensor" + (missing.size() > 1 ? "s " : " ") + list +
                     " (a " + std::to_string(c.layers) + "-layer " +
                     (c.bidirectional ? "bidirectional " : "") + cell_name +
                     " needs weight_ih, weight_hh, bias_ih and bias_hh for every layer" +
                     (c.bidirectional ? " and direction" : "") + ")");
  }
  for (const auto& [name, t] : mine)
    if (!expected_names.count(name))
      throw InputError(src + ": unexpected tensor '" + prefix + name + "' for a " + cell_name +
                       " model (peephole weights need --cell lstm, weight_hy/bias_hy --cell jordan)");
  return c;
}

// ---------------------------------------------------------------- Load/SaveModelParams
template <class S>
void LoadModelParams(const TensorFile& file, const ModelConfig& config, ModelParams<S>& params,
                     const std::string& prefix) {
  const std::string& src = file.source;
  // Shapes first, so a mismatched file fails before we allocate for the config.
  std::set<std::string> used;
  for (const ExpectedTensor& e : ExpectedTensors(config)) {
    const std::string full = prefix + e.name;
    if (!file.Has(full))
      throw InputError(src + ": missing tensor '" + full + "' (expected shape " +
                       ShapeText(e.shape) + ", " + e.why + ")");
    const NamedTensor& t = file.tensors.at(full);
    if (t.shape != e.shape)
      throw ShapeError(src + ": tensor '" + full + "' has shape " + ShapeText(t.shape) +
                       ", expected " + ShapeText(e.shape) + " (" + e.why + ")");
    if (!IsFloatDtype(t.dtype))
      throw InputError(src + ": tensor '" + full + "' has dtype " + t.dtype +
                       ", expected a float dtype (F32, F64, F16 or BF16)");
    used.insert(full);
  }
  for (const auto& [name, t] : file.tensors)
    if (name.starts_with(prefix) && !used.count(name))
      throw InputError(src + ": unexpected tensor '" + name + "' for this model; " + kLayoutHint);

  params.Allocate(config);
  params.ForEach([&](const std::string& name, Mat<S>& m, bool) {
    m = file.GetMatrix<S>(prefix + name);
    // Non-finite weights would silently poison every output; name the first one.
    for (Eigen::Index r = 0; r < m.rows(); ++r)
      for (Eigen::Index col = 0; col < m.cols(); ++col)
        if (!std::isfinite(m(r, col)))
          throw InputError(src + ": tensor '" + prefix + name + "' element [" + std::to_string(r) +
                           (m.cols() > 1 ? ", " + std::to_string(col) : std::string()) + "] is " +
                           (std::isnan(m(r, col)) ? "NaN" : "infinite") +
                           " (weights must be finite)");
  });
}

template <class S>
void SaveModelParams(const ModelParams<S>& params, TensorFile& file, FloatDtype dtype,
                     const std::string& prefix) {
  params.ForEach([&](const std::string& name, const Mat<S>& m, bool is_vector) {
    if (dtype == FloatDtype::kF32) file.SetMatrix<float>(prefix + name, m.template cast<float>(), is_vector);
    else file.SetMatrix<double>(prefix + name, m.template cast<double>(), is_vector);
  });
}

template void LoadModelParams<float>(const TensorFile&, const ModelConfig&, ModelParams<float>&,
                                     const std::string&);
template void LoadModelParams<double>(const TensorFile&, const ModelConfig&, ModelParams<double>&,
                                      const std::string&);
template void SaveModelParams<float>(const ModelParams<float>&, TensorFile&, FloatDtype,
                                     const std::string&);
template void SaveModelParams<double>(const ModelParams<double>&, TensorFile&, FloatDtype,
                                      const std::string&);

// ---------------------------------------------------------------- LoadTokenBatch
namespace {

// Reads an integer [batch, time] tensor; `like` (when non-null) is the shape it must have.
std::vector<int64_t> ReadIds(const TensorFile& file, const std::string& name,
                             const std::vector<int64_t>* like, std::vector<int64_t>& shape) {
  std::vector<int64_t> ids = file.GetInt64(name, &shape);  // InputError: missing / float dtype
  if (like && shape != *like)
    throw ShapeError(file.source + ": tensor '" + name + "' has shape " + ShapeText(shape) +
                     ", expected input_ids' shape " + ShapeText(*like));
  if (shape.size() != 2 || shape[0] < 1 || shape[1] < 1)
    throw ShapeError(file.source + ": tensor '" + name + "' has shape " + ShapeText(shape) +
                     ", expected [batch, time] (batch_first) with batch, time >= 1");
  if (shape[0] * shape[1] > std::numeric_limits<int32_t>::max())
    throw ShapeError(file.source + ": tensor '" + name + "' has too many tokens");
  return ids;
}

}  // namespace

bool IsClassifierBatch(const TensorFile& batch) { return batch.Has("label") && !batch.Has("target_ids"); }

TokenBatch LoadTokenBatch(const TensorFile& file, int vocab, bool require_targets, int classes) {
  if (classes <= 0) classes = vocab;
  std::vector<int64_t> shape, target_shape;
  const std::vector<int64_t> ids = ReadIds(file, "input_ids", nullptr, shape);
  TokenBatch batch;
  batch.B = static_cast<int>(shape[0]);
  batch.T = static_cast<int>(shape[1]);
  const std::size_t n = ids.size();
  batch.input.assign(n, 0);
  batch.target.assign(n, -1);
  // N→1 classification: `label` [batch] is the class of the whole sequence, read out from the
  // last timestep's output (PyTorch's `fc(output[:, -1])`), so it is the target at t = T-1 and
  // every other step is ignored — the same forward/backward as a language model.
  const bool classify = IsClassifierBatch(file);
  const bool has_targets = require_targets || file.Has("target_ids") || classify;
  std::vector<int64_t> targets;
  if (classify) {
    std::vector<int64_t> label_shape;
    const std::vector<int64_t> labels = file.GetInt64("label", &label_shape);
    if (label_shape != std::vector<int64_t>{shape[0]})
      throw ShapeError(file.source + ": tensor 'label' has shape " + ShapeText(label_shape) +
                       ", expected [batch] = " + ShapeText({shape[0]}) + " (input_ids is " +
                       ShapeText(shape) + ")");
    targets.assign(ids.size(), -100);
    for (int64_t b = 0; b < shape[0]; ++b)
      targets[static_cast<std::size_t>(b * shape[1] + shape[1] - 1)] = labels[static_cast<std::size_t>(b)];
  } else if (has_targets) {
    targets = ReadIds(file, "target_ids", &shape, target_shape);
  }
  auto position = [&](const char* name, int b, int t, int64_t v, int limit, const char* allowed) {
    return file.source + ": " + name + "[" + std::to_string(b) + ", " + std::to_string(t) +
           "] = " + std::to_string(v) + " is outside the " +
           (limit == vocab ? "vocabulary" : "output classes") + " [0, " + std::to_string(limit) +
           ") of the weights" + allowed;
  };
  for (int b = 0; b < batch.B; ++b) {
    for (int t = 0; t < batch.T; ++t) {
      // File: batch_first, row-major [b][t]. Ours: time-major, t*B + b.
      const std::size_t src = static_cast<std::size_t>(b) * static_cast<std::size_t>(batch.T) +
                              static_cast<std::size_t>(t);
      const std::size_t dst = static_cast<std::size_t>(t) * static_cast<std::size_t>(batch.B) +
                              static_cast<std::size_t>(b);
      const int64_t id = ids[src];
      if (id < 0 || id >= vocab) throw InputError(position("input_ids", b, t, id, vocab, ""));
      batch.input[dst] = static_cast<int32_t>(id);
      if (!has_targets) continue;
      const int64_t target = targets[src];
      if (target == -100) continue;  // PyTorch's ignore_index: stays -1
      if (target < 0 || target >= classes)
        throw InputError(position(classify ? "label" : "target_ids", b, t, target, classes,
                                  " (-100 = ignore)"));
      batch.target[dst] = static_cast<int32_t>(target);
    }
  }
  if (has_targets) {
    bool any = false;
    for (int32_t t : batch.target) any = any || t >= 0;
    // PyTorch's mean over zero positions is NaN; refuse rather than invent a value.
    if (!any)
      throw InputError(file.source + ": every target_ids position is -100 (ignored), so the mean "
                       "loss is undefined");
  }
  return batch;
}

// ---------------------------------------------------------------- layout conversion
namespace {

// (F, T*B) with column t*B + b → row-major [B, T, F], PyTorch's batch_first layout.
std::vector<double> BatchFirst(const Eigen::Ref<const MatD>& m, int T, int B) {
  const Eigen::Index F = m.rows();
  std::vector<double> out(static_cast<std::size_t>(m.size()));
  std::size_t i = 0;
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < T; ++t)
      for (Eigen::Index f = 0; f < F; ++f)
        out[i++] = m(f, static_cast<Eigen::Index>(t) * B + b);
  return out;
}

}  // namespace

void PutTensor(TensorFile& file, const std::string& name, std::vector<int64_t> shape,
               const std::vector<double>& values, FloatDtype dtype) {
  if (dtype == FloatDtype::kF64) {
    file.SetTensor<double>(name, std::move(shape), values);
  } else {
    file.SetTensor<float>(name, std::move(shape), std::vector<float>(values.begin(), values.end()));
  }
}

void PutBatchFirst(TensorFile& file, const std::string& name, const Eigen::Ref<const MatD>& m,
                   int T, int B, FloatDtype dtype) {
  PutTensor(file, name, {B, T, m.rows()}, BatchFirst(m, T, B), dtype);
}

namespace {

// PyTorch's h_n / c_n: [layers * directions, batch, hidden] from per-(layer, direction) (H, B).
void PutFinal(TensorFile& file, const std::string& name, const std::vector<MatD>& states,
              FloatDtype dtype) {
  const Eigen::Index H = states.front().rows(), B = states.front().cols();
  std::vector<double> values;
  values.reserve(states.size() * static_cast<std::size_t>(H * B));
  for (const MatD& s : states)
    for (Eigen::Index b = 0; b < B; ++b)
      for (Eigen::Index j = 0; j < H; ++j) values.push_back(s(j, b));
  PutTensor(file, name, {static_cast<int64_t>(states.size()), B, H}, values, dtype);
}

struct Loaded {
  RnnModel<double> model;
  TokenBatch batch;
};

Loaded Load(const TensorFile& weights, const TensorFile& batch_file, CellKind cell,
            bool require_targets) {
  const ModelConfig config = InferModelConfig(weights, cell);
  Loaded out{RnnModel<double>(config, 0), {}};  // seed irrelevant: every weight is overwritten
  LoadModelParams(weights, config, out.model.params);
  out.batch = LoadTokenBatch(batch_file, config.vocab, require_targets, config.Classes());
  return out;
}

void Describe(TensorFile& out, const ModelConfig& config, const char* what) {
  out.metadata["format"] = std::string("rnnscope ") + what + " 1";
  out.metadata["cell"] = std::string(CellName(config.cell));
  out.metadata["config"] = ToJson(config).dump();
}

// readout mean: PyTorch's fc(output.mean(dim=1)) is the classifier's mean readout over every
// step (model/classifier.h; a batch without padding: each length = T), on the loaded weights.
struct MeanReadout {
  ClassifierModel<double> model;
  SequenceBatch batch;
  ClassifierPass<double> pass;
};

MeanReadout RunMeanReadout(const Loaded& m, const TensorFile& weights, const TensorFile& batch_file) {
  const ModelConfig& c = m.model.config();
  if (!IsClassifierBatch(batch_file))
    throw InputError(batch_file.source + ": --readout mean reads one label per sequence: expected 'label' [batch] "
                     "(and no target_ids), as for fc(output.mean(dim=1))");
  if (c.embed < 1)
    throw InputError(weights.source + ": --readout mean needs a model with an embedding (embedding.weight); "
                     "one-hot input reads out the last step only");
  StructureConfig sc;
  sc.kind = StructureKind::kClassifier;
  sc.rnn = c;
  sc.classes = c.Classes();
  sc.readout = Readout::kMean;
  MeanReadout r{ClassifierModel<double>(sc, 0), {}, {}};
  r.model.params = m.model.params;  // same names and shapes: fc is (K, D*H) in both
  const int T = m.batch.T, B = m.batch.B;
  r.batch.T = T;
  r.batch.B = B;
  r.batch.tokens = m.batch.input;  // both time-major, t*B + b
  r.batch.lengths.assign(static_cast<std::size_t>(B), T);
  r.batch.labels.resize(static_cast<std::size_t>(B));
  for (int b = 0; b < B; ++b)  // LoadTokenBatch put each label at the last step
    r.batch.labels[static_cast<std::size_t>(b)] = m.batch.target[static_cast<std::size_t>((T - 1) * B + b)];
  r.model.Forward(r.batch, r.pass);
  r.model.grads.SetZero();
  r.model.Backward(r.batch, r.pass);
  return r;
}

// (K, B) → [B, K]: one row of logits per sequence.
void PutPerSequence(TensorFile& file, const std::string& name, const Eigen::Ref<const MatD>& m, FloatDtype dtype) {
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(m.size()));
  for (Eigen::Index b = 0; b < m.cols(); ++b)
    for (Eigen::Index k = 0; k < m.rows(); ++k) values.push_back(m(k, b));
  PutTensor(file, name, {m.cols(), m.rows()}, values, dtype);
}

}  // namespace

// ---------------------------------------------------------------- ComputeGradients
TensorFile ComputeGradients(const TensorFile& weights, const TensorFile& batch_file, CellKind cell,
                            FloatDtype dtype, Readout readout) {
  Loaded m = Load(weights, batch_file, cell, /*require_targets=*/true);
  TensorFile out;
  out.source = "<grad>";
  Describe(out, m.model.config(), "grad");
  if (readout == Readout::kMean) {
    const MeanReadout r = RunMeanReadout(m, weights, batch_file);
    out.metadata["readout"] = ReadoutName(readout);
    PutTensor(out, "loss", {}, {r.pass.loss}, dtype);
    SaveModelParams(r.model.grads, out, dtype);
    return out;
  }
  ForwardPass<double> pass;
  m.model.Forward(m.batch, nullptr, pass);
  m.model.grads.SetZero();
  m.model.Backward(m.batch, pass);
  PutTensor(out, "loss", {}, {pass.loss}, dtype);
  SaveModelParams(m.model.grads, out, dtype);
  return out;
}

// ---------------------------------------------------------------- ComputeTrace
TensorFile ComputeTrace(const TensorFile& weights, const TensorFile& batch_file, CellKind cell,
                        FloatDtype dtype, Readout readout) {
  Loaded m = Load(weights, batch_file, cell, /*require_targets=*/false);
  const ModelConfig& c = m.model.config();
  const int T = m.batch.T, B = m.batch.B, D = c.Directions();
  const Eigen::Index H = c.hidden, TB = static_cast<Eigen::Index>(T) * B;
  const bool classify = IsClassifierBatch(batch_file);
  // The recurrence does not depend on the readout: states and gates come from the per-step
  // model either way. The gradient norms do: they are written for the last-step readout only.
  ForwardPass<double> pass;
  m.model.Forward(m.batch, nullptr, pass);
  const bool mean = readout == Readout::kMean;
  const bool has_targets = pass.counted > 0;
  if (has_targets && !mean) {
    m.model.grads.SetZero();
    m.model.Backward(m.batch, pass);  // fills each layer cache's dh_norm / dc_norm
  }

  TensorFile out;
  out.source = "<trace>";
  Describe(out, c, "trace");
  if (mean) {
    const MeanReadout r = RunMeanReadout(m, weights, batch_file);
    out.metadata["readout"] = ReadoutName(readout);
    PutTensor(out, "loss", {}, {r.pass.loss}, dtype);
    PutPerSequence(out, "logits", r.pass.logits, dtype);
  } else {
    if (has_targets) PutTensor(out, "loss", {}, {pass.loss}, dtype);
    if (classify) {
      out.metadata["readout"] = ReadoutName(readout);
      PutPerSequence(out, "logits", pass.logits.middleCols(static_cast<Eigen::Index>(T - 1) * B, B), dtype);
    } else {
      PutBatchFirst(out, "logits", pass.logits, T, B, dtype);
    }
  }
  PutBatchFirst(out, "output", pass.TopOutput(), T, B, dtype);
  RecurrentState<double> final_state;
  m.model.FinalState(pass, final_state);
  PutFinal(out, "h_n", final_state.h, dtype);
  if (HasCellState(c.cell)) PutFinal(out, "c_n", final_state.c, dtype);

  const std::vector<std::string> gate_names = GateNames(c.cell);
  for (int l = 0; l < c.layers; ++l) {
    for (int d = 0; d < D; ++d) {
      const LayerCache<double>& k = pass.layers[static_cast<std::size_t>(l * D + d)];
      const std::string name = "trace.l" + std::to_string(l) + (d == 1 ? "_reverse" : "");
      for (std::size_t g = 0; g < gate_names.size(); ++g)
        PutBatchFirst(out, name + ".gates." + gate_names[g],
                      k.gates.middleRows(static_cast<Eigen::Index>(g) * H, H), T, B, dtype);
      // State blocks are ordered by timestep for both directions once the initial-state block
      // is skipped (it sits first going forward, last going backward).
      PutBatchFirst(out, name + ".h", k.Outputs(), T, B, dtype);
      if (HasCellState(c.cell))
        PutBatchFirst(out, name + ".c", k.c.middleCols(k.reverse ? 0 : B, TB), T, B, dtype);
      if (has_targets && !mean) {
        PutTensor(out, name + ".grad_h_norm", {T}, {k.dh_norm.data(), k.dh_norm.data() + T}, dtype);
        if (HasCellState(c.cell))
          PutTensor(out, name + ".grad_c_norm", {T}, {k.dc_norm.data(), k.dc_norm.data() + T}, dtype);
      }
    }
  }
  return out;
}

}  // namespace rnnscope
