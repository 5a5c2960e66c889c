#include "io/file_kind.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <span>

#include "core/error.h"
#include "core/utf8.h"
#include "io/torch_archive.h"
#include "io/torch_pickle.h"

namespace rnnscope {
namespace {

constexpr std::array<std::pair<FileKind, const char*>, 5> kNames = {{{FileKind::kText, "text"},
                                                                     {FileKind::kTsvPairs, "tsv"},
                                                                     {FileKind::kConll, "conll"},
                                                                     {FileKind::kCheckpoint, "checkpoint"},
                                                                     {FileKind::kStateDict, "state_dict"}}};

// A safetensors header is at most this long here (real ones are kilobytes; the format's own
// limit is 100 MB, which a header we only look into need not reach).
constexpr uint64_t kMaxHeaderBytes = 16u << 20;

std::string Size(uint64_t bytes) {
  char buf[32];
  if (bytes < 1024) std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  else if (bytes < (1u << 20)) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  else std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

uint64_t LittleEndian64(std::string_view b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[static_cast<std::size_t>(i)]);
  return v;
}

// The header length when `sample` starts like a safetensors file (8-byte little-endian length,
// then a JSON object that fits in the file); 0 otherwise.
uint64_t SafetensorsHeaderLength(std::string_view sample, uint64_t total) {
  if (sample.size() < 10 || sample[8] != '{') return 0;
  const uint64_t n = LittleEndian64(sample);
  if (n < 2 || n > total - 8 || n > kMaxHeaderBytes) return 0;
  return n;
}

// A PyTorch model file of these tensor names: a state_dict when one is a recurrent layer's.
FileKindGuess StateDictKind(const std::vector<std::string>& names, uint64_t total, const std::string& source,
                            const char* what) {
  bool recurrent = false;
  for (const std::string& name : names) recurrent |= name.find("weight_ih_l") != std::string::npos;
  if (!recurrent) {
    std::string found;
    for (std::size_t i = 0; i < names.size() && i < 5; ++i) found += (i ? ", " : "") + names[i];
    if (names.size() > 5) found += ", …";
    throw InputError(source + ": " + what + " with no recurrent layer (no 'rnn.weight_ih_l0'-style tensor) and no "
                     "rnnscope metadata; it has " + (names.empty() ? std::string("no tensors") : found));
  }
  FileKindGuess g;
  g.kind = FileKind::kStateDict;
  g.bytes = total;
  g.detail = "PyTorch state_dict, " + std::to_string(names.size()) + " tensors";
  return g;
}

FileKindGuess SafetensorsKind(std::string_view sample, uint64_t n, uint64_t total, const std::string& source) {
  if (sample.size() < 8 + n) throw InputError(source + ": safetensors header cut short (" + std::to_string(n) + " bytes announced)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(sample.substr(8, n));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source + ": safetensors header is not valid JSON: " + e.what());
  }
  if (!header.is_object()) throw InputError(source + ": safetensors header is not a JSON object");
  FileKindGuess g;
  g.bytes = total;
  const auto meta = header.find("__metadata__");
  if (meta != header.end() && meta->is_object()) {
    const auto rnnscope = meta->find("rnnscope");
    if (rnnscope != meta->end() && rnnscope->is_string()) {
      const nlohmann::json m = nlohmann::json::parse(rnnscope->get<std::string>(), nullptr, /*allow_exceptions=*/false);
      g.kind = FileKind::kCheckpoint;
      g.detail = m.is_object() && m.value("state_dict_only", false) ? "rnnscope model export (weights, no optimizer state)"
                                                                    : "rnnscope checkpoint";
      if (m.is_object()) {
        if (m.contains("task") && m["task"].is_string()) g.detail += ": task " + m["task"].get<std::string>();
        if (m.contains("step") && m["step"].is_number_integer()) g.detail += ", step " + std::to_string(m["step"].get<int64_t>());
      }
      return g;
    }
    const auto format = meta->find("format");
    if (format != meta->end() && format->is_string() && format->get<std::string>().rfind("rnnscope trace", 0) == 0)
      throw InputError(source + ": an rnnscope trace export (per-timestep gates and states), not a model: "
                       "open the checkpoint it was exported from");
  }
  std::vector<std::string> names;
  for (const auto& [name, value] : header.items())
    if (name != "__metadata__") names.push_back(name);
  return StateDictKind(names, total, source, "a safetensors file");
}

// A torch.save archive. One that fits in the sample is read whole, so a whole pickled module
// (torch.save(model)) or a file of no tensors is refused here with the reader's own message; of
// a larger one only the pickle's start is run (the same restricted unpickler: a refused class
// shows), and the sample is searched for a recurrent layer's name.
FileKindGuess TorchArchiveKind(std::string_view sample, uint64_t total, const std::string& source) {
  const auto bytes = std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(sample.data()), sample.size());
  if (sample.size() == total) {
    const TensorFile file = ParseTorchArchive(bytes, source);
    std::vector<std::string> names;
    for (const auto& [name, t] : file.tensors) names.push_back(name);
    return StateDictKind(names, total, source, "a torch.save archive");
  }
  if (sample.size() < 30) throw InputError(source + ": a zip archive cut short");
  const std::size_t name_len = static_cast<unsigned char>(sample[26]) | static_cast<std::size_t>(static_cast<unsigned char>(sample[27])) << 8;
  const std::size_t extra_len = static_cast<unsigned char>(sample[28]) | static_cast<std::size_t>(static_cast<unsigned char>(sample[29])) << 8;
  const std::string_view first = sample.substr(30, name_len);
  if (first.size() < 9 || first.substr(first.size() - 9) != "/data.pkl")
    throw InputError(source + ": a zip archive, not a torch.save file, a model or text");
  try {
    (void)RestrictedUnpickle(bytes.subspan(std::min(sample.size(), 30 + name_len + extra_len)), source);
  } catch (const PickleCutShort&) {
    // The pickle goes on past the sample: what was run of it was allowed.
  }
  if (sample.find("weight_ih_l") == std::string_view::npos)
    throw InputError(source + ": a torch.save archive with no recurrent layer (no 'rnn.weight_ih_l0'-style tensor) in its "
                     "first " + Size(sample.size()));
  FileKindGuess g;
  g.kind = FileKind::kStateDict;
  g.bytes = total;
  g.detail = "PyTorch state_dict (torch.save), " + Size(total);
  return g;
}

// Lines of the sample; when the sample stops before the file's end its last line may be cut,
// so it is left out.
std::vector<std::string_view> SampleLines(std::string_view text, bool cut) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      if (!cut) lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  for (std::string_view& l : lines)
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  return lines;
}

