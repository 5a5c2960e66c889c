// Contents: flags · helpers · ResolveLayout (map → wrapper → recurrent family → output layer →
//           embedding → cell → report) · To/FromCanonical · GradientsToFile
#include "model/pytorch_layout.h"

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "core/error.h"

namespace rnnscope {

// ---------------------------------------------------------------- flags
std::pair<std::string, std::string> ParseMapFlag(const std::string& value) {
  const std::size_t eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
    throw ConfigError("--map '" + value + "': expected old=new, e.g. --map lstm=rnn or "
                      "--map head.weight=fc.weight");
  return {value.substr(0, eq), value.substr(eq + 1)};
}

std::string ParseLayoutName(const std::string& value) {
  if (value == "rnnscope" || value == "word_language_model" || value == "d2l" ||
      value == "pytorch_tutorial" || value == "d2l_seq2seq")
    return value;
  throw ConfigError("unknown --layout '" + value +
                    "' (expected rnnscope, word_language_model, d2l, pytorch_tutorial or d2l_seq2seq)");
}

std::string PyTorchLayout::FileName(const std::string& canonical) const {
  auto it = to_file.find(canonical);
  return it == to_file.end() ? canonical : it->second;
}

nlohmann::json SourceLayoutToJson(const PyTorchLayout& layout) {
  return {{"version", kSourceLayoutVersion}, {"name", layout.name},     {"wrapper", layout.wrapper},
          {"cell", std::string(CellName(layout.cell))},   {"tied", layout.tied},     {"to_file", layout.to_file}};
}

PyTorchLayout SourceLayoutFromJson(const nlohmann::json& j, const std::string& source) {
  const std::string where = source + ": source_layout: ";
  if (!j.is_object() || !j.contains("version") || !j.at("version").is_number_integer())
    throw InputError(where + "expected an object with an integer version");
  if (j.at("version").get<int64_t>() != kSourceLayoutVersion)
    throw InputError(where + "version " + j.at("version").dump() + " is not supported (this rnnscope reads " +
                     std::to_string(kSourceLayoutVersion) + ")");
  try {
    PyTorchLayout out;
    out.name = j.at("name").get<std::string>();
    out.wrapper = j.at("wrapper").get<std::string>();
    out.cell = ParseCellKind(j.at("cell").get<std::string>());
    out.tied = j.at("tied").get<bool>();
    out.to_file = j.at("to_file").get<std::map<std::string, std::string>>();
    return out;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(where + e.what());
  } catch (const ConfigError& e) {
    throw InputError(where + e.what());
  }
}

// ---------------------------------------------------------------- helpers
namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string Names(const std::map<std::string, std::string>& names) {
  std::string s;
  for (const auto& [current, original] : names) s += (s.empty() ? "" : ", ") + original;
  return s;
}

const char* kExpected =
    "expected one of: rnnscope (embedding.weight?, rnn.*, fc.weight/bias), word_language_model "
    "(encoder.weight, rnn.*, decoder.weight/bias), d2l (rnn.*, linear.weight/bias), or any names "
    "with one <module>.weight_ih_l0 family, one output <X>.weight/<X>.bias and at most one "
    "embedding <Y>.weight (rnn.* = rnn.weight_ih_l<k>[_reverse], rnn.weight_hh_l<k>[_reverse], "
    "rnn.bias_ih_l<k>[_reverse], rnn.bias_hh_l<k>[_reverse]); --map old=new renames";

// The rest of a recurrent module's parameter name after its prefix (PyTorch's nn.RNNBase
// _flat_weights_names, plus rnnscope's own peephole and Jordan weights).
const std::regex kRecurrentName(R"((weight|bias)_(ih|hh|hr|peep|hy)_l\d{1,3}(_reverse)?)");

}  // namespace

