// Any UTF-8 text file as a character-level language-modelling corpus: validated, turned into a
// code-point vocabulary and split into train / validation id streams.
//
// Normalization (documented because it changes what the model sees): a leading UTF-8 byte
// order mark is dropped, and "\r\n" becomes "\n" unless keep_crlf is set (Windows line endings
// would otherwise spend model capacity on predicting an invisible '\r' before every '\n').
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/vocab.h"

namespace rnnscope {

inline constexpr std::uint64_t kMaxTextCorpusBytes = 256ull << 20;  // 256 MiB

struct TextCorpusOptions {
  // The last validation_fraction of the characters (by code point) are held out. In [0, 0.5].
  double validation_fraction = 0.1;
  std::uint64_t max_bytes = kMaxTextCorpusBytes;  // checked before reading
  bool keep_crlf = false;
};

struct TextCorpus {
  std::string source;              // file path, or a name for in-memory text
  Vocab vocab;                     // every character of the whole text, sorted by code point
  std::vector<int32_t> train;      // ids, in text order
  std::vector<int32_t> validation; // ids, the tail of the text; empty when the fraction is 0
  std::uint64_t bytes = 0;         // UTF-8 size after normalization
};

// Throws InputError "<path>: <problem>" for: missing file, directory, unreadable file, file
// larger than max_bytes, empty file, binary content (NUL byte) or invalid UTF-8 (with the byte
// offset), and text with fewer than two distinct characters. ConfigError for bad options.
TextCorpus LoadTextCorpus(const std::filesystem::path& path, const TextCorpusOptions& options = {});
// Same checks on text already in memory.
TextCorpus MakeTextCorpus(std::string text, std::string_view source, const TextCorpusOptions& options = {});

}  // namespace rnnscope
