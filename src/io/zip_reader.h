// A minimal reader of zip archives held in memory, enough for the archives torch.save writes
// (PyTorch's PyTorchStreamWriter, miniz): entries listed by the central directory, zip64 sizes
// and offsets, STORED entries only. Entries are views into the caller's bytes, nothing is copied.
//
// Hostile input (it is fuzzed through io/torch_archive.h): every offset and length is checked
// against the bytes before use; problems throw InputError "<source>: <problem>". CRCs are not
// verified (torch.save archives are read for their tensors; truncation and bad offsets are what
// the checks catch). Compressed (DEFLATE) or encrypted entries are refused by name: torch.save
// never writes them, so such an archive was re-zipped by another tool.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rnnscope {

struct ZipEntry {
  std::string name;
  std::span<const unsigned char> data;  // the stored bytes, inside the archive's buffer
};

struct ZipArchive {
  std::vector<ZipEntry> entries;  // in central-directory order
  std::string source;

  // nullptr when absent.
  const ZipEntry* Find(const std::string& name) const;
};

// True when the bytes start like a zip archive (a local file header).
bool LooksLikeZip(std::span<const unsigned char> bytes);

ZipArchive ParseZip(std::span<const unsigned char> bytes, const std::string& source);

}  // namespace rnnscope