// ---------------------------------------------------------------- StripWrappersAndMap
std::string StripWrappersAndMap(const std::string& src, std::map<std::string, std::string>& names,
                                const std::vector<std::pair<std::string, std::string>>& map,
                                std::vector<std::string>& report) {
  std::string wrapper;
  // Wrappers first (so --map can use the model's own module names): DDP and torch.compile
  // prefix every parameter; they may nest (module._orig_mod.).
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (const std::string prefix : {"module.", "_orig_mod."}) {
      bool all = true;
      for (const auto& [n, o] : names) all = all && n.starts_with(prefix) && n.size() > prefix.size();
      if (!all) continue;
      std::map<std::string, std::string> next;
      for (const auto& [n, o] : names) next[n.substr(prefix.size())] = o;
      names.swap(next);
      wrapper += prefix;
      stripped = true;
    }
  }
  if (!wrapper.empty())
    report.push_back("prefix '" + wrapper + "' stripped (" +
                     (wrapper.starts_with("module.") ? "DistributedDataParallel" : "torch.compile") + ")");

  for (const auto& [from, to] : map) {
    std::map<std::string, std::string> next;
    bool hit = false;
    for (const auto& [n, o] : names) {
      std::string renamed = n;
      if (n == from) renamed = to;
      else if (n.starts_with(from + ".")) renamed = to + n.substr(from.size());
      hit = hit || renamed != n;
      if (next.count(renamed))
        throw InputError(src + ": --map " + from + "=" + to + " gives two tensors the name '" +
                         renamed + "'");
      next[renamed] = o;
    }
    if (!hit)
      throw InputError(src + ": --map " + from + "=" + to + ": no tensor or module '" + from +
                       "' (the file has: " + Names(names) + ")");
    names.swap(next);
    report.push_back("--map " + from + " → " + to);
  }
  return wrapper;
}

