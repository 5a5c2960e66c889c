// The fuzz harnesses, shared by the libFuzzer entry points (tests/fuzz/fuzz_*.cpp, built with
// clang when RNNSCOPE_FUZZ=ON) and by the ordinary gtest that replays the committed seed corpus
// and every crash the fuzzers ever found (tests/test_fuzz_regressions.cpp).
//
// Contract of every harness: hostile bytes in, and the only acceptable failure is a
// rnnscope::Error (InputError/ShapeError/ConfigError) — the typed error the CLI prints on one
// line and the app shows in a modal. Anything else escaping (a nlohmann::json exception,
// std::bad_alloc, std::out_of_range) is reported by libFuzzer as a crash, as is every
// sanitizer report. Harnesses also assert invariants (round trips) with Check(), which aborts.
//
// Contents: Check · FuzzSafetensors · FuzzModelIo · FuzzTextCorpus · FuzzCheckpoint · FuzzConll ·
//           FuzzTsv · FuzzFileKind · FuzzTorchArchive
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/utf8.h"
#include "train/checkpoint.h"
#include "model/model_io.h"
#include "io/file_kind.h"
#include "io/safetensors.h"
#include "io/torch_archive.h"
#include "io/torch_pickle.h"
#include "model/cell_kind.h"
#include "model/model_config.h"
#include "core/rng.h"
#include "tasks/conll_file.h"
#include "tasks/seq2seq_task.h"
#include "tasks/text_corpus.h"
#include "train/char_lm_job.h"
#include "train/settings_json.h"

namespace rnnscope::fuzz {

// Models larger than this are legitimate but too slow/big to build on every fuzz input; the
// harnesses skip them (the size itself is bounded by ModelConfig::Validate).
inline constexpr double kMaxFuzzParams = 2e6;
inline constexpr long long kMaxFuzzTokens = 4096;  // batch × seq_len per training step

inline void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

inline std::span<const unsigned char> Bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const unsigned char*>(data), size};
}

// Rough parameter count of a config (upper bound), to skip giant models before allocating.
inline double ApproxParams(const ModelConfig& c) {
  const double G = 4, H = c.hidden, D = c.Directions(), V = c.vocab, E = c.embed;
  double n = V * E + V * (D * H + 1);
  for (int l = 0; l < c.layers; ++l) n += D * G * H * (c.InputSize(l) + 2 * H + 4);
  return n;
}

// ---------------------------------------------------------------- safetensors reader
// Parse; then every accessor on every tensor; then serialize → parse must give the same file.
inline int FuzzSafetensors(const uint8_t* data, size_t size) {
  TensorFile file;
  try {
    file = ParseSafetensors(Bytes(data, size), "fuzz.safetensors");
  } catch (const Error&) {
    return 0;
  }
  for (const auto& [name, t] : file.tensors) {
    Check(static_cast<int64_t>(t.bytes.size()) == t.NumElements() * DtypeSize(t.dtype),
          "tensor byte size disagrees with shape × dtype");
    try {
      (void)file.FindNonFinite(name);
      if (IsFloatDtype(t.dtype)) {
        std::vector<int64_t> shape;
        const std::vector<double> v = file.GetTensor<double>(name, &shape);
        Check(static_cast<int64_t>(v.size()) == t.NumElements(), "GetTensor size");
        if (t.shape.size() <= 2) (void)file.GetMatrix<float>(name);
      } else {
        (void)file.GetTensor<int64_t>(name);
        (void)file.GetTensor<int32_t>(name);  // may throw: out of int32 range
      }
    } catch (const Error&) {
    }
  }
  try {
    file.CheckFinite();
  } catch (const Error&) {
  }
  const std::vector<unsigned char> again = SerializeSafetensors(file);
  const TensorFile back = ParseSafetensors(again, "round trip");
  Check(back.tensors.size() == file.tensors.size(), "round trip changed the tensor count");
  Check(back.metadata == file.metadata, "round trip changed the metadata");
  for (const auto& [name, t] : file.tensors) {
    const NamedTensor& u = back.Get(name);
    Check(u.dtype == t.dtype && u.shape == t.shape && u.bytes == t.bytes,
          "round trip changed a tensor");
  }
  return 0;
}

