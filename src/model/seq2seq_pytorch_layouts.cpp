// Contents: helpers · LooksLikeSeq2Seq · MergeEncoderDecoder · ResolveSeq2SeqLayout (wrappers/map →
//           layout by names → canonical names → config from shapes → report) · To/FromCanonical ·
//           LoadSeq2SeqParams
#include "model/seq2seq_pytorch_layouts.h"

#include <cmath>
#include <regex>

#include "core/error.h"

namespace rnnscope {

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

const char* kExpectedTutorial =
    "pytorch_tutorial: encoder.embedding.weight, encoder.gru.*, decoder.embedding.weight, "
    "decoder.attention.{Wa,Ua,Va}.{weight,bias}, decoder.gru.*, decoder.out.{weight,bias}";
const char* kExpectedD2l =
    "d2l_seq2seq: encoder.embedding.weight, encoder.rnn[.rnn].*, decoder.embedding.weight, "
    "decoder.attention.{W_q,W_k,w_v}.weight, decoder.rnn[.rnn].*, decoder.dense.{weight,bias}";

std::string Expected() {
  return std::string("expected one of: ") + kExpectedTutorial + "; " + kExpectedD2l +
         " (* = weight_ih_l<k>, weight_hh_l<k>, bias_ih_l<k>, bias_hh_l<k>; two files: the "
         "encoder's and the decoder's state_dict without the encoder./decoder. prefix)";
}

// nn.GRU's parameter names after the module prefix (no _reverse: both layouts are unidirectional).
const std::regex kGruName(R"((weight|bias)_(ih|hh)_l\d{1,3})");

bool HasAttention(const TensorFile& f) {
  for (const auto& [n, t] : f.tensors)
    if (n.find("attention.") != std::string::npos) return true;
  return false;
}

}  // namespace

bool IsSeq2SeqLayoutName(const std::string& layout) {
  return layout == "pytorch_tutorial" || layout == "d2l_seq2seq";
}

bool LooksLikeSeq2Seq(const std::vector<TensorFile>& files, const LayoutOptions& options) {
  if (files.size() > 1 || IsSeq2SeqLayoutName(options.layout)) return true;
  return !files.empty() && HasAttention(files[0]);
}

// ---------------------------------------------------------------- MergeEncoderDecoder
TensorFile MergeEncoderDecoder(const std::vector<TensorFile>& files, std::vector<std::string>& report) {
  if (files.size() == 1) return files[0];
  if (files.size() != 2)
    throw InputError("--weights given " + std::to_string(files.size()) +
                     " times: expected one file, or two (a seq2seq encoder's and decoder's state_dict)");
  const bool a = HasAttention(files[0]), b = HasAttention(files[1]);
  if (a == b)
    throw InputError(files[0].source + " and " + files[1].source + ": " +
                     (a ? "both have" : "neither has") +
                     " an attention module; two --weights files are a seq2seq encoder and decoder, "
                     "told apart by the decoder's attention.* tensors");
  const TensorFile& enc = a ? files[1] : files[0];
  const TensorFile& dec = a ? files[0] : files[1];
  TensorFile out;
  out.source = enc.source + " + " + dec.source;
  for (const auto& [n, t] : enc.tensors) out.tensors["encoder." + n] = t;
  for (const auto& [n, t] : dec.tensors) out.tensors["decoder." + n] = t;
  report.push_back(enc.source + " → encoder (no attention.*): its names prefixed encoder.");
  report.push_back(dec.source + " → decoder (has attention.*): its names prefixed decoder.");
  return out;
}

std::string Seq2SeqLayout::FileName(const std::string& canonical) const {
  auto it = to_file.find(canonical);
  return it == to_file.end() ? canonical : it->second;
}