// ---------------------------------------------------------------- ResolveLayout
PyTorchLayout ResolveLayout(const TensorFile& file, const LayoutOptions& options) {
  const std::string& src = file.source;
  PyTorchLayout out;
  // current name → the file's original name; every step below renames the keys only.
  std::map<std::string, std::string> names;
  for (const auto& [name, t] : file.tensors) names[name] = name;
  if (names.empty()) throw InputError(src + ": no tensors; " + kExpected);

  if (options.layout == "pytorch_tutorial" || options.layout == "d2l_seq2seq")
    throw InputError(src + ": --layout " + options.layout + " is a seq2seq layout (grad and trace, "
                     "model/seq2seq_pytorch_layouts.h), but this file is opened as a char-LM/tagger/"
                     "classifier (names: " + Names(names) + ")");
  out.wrapper = StripWrappersAndMap(src, names, options.map, out.report);
  auto tensor = [&](const std::string& current) -> const NamedTensor& {
    return file.tensors.at(names.at(current));
  };

  // The recurrent module: the unique prefix P of a `P weight_ih_l0` name.
  std::set<std::string> families;
  for (const auto& [n, o] : names)
    if (n.ends_with("weight_ih_l0")) families.insert(n.substr(0, n.size() - 12));
  if (families.empty())
    throw InputError(src + ": no recurrent module (no <module>.weight_ih_l0 tensor) among: " +
                     Names(names) + "; " + kExpected);
  if (families.size() > 1) {
    std::string list;
    for (const std::string& f : families) list += (list.empty() ? "" : ", ") + f + "weight_ih_l0";
    throw InputError(src + ": ambiguous recurrent module: " + list +
                     " (rnnscope loads one recurrent stack; --map the one to use to rnn)");
  }
  const std::string rnn = *families.begin();
  std::map<std::string, std::string> canonical;  // canonical → current
  std::map<std::string, std::string> rest;       // current names not yet matched
  bool reverse = false;
  for (const auto& [n, o] : names) {
    if (n.starts_with(rnn) && std::regex_match(n.substr(rnn.size()), kRecurrentName)) {
      canonical["rnn." + n.substr(rnn.size())] = n;
      reverse = reverse || n.ends_with("_reverse");
    } else {
      rest[n] = o;
    }
  }
  const NamedTensor& ih = tensor(rnn + "weight_ih_l0");
  if (!canonical.count("rnn.weight_hh_l0"))
    throw InputError(src + ": '" + names.at(rnn + "weight_ih_l0") + "' has no weight_hh_l0 beside it");
  const NamedTensor& hh = tensor(canonical.at("rnn.weight_hh_l0"));
  if (ih.shape.size() != 2 || hh.shape.size() != 2 || hh.shape[1] <= 0 ||
      hh.shape[0] % hh.shape[1] != 0)
    throw ShapeError(src + ": '" + names.at(rnn + "weight_ih_l0") + "' " + ShapeText(ih.shape) +
                     " and '" + names.at(canonical.at("rnn.weight_hh_l0")) + "' " +
                     ShapeText(hh.shape) + " are not [gates × hidden, input] and [gates × hidden, hidden]");
  const int64_t H = hh.shape[1], D = reverse ? 2 : 1, X = ih.shape[1];

  // The cell from the gate count (PyTorch stacks 4 LSTM, 3 GRU, 1 RNN blocks); weight_hy marks
  // rnnscope's Jordan cell. tanh and ReLU RNNs look alike: --cell decides, else nn.RNN's default.
  const int64_t gates = hh.shape[0] / H;
  const bool jordan = canonical.count("rnn.weight_hy_l0") > 0;
  std::string cell_note;
  CellKind cell;
  if (jordan) cell = CellKind::kJordan;
  else if (gates == 4) cell = CellKind::kLstm;
  else if (gates == 3) cell = CellKind::kGru;
  else if (gates == 1) {
    cell = options.cell == CellKind::kRnnRelu ? CellKind::kRnnRelu : CellKind::kRnnTanh;
    if (!options.cell)
      cell_note = ", assumed tanh (nn.RNN's default); pass --cell rnn_relu for nonlinearity='relu'";
  } else {
    throw ShapeError(src + ": '" + names.at(canonical.at("rnn.weight_hh_l0")) + "' has " +
                     std::to_string(hh.shape[0]) + " rows for hidden " + std::to_string(H) +
                     "; expected 4× (LSTM), 3× (GRU) or 1× (RNN) the hidden size");
  }
  // A --cell that contradicts the shapes is InferModelConfig's to report (it names both tensors).
  if (options.cell) cell = *options.cell;
  out.cell = cell;

  // The output layer: X.weight [K, D*H] with X.bias [K]. Exactly one; a lone linear pair of the
  // wrong width contradicts the recurrent module.
  std::vector<std::string> linear, fitting;
  for (const auto& [n, o] : rest) {
    if (!n.ends_with(".weight")) continue;
    const std::string m = n.substr(0, n.size() - 7);
    if (!rest.count(m + ".bias")) continue;
    const NamedTensor& w = tensor(n);
    const NamedTensor& b = tensor(m + ".bias");
    if (w.shape.size() != 2 || b.shape.size() != 1 || b.shape[0] != w.shape[0]) continue;
    linear.push_back(m);
    if (w.shape[1] == D * H) fitting.push_back(m);
  }
  if (fitting.empty() && linear.size() == 1)
    throw ShapeError(src + ": '" + rest.at(linear[0] + ".weight") + "' " +
                     ShapeText(tensor(linear[0] + ".weight").shape) + " has " +
                     std::to_string(tensor(linear[0] + ".weight").shape[1]) + " input columns, but '" +
                     names.at(canonical.at("rnn.weight_hh_l0")) + "' " + ShapeText(hh.shape) +
                     " means an output width of " + std::to_string(D) + " direction(s) × hidden " +
                     std::to_string(H) + " = " + std::to_string(D * H));
  if (fitting.size() != 1) {
    std::string list;
    for (const std::string& m : fitting) list += (list.empty() ? "" : ", ") + rest.at(m + ".weight");
    throw InputError(src + ": " + (fitting.empty() ? std::string("no output layer")
                                                    : "ambiguous output layer (" + list + ")") +
                     ": expected one <X>.weight [classes, " + std::to_string(D * H) +
                     "] with <X>.bias [classes] among: " + Names(rest) + "; " + kExpected);
  }
  const std::string fc = fitting[0];
  canonical["fc.weight"] = fc + ".weight";
  canonical["fc.bias"] = fc + ".bias";
  rest.erase(fc + ".weight");
  rest.erase(fc + ".bias");

  // The embedding: a 2-D table whose width is the recurrent input (no bias). None: one-hot.
  std::string emb;
  for (const auto& [n, o] : rest) {
    const NamedTensor& t = tensor(n);
    if (!n.ends_with(".weight") || t.shape.size() != 2) continue;
    if (!emb.empty())
      throw InputError(src + ": ambiguous embedding: '" + rest.at(emb) + "' and '" + o +
                       "' (--map the one to use to embedding)");
    emb = n;
  }
  if (!emb.empty()) {
    const NamedTensor& t = tensor(emb);
    if (t.shape[1] != X)
      throw ShapeError(src + ": embedding '" + rest.at(emb) + "' " + ShapeText(t.shape) + " has " +
                       std::to_string(t.shape[1]) + " columns, but '" +
                       names.at(rnn + "weight_ih_l0") + "' " + ShapeText(ih.shape) +
                       " takes inputs of width " + std::to_string(X));
    canonical["embedding.weight"] = emb;
    rest.erase(emb);
  }
  if (!rest.empty())
    throw InputError(src + ": unexpected tensor" + (rest.size() > 1 ? "s " : " ") + Names(rest) +
                     " (matched: recurrent module '" + rnn + "', output layer '" + fc +
                     (emb.empty() ? std::string("'") : "', embedding '" + emb + "'") + "); " + kExpected);

  for (const auto& [c, n] : canonical) out.to_file[c] = names.at(n);

  // Which published layout these names are (for the report and --layout).
  const std::string emb_module = emb.empty() ? "" : emb.substr(0, emb.size() - 7);
  if (rnn == "rnn." && fc == "fc" && (emb.empty() || emb_module == "embedding")) out.name = "rnnscope";
  else if (rnn == "rnn." && fc == "decoder" && emb_module == "encoder") out.name = "word_language_model";
  else if (rnn == "rnn." && fc == "linear" && emb.empty()) out.name = "d2l";
  else out.name = "by shapes";
  if (!options.layout.empty() && options.layout != out.name)
    throw InputError(src + ": --layout " + options.layout + " expects " +
                     (options.layout == "rnnscope" ? "embedding.weight?, rnn.*, fc.weight/bias"
                      : options.layout == "word_language_model" ? "encoder.weight, rnn.*, decoder.weight/bias"
                                                                 : "rnn.*, linear.weight/bias (no embedding)") +
                     ", but the file's names (" + Names(names) + ") are " + out.name);

  // Tied weights (word_language_model --tied: decoder.weight = encoder.weight): same shape and
  // the same bytes. state_dict writes the shared parameter under both names.
  if (!emb.empty()) {
    const NamedTensor& e = tensor(emb);
    const NamedTensor& f = tensor(fc + ".weight");
    out.tied = e.shape == f.shape && e.dtype == f.dtype && e.bytes == f.bytes;
  }

  auto dims = [](const std::vector<int64_t>& s) {
    return std::to_string(s[0]) + " × " + std::to_string(s[1]);
  };
  std::vector<std::string> lines;
  lines.push_back("layout: " + out.name);
  if (!emb.empty())
    lines.push_back(out.to_file["embedding.weight"] + " → embedding (" + dims(tensor(emb).shape) + ")");
  else
    lines.push_back("no embedding → one-hot input over " + std::to_string(X) + " tokens");
  int layers = 0;
  for (const auto& [c, n] : canonical)
    if (c.starts_with("rnn.weight_ih_l") && !c.ends_with("_reverse")) ++layers;
  const std::string& rnn_file = names.at(rnn + "weight_ih_l0");
  lines.push_back(rnn_file.substr(0, rnn_file.size() - 12) + "* → " +
                  std::string(CellName(cell)) + " " + std::to_string(layers) + " layer" +
                  (layers > 1 ? "s" : "") + " H=" + std::to_string(H) +
                  (reverse ? " bidirectional" : "") + cell_note);
  const int64_t K = tensor(fc + ".weight").shape[0];
  const std::string& fc_file = out.to_file["fc.bias"];
  lines.push_back(fc_file.substr(0, fc_file.size() - 4) + "* → output layer (" + std::to_string(K) + ")" +
                  (!emb.empty() && K != tensor(emb).shape[0]
                       ? " — input vocabulary " + std::to_string(tensor(emb).shape[0]) + " ≠ " +
                             std::to_string(K) + " classes (tagger)"
                       : ""));
  if (out.tied)
    lines.push_back("tied: " + out.to_file["embedding.weight"] + " and " + out.to_file["fc.weight"] +
                    " are one parameter (tie_weights); its gradient is the sum of both uses");
  out.report.insert(out.report.begin(), lines.begin(), lines.end());
  return out;
}