bool Blank(std::string_view line) { return line.find_first_not_of(" \t") == std::string_view::npos; }

// Whitespace-separated fields, as conll_file.cpp splits them.
int FieldCount(std::string_view line) {
  int fields = 0;
  bool in_field = false;
  for (char ch : line) {
    const bool space = ch == ' ' || ch == '\t';
    if (!space && !in_field) ++fields;
    in_field = !space;
  }
  return fields;
}

FileKindGuess TextKind(std::string_view text, uint64_t total, const std::string& source) {
  const bool cut = text.size() < total;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte order mark
  const auto lines = SampleLines(text, cut);
  int nonblank = 0, blank_between = 0, pairs = 0, tabbed = 0, two_fields = 0;
  std::set<std::string_view> right_columns;  // tags repeat; translations mostly do not
  bool seen_text = false;
  for (std::string_view line : lines) {
    if (Blank(line)) {
      if (seen_text) ++blank_between;
      continue;
    }
    seen_text = true;
    if (line.rfind("-DOCSTART-", 0) == 0) continue;  // CoNLL-2003 document markers
    ++nonblank;
    const auto tabs = std::count(line.begin(), line.end(), '\t');
    if (tabs > 0) ++tabbed;
    const std::size_t tab = line.find('\t');
    if (tabs == 1 && tab > 0 && tab + 1 < line.size()) ++pairs;
    if (FieldCount(line) == 2) {
      ++two_fields;
      const std::size_t end = line.find_last_not_of(" \t");
      const std::size_t begin = line.find_last_of(" \t", end) + 1;
      right_columns.insert(line.substr(begin, end + 1 - begin));
    }
  }
  FileKindGuess g;
  g.bytes = total;
  g.detail = "UTF-8 text, " + Size(total);
  const bool tsv = nonblank >= 1 && pairs == nonblank;
  const bool conll = nonblank >= 2 && two_fields == nonblank && blank_between >= 1;
  if (conll) {
    g.kind = FileKind::kConll;
    g.detail = "token/tag lines in sentences, " + Size(total);
    // Sentences whose second column rarely repeats could as well be word pairs: ask.
    if (tsv && right_columns.size() * 2 > static_cast<std::size_t>(nonblank)) g.also = {FileKind::kTsvPairs};
  } else if (tsv) {
    g.kind = FileKind::kTsvPairs;
    g.detail = "source<TAB>target lines, " + Size(total);
  } else if (nonblank >= 4 && tabbed * 10 >= nonblank * 9) {
    g.also = {FileKind::kTsvPairs};  // nearly all pairs: perhaps a TSV with a few broken lines
  }
  (void)source;
  return g;
}

}  // namespace

