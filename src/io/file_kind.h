// What a file holds, judged from its content, never its name: `rnnscope PATH`, File ▸ Open…
// and a file dropped onto the window all open a file by its kind (train/open_file.h):
//   kText        UTF-8 text                      → the char LM on that text
//   kTsvPairs    "source<TAB>target" lines       → seq2seq (task tsv)
//   kConll       "token<TAB>tag" lines, a blank line between sentences → tagging (task conll)
//   kCheckpoint  safetensors with rnnscope's metadata → that run, continued
//   kStateDict   safetensors or a torch.save archive (.pt) with recurrent weights
//                (rnn.weight_ih_l0, …) and no rnnscope metadata: a PyTorch model → inspect it
//                (and train it further on a text)
// Only the first kSampleBytes of a text are read to decide; a safetensors file, only its
// header; a torch.save archive, its first kSampleBytes (io/torch_archive.h). Where two readings fit (two-column lines that could be word pairs or tags), `also`
// lists the other, and the window asks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rnnscope {

enum class FileKind { kText, kTsvPairs, kConll, kCheckpoint, kStateDict };

// "text", "tsv", "conll", "checkpoint", "state_dict": the names `--kind` takes.
std::string_view FileKindName(FileKind kind);
// "UTF-8 text", "TSV pairs (seq2seq)", …: for menus and messages.
std::string_view FileKindTitle(FileKind kind);
// By name; false when the name is none of FileKindName's.
bool ParseFileKind(std::string_view name, FileKind* out);

struct FileKindGuess {
  FileKind kind = FileKind::kText;
  std::vector<FileKind> also;  // other kinds that fit as well (the first is `kind`'s runner-up)
  std::string detail;          // one line on what was seen: "UTF-8 text, 1.1 MB", …
  uint64_t bytes = 0;          // the file's size
};

inline constexpr std::size_t kSampleBytes = 64 * 1024;

// Throws InputError naming the path and the problem: missing, a folder, unreadable, empty,
// a binary file (NUL byte or invalid UTF-8, with the byte offset), a legacy torch.save pickle, a
// torch.save archive of a whole module or without a recurrent layer, a
// safetensors file that is neither a checkpoint nor a recurrent model.
FileKindGuess DetectFileKind(const std::string& path);
// The same decision on bytes already read (`sample`: the file's first bytes, `total`: its size;
// for tests and fuzzing). `source` names the file in messages.
FileKindGuess DetectFileKindOf(std::string_view sample, uint64_t total, const std::string& source);

}  // namespace rnnscope
