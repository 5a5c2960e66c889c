#include "train/checkpoint.h"

#include <cmath>
#include <filesystem>
#include <iterator>

#include "core/error.h"

namespace rnnscope {

void PutParams(const ModelParams<float>& params, TensorFile& file) {
  params.ForEach([&](const std::string& name, const MatF& m, bool is_vector) {
    file.SetMatrix(name, m, is_vector);
  });
}

void GetParams(const TensorFile& file, ModelParams<float>& params) {
  params.ForEach([&](const std::string& name, MatF& m, bool) {
    if (!file.Has(name))
      throw ShapeError(file.source + ": missing tensor '" + name + "'");
    MatF loaded = file.GetMatrix<float>(name);
    if (loaded.rows() != m.rows() || loaded.cols() != m.cols())
      throw ShapeError(file.source + ": tensor '" + name + "' is " + std::to_string(loaded.rows()) +
                       "x" + std::to_string(loaded.cols()) + ", expected " +
                       std::to_string(m.rows()) + "x" + std::to_string(m.cols()));
    m = std::move(loaded);
  });
}

void PutOptimizerState(const OptimizerState& state, TensorFile& file) {
  for (const auto& [name, m] : state.tensors) file.SetMatrix("optim." + name, m);
}

OptimizerState GetOptimizerState(const TensorFile& file, const nlohmann::json& meta) {
  OptimizerState state;
  try {
    state.kind = ParseOptimizerKind(meta.at("optimizer").at("kind").get<std::string>());
    state.step = meta.at("optimizer").at("step").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file.source + ": optimizer metadata: " + e.what());
  }
  for (const auto& [name, tensor] : file.tensors) {
    if (name.rfind("optim.", 0) == 0) state.tensors.emplace_back(name.substr(6), file.GetMatrix<float>(name));
  }
  return state;
}

TensorFile StateDictOnly(const TensorFile& checkpoint) {
  TensorFile out = checkpoint;
  for (auto it = out.tensors.begin(); it != out.tensors.end();) {
    const bool extra = it->first.rfind("optim.", 0) == 0 || it->first.rfind("state.", 0) == 0;
    it = extra ? out.tensors.erase(it) : std::next(it);
  }
  // The metadata says so, so that opening the export in rnnscope (io/file_kind.h) restores the
  // model, vocabularies and settings with a fresh optimizer and no carried state.
  if (const auto it = out.metadata.find("rnnscope"); it != out.metadata.end()) {
    nlohmann::json meta = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
    if (meta.is_object()) {
      meta["state_dict_only"] = true;
      if (meta.contains("state") && meta["state"].is_object() && meta["state"].contains("carried"))
        meta["state"]["carried"] = false;
      it->second = meta.dump();
    }
  }
  return out;
}

ExportNames ParseExportNames(const std::string& value) {
  if (value == "rnnscope") return ExportNames::kRnnscope;
  if (value == "source") return ExportNames::kSource;
  throw ConfigError("--layout '" + value + "': expected rnnscope (rnnscope's names) or source (the names of the "
                    "PyTorch file the model was imported from)");
}

std::optional<PyTorchLayout> SourceLayoutOf(const TensorFile& checkpoint, const nlohmann::json& meta) {
  const auto def = meta.find("definition");
  if (def == meta.end() || !def->is_object() || !def->contains("source_layout")) return std::nullopt;
  return SourceLayoutFromJson(def->at("source_layout"), checkpoint.source);
}

std::string SourceLayoutLabel(const PyTorchLayout& layout, const std::string& imported_from) {
  std::string s = layout.name;
  if (!imported_from.empty()) s += " (as " + std::filesystem::path(imported_from).filename().string() + ")";
  if (!layout.wrapper.empty()) s += ", prefix " + layout.wrapper;
  if (layout.tied) s += ", tied";
  return s;
}

ModelExport ExportModel(const TensorFile& checkpoint, ExportNames names) {
  const nlohmann::json meta = GetMetadata(checkpoint);
  const std::optional<PyTorchLayout> layout = SourceLayoutOf(checkpoint, meta);
  if (names == ExportNames::kSource && !layout)
    throw ConfigError(checkpoint.source + ": the model was not imported from a PyTorch file, so it has no source "
                      "layout to export in; use rnnscope's names (--layout rnnscope)");
  ModelExport out;
  out.file = StateDictOnly(checkpoint);
  if (!layout || names == ExportNames::kRnnscope) {
    out.names = "rnnscope";
    return out;
  }
  const std::string imported_from = meta.at("definition").value("imported_from", std::string());
  out.names = SourceLayoutLabel(*layout, imported_from);
  for (const auto& [canonical, file_name] : layout->to_file)
    if (!out.file.Has(canonical))
      throw InputError(checkpoint.source + ": source_layout names '" + canonical + "' (" + file_name +
                       " in the PyTorch file), which this checkpoint does not hold");
  if (layout->tied && out.file.Get("embedding.weight").bytes != out.file.Get("fc.weight").bytes)
    out.note = "tied in " + imported_from + ", but training moved " + layout->FileName("embedding.weight") + " and " +
               layout->FileName("fc.weight") + " apart: both are written; a tied model loading it keeps the last (" +
               layout->FileName("fc.weight") + ")";
  TensorFile named = FromCanonical(out.file, *layout);
  named.metadata.clear();  // a PyTorch state_dict under its own names: not an rnnscope checkpoint
  out.file = std::move(named);
  return out;
}