// ---------------------------------------------------------------- PyTorch state_dict import
// What `rnnscope grad/trace --weights` does before computing: infer the model from the names
// and shapes for each cell, then load every tensor.
inline int FuzzModelIo(const uint8_t* data, size_t size) {
  TensorFile file;
  try {
    file = ParseSafetensors(Bytes(data, size), "weights.safetensors");
  } catch (const Error&) {
    return 0;
  }
  for (const char* cell : {"lstm", "gru", "rnn_tanh", "rnn_relu", "jordan"}) {
    try {
      const ModelConfig config = InferModelConfig(file, ParseCellKind(cell));
      if (ApproxParams(config) > kMaxFuzzParams) continue;
      ModelParams<double> params;
      params.Allocate(config);
      LoadModelParams(file, config, params);
      (void)LoadTokenBatch(file, config.vocab, false);
    } catch (const Error&) {
    }
  }
  return 0;
}

// ---------------------------------------------------------------- UTF-8 and the text corpus
inline int FuzzTextCorpus(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The three decoders agree, and valid text survives decode → encode unchanged.
  const Utf8Error err = ValidateUtf8(text);
  std::vector<char32_t> cps;
  const Utf8Error err2 = TryDecodeUtf8(text, &cps);
  Check(err.status == err2.status && err.offset == err2.offset, "Validate and TryDecode disagree");
  if (err.ok()) {
    Check(EncodeUtf8(cps) == text, "decode → encode is not the identity");
    Check(DecodeUtf8(text, "fuzz") == cps, "DecodeUtf8 disagrees with TryDecodeUtf8");
  } else {
    Check(err.offset < text.size(), "error offset past the end");
    bool threw = false;
    try {
      (void)DecodeUtf8(text, "fuzz");
    } catch (const InputError&) {
      threw = true;
    }
    Check(threw, "DecodeUtf8 accepted what ValidateUtf8 rejected");
  }
  TextCorpusOptions options;
  options.validation_fraction = size > 0 ? (data[0] % 6) / 10.0 : 0.1;
  options.keep_crlf = size > 1 && (data[1] & 1);
  try {
    const TextCorpus corpus = MakeTextCorpus(text, "fuzz.txt", options);
    Check(corpus.vocab.Size() >= 2, "corpus with fewer than two characters");
    Check(corpus.train.size() >= 2, "corpus with fewer than two training ids");
    for (int32_t id : corpus.train) Check(id >= 0 && id < corpus.vocab.Size(), "id out of range");
    for (int32_t id : corpus.validation) Check(id >= 0 && id < corpus.vocab.Size(), "id out of range");
    std::vector<int32_t> all = corpus.train;
    all.insert(all.end(), corpus.validation.begin(), corpus.validation.end());
    const std::string decoded = corpus.vocab.Decode(all);
    Check(decoded.size() == corpus.bytes, "decoded corpus size differs from the normalized size");
  } catch (const Error&) {
  }
  return 0;
}

// ---------------------------------------------------------------- checkpoints
// The corpus the checkpoint seeds were trained on (`rnnscope train --text corpus.txt`, run in a
// directory holding this text; see tests/fuzz/README.md). The harness recreates it in a private
// temporary directory so the seeds' relative "text_path" resolves.
inline constexpr const char* kCheckpointCorpus =
    "It was the best of times, it was the worst of times, it was the age of wisdom,\n"
    "it was the age of foolishness, it was the epoch of belief, it was the epoch of\n"
    "incredulity, it was the season of Light, it was the season of Darkness.\n";

inline const std::filesystem::path& CheckpointWorkDir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d = std::filesystem::temp_directory_path() /
                              ("rnnscope_fuzz_ckpt." + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::ofstream(d / "corpus.txt", std::ios::binary) << kCheckpointCorpus;
    std::filesystem::current_path(d);  // text_path "corpus.txt" is relative
    return d;
  }();
  return dir;
}