// ---------------------------------------------------------------- To/FromCanonical
TensorFile ToCanonical(const TensorFile& file, const PyTorchLayout& layout) {
  TensorFile out;
  out.source = file.source;
  out.metadata = file.metadata;
  for (const auto& [c, n] : layout.to_file) out.tensors[c] = file.Get(n);
  return out;
}

TensorFile FromCanonical(const TensorFile& canonical, const PyTorchLayout& layout) {
  TensorFile out;
  out.source = canonical.source;
  out.metadata = canonical.metadata;
  for (const auto& [name, t] : canonical.tensors) out.tensors[layout.FileName(name)] = t;
  return out;
}

TensorFile GradientsToFile(const TensorFile& canonical_grads, const PyTorchLayout& layout) {
  TensorFile out = FromCanonical(canonical_grads, layout);
  if (!layout.tied) return out;
  std::vector<int64_t> shape;
  std::vector<double> sum = canonical_grads.GetTensor<double>("embedding.weight", &shape);
  const std::vector<double> fc = canonical_grads.GetTensor<double>("fc.weight");
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += fc[i];
  const bool f64 = canonical_grads.Get("fc.weight").dtype == "F64";
  for (const char* c : {"embedding.weight", "fc.weight"}) {
    if (f64) out.SetTensor<double>(layout.FileName(c), shape, sum);
    else out.SetTensor<float>(layout.FileName(c), shape, std::vector<float>(sum.begin(), sum.end()));
  }
  return out;
}

}  // namespace rnnscope