std::string_view FileKindName(FileKind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "?";
}

std::string_view FileKindTitle(FileKind kind) {
  switch (kind) {
    case FileKind::kText: return "UTF-8 text (character language model)";
    case FileKind::kTsvPairs: return "source<TAB>target pairs (seq2seq)";
    case FileKind::kConll: return "token<TAB>tag sentences (tagging)";
    case FileKind::kCheckpoint: return "rnnscope checkpoint (continue the run)";
    case FileKind::kStateDict: return "PyTorch state_dict (inspect the model)";
  }
  return "?";
}

bool ParseFileKind(std::string_view name, FileKind* out) {
  for (const auto& [k, n] : kNames) {
    if (name == n) {
      *out = k;
      return true;
    }
  }
  return false;
}

FileKindGuess DetectFileKindOf(std::string_view sample, uint64_t total, const std::string& source) {
  if (total == 0) throw InputError(source + ": the file is empty (0 bytes)");
  if (const uint64_t n = SafetensorsHeaderLength(sample, total)) return SafetensorsKind(sample, n, total, source);
  switch (SniffTorchFile(std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(sample.data()), sample.size()))) {
    case TorchFileSniff::kLegacyPickle: throw InputError(LegacyTorchFileMessage(source));
    case TorchFileSniff::kZipArchive: return TorchArchiveKind(sample, total, source);
    case TorchFileSniff::kNotTorch: break;
  }
  if (const std::size_t nul = sample.find('\0'); nul != std::string_view::npos)
    throw InputError(source + ": a binary file (a NUL byte at byte offset " + std::to_string(nul) + "), not text or a model");
  Utf8Error e = ValidateUtf8(sample);
  // A sample that stops inside the file may cut a character's last bytes off: that is not an error.
  if (!e.ok() && !(e.status == Utf8Status::kTruncated && sample.size() < total && sample.size() - e.offset < 4))
    throw InputError(source + ": not UTF-8 text (" + e.Describe(sample) + "); rnnscope reads UTF-8 text, TSV/CoNLL files and "
                     "safetensors or torch.save models");
  return TextKind(sample, total, source);
}

FileKindGuess DetectFileKind(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw InputError(path + ": no such file");
  if (fs::is_directory(status)) throw InputError(path + ": is a folder, not a file");
  if (!fs::is_regular_file(status)) throw InputError(path + ": not a regular file");
  const uint64_t total = fs::file_size(path, ec);
  if (ec) throw InputError(path + ": cannot read its size: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot be opened: " + std::strerror(errno));
  std::string sample(static_cast<std::size_t>(std::min<uint64_t>(total, kSampleBytes)), '\0');
  in.read(sample.data(), static_cast<std::streamsize>(sample.size()));
  sample.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw InputError(path + ": read error: " + std::strerror(errno));
  // A safetensors header longer than the sample: read the rest of it.
  if (const uint64_t n = SafetensorsHeaderLength(sample, total); n > 0 && n + 8 > sample.size()) {
    sample.resize(static_cast<std::size_t>(n + 8));
    in.read(sample.data() + kSampleBytes, static_cast<std::streamsize>(n + 8 - kSampleBytes));
    sample.resize(kSampleBytes + static_cast<std::size_t>(in.gcount()));
  }
  return DetectFileKindOf(sample, total, path);
}

}  // namespace rnnscope