// GetMetadata and the metadata parse, then the real CharLmJob::Load on the bytes as a file, and
// one training step of what it loaded: a checkpoint that loads must also train.
inline int FuzzCheckpoint(const uint8_t* data, size_t size) {
  const std::filesystem::path dir = CheckpointWorkDir();
  nlohmann::json meta;
  try {
    const TensorFile file = ParseSafetensors(Bytes(data, size), "fuzz.safetensors");
    meta = GetMetadata(file);
  } catch (const Error&) {
    return 0;
  }
  // Skip work the real loader would legitimately do at great cost: giant models and steps,
  // and texts other than our corpus (reading arbitrary files; the procedural corpus is slow).
  try {
    if (!meta.is_object()) return 0;
    const auto path = meta.find("text_path");
    if (path == meta.end() || !path->is_string() || path->get<std::string>() != "corpus.txt") return 0;
    ModelConfig config = ModelConfigFromJson(meta.at("model"));
    config.vocab = 64;
    if (ApproxParams(config) > kMaxFuzzParams) return 0;
    const TrainSettings s = TrainSettingsFromJson(meta.at("settings"));
    if (static_cast<long long>(s.batch) * s.seq_len > kMaxFuzzTokens) return 0;
  } catch (const Error&) {
    return 0;
  } catch (const nlohmann::json::exception&) {
    // Not our loader's parse: CharLmJob::Load below must turn these into InputError itself.
  }
  const std::filesystem::path path = dir / "fuzz.safetensors";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    TrainSettings settings;
    std::unique_ptr<CharLmJob> job = CharLmJob::Load(path.string(), &settings);
    const StepResult r = job->Step(settings);
    Check(r.non_finite.empty() ? std::isfinite(r.loss) : true, "finite step reported a bad loss");
  } catch (const Error&) {
  }
  return 0;
}

// ---------------------------------------------------------------- CoNLL-like tagging files
// Parse; every sentence that comes back is usable as it is: as many tags as words, no empty or
// whitespace-carrying token or tag, and a line number inside the file.
inline int FuzzConll(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<TaggedSentence> sentences;
  try {
    sentences = ParseConll(text, "fuzz.conll");
  } catch (const Error&) {
    return 0;
  }
  const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const TaggedSentence& s : sentences) {
    Check(!s.words.empty(), "an empty sentence");
    Check(s.words.size() == s.tags.size(), "words and tags disagree in number");
    Check(s.line >= 1 && s.line <= lines, "a sentence's line number is outside the file");
    for (const std::vector<std::string>* column : {&s.words, &s.tags})
      for (const std::string& field : *column)
        Check(!field.empty() && field.find_first_of(" \t\r\n") == std::string::npos,
              "an empty field or one with whitespace in it");
  }
  return 0;
}

// ---------------------------------------------------------------- TSV seq2seq pairs
// The real loader reads a path: write the bytes to a file of this process, load, then draw from
// every split: each example has a non-empty source and target within the vocabularies.
inline int FuzzTsv(const uint8_t* data, size_t size) {
  static const std::filesystem::path path = [] {
    std::filesystem::path d = std::filesystem::temp_directory_path() /
                              ("rnnscope_fuzz_tsv." + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d / "pairs.tsv";
  }();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  TaskOptions options;
  options.data_path = path.string();
  std::unique_ptr<Seq2SeqTask> task;
  try {
    task = MakeSeq2SeqTask("tsv", options);
  } catch (const Error&) {
    return 0;
  }
  Check(task->MaxTargetLength() >= 1, "a loaded file with no target longer than zero");
  Rng rng(1);
  for (const Split split : {Split::kTrain, Split::kValidation, Split::kTest}) {
    const Seq2SeqExample ex = task->Sample(rng, split);
    Check(!ex.source.empty() && !ex.target.empty(), "an example with an empty side");
    for (const int32_t t : ex.source) Check(t >= 0 && t < task->source_vocab().Size(), "source token out of range");
    for (const int32_t t : ex.target) Check(t >= 0 && t < task->target_vocab().Size(), "target token out of range");
  }
  return 0;
}

// ---------------------------------------------------------------- a file's kind
// The content sniffing every opened file goes through (io/file_kind.h): the bytes as a whole
// file, and as the first bytes of a longer one (a sample cut anywhere, a header running past
// it). A kind comes back with a detail line, a name that parses back, and no second reading
// equal to the first.
inline int FuzzFileKind(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const uint64_t extra : {uint64_t{0}, uint64_t{4096}}) {
    try {
      const FileKindGuess g = DetectFileKindOf(bytes, size + extra, "<fuzz>");
      FileKind parsed;
      Check(ParseFileKind(FileKindName(g.kind), &parsed) && parsed == g.kind, "a kind whose name does not parse back");
      Check(!g.detail.empty(), "a kind without a detail line");
      Check(std::find(g.also.begin(), g.also.end(), g.kind) == g.also.end(), "the kind listed again as its alternative");
      Check(g.bytes == size + extra, "the size reported is not the file's");
    } catch (const Error&) {
    }
  }
  return 0;
}