void PutMetadata(const nlohmann::json& meta, TensorFile& file) {
  nlohmann::json m = meta;
  m["format"] = kCheckpointFormat;
  m["version"] = kCheckpointVersion;
  file.metadata["rnnscope"] = m.dump();
}

namespace {

// Every metadata field rnnscope writes as a JSON float is a hyperparameter or a point of the
// loss history; all others are integers. nlohmann's get<int>() converts a float with static_cast, undefined behaviour when
// it is out of range (found by tests/fuzz: "hidden": 1e300, "corpus_seed": -1.5), so floats
// outside (-1, 2^31) are refused here unless the field is one of the hyperparameters or the history.
void CheckMetadataNumbers(const nlohmann::json& j, const std::string& key, const std::string& src) {
  // "history" holds the loss curve's points (losses, gradient norms: any finite value); its
  // steps are integers, which the history's own reader checks (training_job.cpp).
  static const char* const kFloatFields[] = {"learning_rate", "momentum", "beta2", "weight_decay",
                                             "clip", "temperature", "teacher_forcing", "history",
                                             "lr_gamma", "lr_factor", "lr_min", "best_val_loss"};
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) CheckMetadataNumbers(it.value(), it.key(), src);
  } else if (j.is_array()) {
    for (const nlohmann::json& v : j) CheckMetadataNumbers(v, key, src);
  } else if (j.is_number_float()) {
    const double v = j.get<double>();
    bool hyper = false;
    for (const char* f : kFloatFields) hyper = hyper || key == f;
    if (!std::isfinite(v) || (!hyper && !(v > -1.0 && v < 2147483648.0)))
      throw InputError(src + ": checkpoint metadata field '" + key + "' = " + j.dump() +
                       " is not a valid value (expected an integer in range)");
  }
}

// Version 1 kept each kind's fields at the top level; version 2 groups them (checkpoint.h).
nlohmann::json UpgradeFromVersion1(const nlohmann::json& v1) {
  nlohmann::json v2 = nlohmann::json::object();
  auto move = [&](nlohmann::json& to, const char* key) {
    if (v1.contains(key)) to[key] = v1.at(key);
  };
  for (const char* key : {"task", "step", "settings", "optimizer"}) move(v2, key);
  nlohmann::json definition = nlohmann::json::object(), state = nlohmann::json::object();
  const auto kind = v1.find("kind");
  const bool charlm = v1.value("task", nlohmann::json()).is_string() && v1.at("task") == "charlm";
  if (charlm) {
    v2["kind"] = "charlm";
    for (const char* key : {"model", "corpus_seed", "vocab", "text_path"}) move(definition, key);
    for (const char* key : {"batcher", "sample_rng", "carried"}) move(state, key);
    const std::string text = v1.value("text_path", nlohmann::json("")).is_string() ? v1.value("text_path", "") : "";
    v2["data"] = {{"path", text}, {"bytes", 0}, {"fnv1a64", ""}};  // not recorded then: unchecked
  } else {
    if (kind != v1.end()) v2["kind"] = *kind;
    for (const char* key : {"structure", "seq2seq", "task_options", "seed", "beam", "vocabulary",
                            "source_vocab", "target_vocab"})
      move(definition, key);
    move(state, "rng");
    v2["data"] = {{"path", ""}, {"bytes", 0}, {"fnv1a64", ""}};
  }
  v2["definition"] = definition;
  v2["state"] = state;
  v2["format"] = kCheckpointFormat;
  v2["version"] = kCheckpointVersion;
  v2["upgraded_from"] = 1;
  return v2;
}

}  // namespace

nlohmann::json GetMetadata(const TensorFile& file) {
  auto it = file.metadata.find("rnnscope");
  if (it == file.metadata.end())
    throw InputError(file.source + ": not an rnnscope checkpoint (no 'rnnscope' metadata); to "
                     "inspect a PyTorch state_dict use --weights with a vocabulary file");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file.source + ": checkpoint metadata is not valid JSON: " + e.what());
  }
  // Typed lookups: .value() would throw nlohmann's type_error on a hand-edited field.
  if (!meta.is_object()) throw InputError(file.source + ": checkpoint metadata is not a JSON object");
  CheckMetadataNumbers(meta, "rnnscope", file.source);
  const auto format = meta.find("format");
  if (format == meta.end() || !format->is_string() || format->get<std::string>() != kCheckpointFormat)
    throw InputError(file.source + ": metadata format is not " + kCheckpointFormat);
  const auto found = meta.find("version");
  const int64_t version = found != meta.end() && found->is_number_integer() ? found->get<int64_t>() : -1;
  if (version == 1) return UpgradeFromVersion1(meta);
  if (version != kCheckpointVersion)
    throw InputError(file.source + ": checkpoint version " + std::to_string(version) +
                     " is not supported (this rnnscope reads versions 1 and " +
                     std::to_string(kCheckpointVersion) + ")");
  return meta;
}

}  // namespace rnnscope