// ---------------------------------------------------------------- ResolveSeq2SeqLayout
Seq2SeqLayout ResolveSeq2SeqLayout(const TensorFile& file, const LayoutOptions& options) {
  const std::string& src = file.source;
  Seq2SeqLayout out;
  std::map<std::string, std::string> names;  // current → the file's own name
  for (const auto& [n, t] : file.tensors) names[n] = n;
  if (names.empty()) throw InputError(src + ": no tensors; " + Expected());
  std::vector<std::string> prelude;
  out.wrapper = StripWrappersAndMap(src, names, options.map, prelude);
  // A wrapper may also sit inside each half ({"encoder": ddp_encoder.state_dict(), ...}).
  std::map<std::string, std::string> regrouped;
  for (const std::string half : {"encoder.", "decoder."}) {
    std::map<std::string, std::string> sub;
    for (const auto& [n, o] : names)
      if (n.starts_with(half)) sub[n.substr(half.size())] = o;
    if (sub.empty())
      throw InputError(src + ": no " + half + "* tensors among: " + Names(names) + "; " + Expected());
    std::vector<std::string> lines;
    const std::string w = StripWrappersAndMap(src, sub, {}, lines);
    if (!w.empty()) {
      out.wrapper += half + w;
      for (const std::string& l : lines) prelude.push_back(half + " " + l);
    }
    for (const auto& [n, o] : sub) regrouped[half + n] = o;
  }
  std::map<std::string, std::string> stray;
  for (const auto& [n, o] : names)
    if (!n.starts_with("encoder.") && !n.starts_with("decoder.")) stray[n] = o;
  if (!stray.empty())
    throw InputError(src + ": tensor" + (stray.size() > 1 ? "s " : " ") + Names(stray) +
                     " outside encoder.*/decoder.*; " + Expected());
  names.swap(regrouped);

  // The layout, from the attention module's names.
  const bool tutorial = names.count("decoder.attention.Wa.weight") > 0;
  const bool d2l = names.count("decoder.attention.W_q.weight") > 0;
  if (tutorial == d2l)
    throw InputError(src + ": the names (" + Names(names) + ") fit no seq2seq layout (" +
                     (tutorial ? "both decoder.attention.Wa.weight and decoder.attention.W_q.weight"
                               : "no decoder.attention.Wa.weight or decoder.attention.W_q.weight") +
                     "); " + Expected());
  out.name = tutorial ? "pytorch_tutorial" : "d2l_seq2seq";
  if (!options.layout.empty() && options.layout != out.name)
    throw InputError(src + ": --layout " + options.layout + " expects " +
                     (options.layout == "pytorch_tutorial" ? kExpectedTutorial
                      : options.layout == "d2l_seq2seq"    ? kExpectedD2l
                                                           : "a char-LM/tagger/classifier state_dict") +
                     ", but the file's names (" + Names(names) + ") are " + out.name);

  // Canonical names (Seq2SeqParams::ForEach) for the file's.
  std::map<std::string, std::string> fixed;  // current → canonical
  const char* attn_modules[3][2] = {{"Wa", "query"}, {"Ua", "key"}, {"Va", "v"}};
  const char* d2l_modules[3][2] = {{"W_q", "query"}, {"W_k", "key"}, {"w_v", "v"}};
  for (const auto& m : tutorial ? attn_modules : d2l_modules) {
    fixed["decoder.attention." + std::string(m[0]) + ".weight"] = "attention." + std::string(m[1]) + ".weight";
    if (tutorial) fixed["decoder.attention." + std::string(m[0]) + ".bias"] = "attention." + std::string(m[1]) + ".bias";
  }
  fixed["encoder.embedding.weight"] = "encoder.embedding.weight";
  fixed["decoder.embedding.weight"] = "decoder.embedding.weight";
  const std::string out_module = tutorial ? "decoder.out" : "decoder.dense";
  fixed[out_module + ".weight"] = "decoder.fc.weight";
  fixed[out_module + ".bias"] = "decoder.fc.bias";
  std::vector<std::string> rnn_modules = tutorial ? std::vector<std::string>{"gru."}
                                                  : std::vector<std::string>{"rnn.rnn.", "rnn."};
  std::map<std::string, std::string> canonical;  // canonical → current
  std::map<std::string, std::string> rest;
  std::map<std::string, std::string> rnn_file;   // "encoder." / "decoder." → the module's file prefix
  for (const auto& [n, o] : names) {
    if (auto it = fixed.find(n); it != fixed.end()) {
      canonical[it->second] = n;
      continue;
    }
    bool matched = false;
    for (const std::string half : {"encoder.", "decoder."})
      for (const std::string& m : rnn_modules)
        if (!matched && n.starts_with(half + m) && std::regex_match(n.substr(half.size() + m.size()), kGruName)) {
          canonical[half + "rnn." + n.substr(half.size() + m.size())] = n;
          rnn_file[half] = o.substr(0, o.size() - (n.size() - half.size() - m.size()));
          matched = true;
        }
    if (!matched) rest[n] = o;
  }
  if (!rest.empty())
    throw InputError(src + ": unexpected tensor" + (rest.size() > 1 ? "s " : " ") + Names(rest) +
                     " for the " + out.name + " layout; " + Expected());
  for (const auto& [c, n] : canonical) out.to_file[c] = names.at(n);
  for (const std::string& c :
       {std::string("encoder.embedding.weight"), std::string("decoder.embedding.weight"),
        std::string("encoder.rnn.weight_ih_l0"), std::string("encoder.rnn.weight_hh_l0"),
        std::string("decoder.rnn.weight_ih_l0"), std::string("decoder.rnn.weight_hh_l0"),
        std::string("attention.query.weight"), std::string("attention.key.weight"),
        std::string("decoder.fc.weight")})
    if (!canonical.count(c))
      throw InputError(src + ": missing " + (c.find("rnn.") != std::string::npos
                                                 ? c.substr(0, 8) + (tutorial ? "gru." : "rnn[.rnn].") + c.substr(12)
                                                 : c) +
                       " (have: " + Names(names) + "); " + Expected());

  // The config from the shapes; every contradiction names both tensors.
  auto shape = [&](const std::string& c) -> const std::vector<int64_t>& { return file.Get(out.to_file.at(c)).shape; };
  auto who = [&](const std::string& c) { return "'" + out.to_file.at(c) + "' " + ShapeText(shape(c)); };
  for (const auto& [c, n] : canonical)
    if (shape(c).size() != (c.find("bias") != std::string::npos ? 1u : 2u))
      throw ShapeError(src + ": " + who(c) + " is not a " +
                       (c.find("bias") != std::string::npos ? "vector" : "matrix"));
  Seq2SeqConfig& cfg = out.config;
  cfg.encoder_cell = cfg.decoder_cell = CellKind::kGru;
  for (const std::string half : {"encoder.", "decoder."}) {
    const std::string hh = half + "rnn.weight_hh_l0";
    if (shape(hh)[1] <= 0 || shape(hh)[0] != 3 * shape(hh)[1])
      throw ShapeError(src + ": " + who(hh) + " is not a GRU's [3 × hidden, hidden] (both layouts use nn.GRU)");
  }
  cfg.encoder_hidden = static_cast<int>(shape("encoder.rnn.weight_hh_l0")[1]);
  cfg.decoder_hidden = static_cast<int>(shape("decoder.rnn.weight_hh_l0")[1]);
  if (cfg.encoder_hidden != cfg.decoder_hidden)
    throw ShapeError(src + ": encoder " + who("encoder.rnn.weight_hh_l0") + " and decoder " +
                     who("decoder.rnn.weight_hh_l0") + " have different hidden sizes; the decoder starts "
                     "from the encoder's final state (decoder_hidden = encoder_hidden), so they must be equal");
  auto layers = [&](const std::string& half) {
    int n = 0;
    while (canonical.count(half + "rnn.weight_ih_l" + std::to_string(n))) ++n;
    return n;
  };
  cfg.encoder_layers = layers("encoder.");
  cfg.decoder_layers = layers("decoder.");
  if (cfg.encoder_layers != cfg.decoder_layers)
    throw ShapeError(src + ": the encoder has " + std::to_string(cfg.encoder_layers) + " GRU layer(s) (" +
                     rnn_file["encoder."] + "*) and the decoder " + std::to_string(cfg.decoder_layers) +
                     " (" + rnn_file["decoder."] + "*); the decoder's layer l starts from the encoder's "
                     "layer l, so the counts must be equal");
  const auto& es = shape("encoder.embedding.weight");
  const auto& et = shape("decoder.embedding.weight");
  if (es[1] != et[1])
    throw ShapeError(src + ": source embedding " + who("encoder.embedding.weight") + " and target embedding " +
                     who("decoder.embedding.weight") + " have different widths; rnnscope's seq2seq "
                     "model has one embedding width E for both");
  cfg.source_vocab = static_cast<int>(es[0]);
  cfg.target_vocab = static_cast<int>(et[0]);
  cfg.embed = static_cast<int>(es[1]);
  cfg.attention = AttentionKind::kAdditive;
  cfg.attention_size = static_cast<int>(shape("attention.query.weight")[0]);
  cfg.attention_bias = tutorial;
  cfg.context = ContextMode::kCopy;
  cfg.output_context = false;
  cfg.context_first = !tutorial;
  cfg.encoder_over_padding = true;
  cfg.mask_source = !tutorial;  // BahdanauAttention has no mask; d2l's masked_softmax does
  cfg.bidirectional = false;
  const int64_t x = shape("decoder.rnn.weight_ih_l0")[1];
  if (x != cfg.DecoderInput())
    throw ShapeError(src + ": decoder " + who("decoder.rnn.weight_ih_l0") + " takes inputs of width " +
                     std::to_string(x) + ", but " + (tutorial ? "cat(embedded, context)" : "cat(context, embedding)") +
                     " is embedding " + std::to_string(cfg.embed) + " (" + out.to_file.at("decoder.embedding.weight") +
                     ") + encoder hidden " + std::to_string(cfg.encoder_hidden) + " = " +
                     std::to_string(cfg.DecoderInput()));
  if (shape("decoder.fc.weight")[0] != cfg.target_vocab)
    throw ShapeError(src + ": output layer " + who("decoder.fc.weight") + " has " +
                     std::to_string(shape("decoder.fc.weight")[0]) + " rows, but the target embedding " +
                     who("decoder.embedding.weight") + " has a vocabulary of " + std::to_string(cfg.target_vocab));
  try {
    cfg.Validate();
  } catch (const ConfigError& e) {
    throw ShapeError(src + ": the shapes give a model rnnscope cannot build: " + e.what());
  }

  auto dims = [](const std::vector<int64_t>& s) { return std::to_string(s[0]) + " × " + std::to_string(s[1]); };
  auto module = [&](const std::string& c) {
    const std::string& n = out.to_file.at(c);
    return n.substr(0, n.rfind('.')) + ".*";
  };
  const std::string L = std::to_string(cfg.encoder_layers) + " layer" + (cfg.encoder_layers > 1 ? "s" : "");
  out.report.push_back("layout: " + out.name +
                       (tutorial ? " (EncoderRNN + AttnDecoderRNN with BahdanauAttention)"
                                 : " (Seq2SeqEncoder + Seq2SeqAttentionDecoder)"));
  out.report.insert(out.report.end(), prelude.begin(), prelude.end());
  out.report.push_back(out.to_file.at("encoder.embedding.weight") + " → source embedding (" + dims(es) + ")");
  out.report.push_back(rnn_file["encoder."] + "* → encoder gru " + L + " H=" + std::to_string(cfg.encoder_hidden) +
                       ", over every position (unpacked)");
  out.report.push_back(out.to_file.at("decoder.embedding.weight") + " → target embedding (" + dims(et) + ")");
  const std::string attn = out.to_file.at("attention.query.weight");
  out.report.push_back(attn.substr(0, attn.rfind("attention.") + 10) + "* → additive attention A=" +
                       std::to_string(cfg.attention_size) + (tutorial ? " with biases, no mask"
                                                                      : " without biases, masked at positions ≥ source_lengths"));
  out.report.push_back(rnn_file["decoder."] + "* → decoder gru " + L + " H=" + std::to_string(cfg.decoder_hidden) +
                       ", input " + (tutorial ? "[embedding ; context]" : "[context ; embedding]") +
                       ", starts from the encoder's final state (context copy)");
  out.report.push_back(module("decoder.fc.weight") + " → output layer (" + std::to_string(cfg.target_vocab) +
                       ") on the decoder state");
  return out;
}