// ---------------------------------------------------------------- torch.save archives
// The in-memory reader behind every .pt opened (io/torch_archive.h): zip directory, restricted
// unpickler, view gathering. What comes back is a TensorFile like a safetensors one: each
// tensor holds shape × dtype bytes, no more in total than the reader's output budget (views
// broadcasting one storage), every accessor works, and it serializes to safetensors and back
// unchanged (names are UTF-8, none is "__metadata__"). Bytes that are not a zip go to the
// unpickler alone as well (the seeds include bare data.pkl files), so its opcodes are reached
// without the fuzzer first having to build a valid zip around them; a graph that comes back
// refers only to objects inside it.
inline int FuzzTorchArchive(const uint8_t* data, size_t size) {
  if (SniffTorchFile(Bytes(data, size)) != TorchFileSniff::kZipArchive) {
    try {
      const PickleGraph g = RestrictedUnpickle(Bytes(data, size), "fuzz.pkl");
      const auto n = static_cast<int>(g.objects.size());
      Check(g.root >= 0 && g.root < n, "the pickle's root is outside its graph");
      for (const PickleObject& o : g.objects) {
        for (const int i : o.items) Check(i >= 0 && i < n, "a pickle object refers outside the graph");
        if (o.kind == PickleKind::kDict) Check(o.items.size() % 2 == 0, "a dict with a key and no value");
        if (o.kind == PickleKind::kTensor) {
          Check(o.items.size() == 1 && g.at(o.items[0]).kind == PickleKind::kStorage, "a tensor without its storage");
          Check(o.size.size() == o.stride.size(), "a tensor whose size and stride differ in rank");
        }
      }
    } catch (const Error&) {
    }
  }
  TensorFile file;
  try {
    file = ParseTorchArchive(Bytes(data, size), "fuzz.pt");
  } catch (const Error&) {
    return 0;
  }
  Check(!file.tensors.empty(), "an archive read without a tensor");
  uint64_t total = 0;
  for (const auto& [name, t] : file.tensors) {
    Check(static_cast<int64_t>(t.bytes.size()) == t.NumElements() * DtypeSize(t.dtype),
          "tensor byte size disagrees with shape × dtype");
    total += t.bytes.size();
    try {
      if (IsFloatDtype(t.dtype)) (void)file.GetTensor<double>(name);
      else (void)file.GetTensor<int64_t>(name);
    } catch (const Error&) {
    }
  }
  Check(total <= 4 * static_cast<uint64_t>(size) + (1u << 20), "the tensors read exceed the output budget");
  const TensorFile back = ParseSafetensors(SerializeSafetensors(file), "round trip");
  Check(back.tensors.size() == file.tensors.size() && back.metadata == file.metadata, "safetensors round trip changed the file");
  for (const auto& [name, t] : file.tensors) {
    const NamedTensor& u = back.Get(name);
    Check(u.dtype == t.dtype && u.shape == t.shape && u.bytes == t.bytes, "safetensors round trip changed a tensor");
  }
  return 0;
}

}  // namespace rnnscope::fuzz