// ---------------------------------------------------------------- To/FromCanonical
TensorFile ToCanonical(const TensorFile& file, const Seq2SeqLayout& layout) {
  TensorFile out;
  out.source = file.source;
  out.metadata = file.metadata;
  for (const auto& [c, n] : layout.to_file) out.tensors[c] = file.Get(n);
  return out;
}

TensorFile FromCanonical(const TensorFile& canonical, const Seq2SeqLayout& layout) {
  TensorFile out;
  out.source = canonical.source;
  out.metadata = canonical.metadata;
  for (const auto& [name, t] : canonical.tensors) out.tensors[layout.FileName(name)] = t;
  return out;
}

// ---------------------------------------------------------------- LoadSeq2SeqParams
void LoadSeq2SeqParams(const TensorFile& canonical, const Seq2SeqLayout& layout, Seq2SeqParams<double>& params) {
  const std::string& src = canonical.source;
  params.Allocate(layout.config);
  std::size_t used = 0;
  params.ForEach([&](const std::string& name, Mat<double>& m, bool is_vector) {
    const std::string own = layout.FileName(name);
    const std::vector<int64_t> want = is_vector ? std::vector<int64_t>{m.rows()} : std::vector<int64_t>{m.rows(), m.cols()};
    if (!canonical.Has(name))
      throw InputError(src + ": missing tensor '" + own + "' (expected shape " + ShapeText(want) + ")");
    const NamedTensor& t = canonical.Get(name);
    if (t.shape != want)
      throw ShapeError(src + ": tensor '" + own + "' has shape " + ShapeText(t.shape) + ", expected " + ShapeText(want));
    if (!IsFloatDtype(t.dtype))
      throw InputError(src + ": tensor '" + own + "' has dtype " + t.dtype + ", expected a float dtype");
    m = canonical.GetMatrix<double>(name);
    for (Eigen::Index i = 0; i < m.size(); ++i)
      if (!std::isfinite(m.data()[i]))
        throw InputError(src + ": tensor '" + own + "' has a non-finite element (weights must be finite)");
    ++used;
  });
  if (used != canonical.tensors.size())
    throw InputError(src + ": " + std::to_string(canonical.tensors.size() - used) +
                     " tensor(s) the model does not use; " + Expected());
}

}  // namespace rnnscope
