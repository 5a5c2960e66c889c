// Crash-safe file writes, and the matching checked whole-file read.
//
// Every file rnnscope writes (checkpoints, safetensors, PNG) goes through AtomicFileWriter: the
// bytes land in "<path>.tmp.<pid>.<n>" in the same directory, are fsync'ed, renamed over the
// target and the directory is fsync'ed. A crash or a full disk mid-write therefore leaves
// either the old file or the new one, never a torn checkpoint that fails to load next session.
// (<n> is a per-process counter so two threads saving the same path cannot share a temp file.)
// A process killed mid-write leaves its temp file behind; the next writer of the same path
// removes such files whose <pid> no longer exists, so at most one per crash lingers until then.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace rnnscope {

class AtomicFileWriter {
 public:
  // Creates the temporary file. Throws Error "<path>: cannot write: <reason>".
  explicit AtomicFileWriter(std::filesystem::path path);
  // Without Commit() (an exception unwound past us) the temporary file is removed and the
  // target is left untouched.
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void Write(const void* data, std::size_t size);
  void Write(std::string_view bytes) { Write(bytes.data(), bytes.size()); }
  // fsync, rename over the target, fsync the directory. Throws Error on any failure.
  void Commit();

  const std::filesystem::path& temp_path() const { return temp_path_; }

 private:
  [[noreturn]] void Fail(const std::string& what, int err);
  void Abandon() noexcept;

  std::filesystem::path path_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// One-shot convenience over AtomicFileWriter.
void WriteFileAtomic(const std::filesystem::path& path, std::string_view bytes);

// Reads a whole regular file, checking before reading anything large. Throws InputError naming
// the path for: missing file, directory, non-regular file, permission/IO errors, and a file
// larger than max_bytes (the size is checked before allocating, so a 50 GB file fails fast).
std::string ReadFileChecked(const std::filesystem::path& path, std::uint64_t max_bytes);

}  // namespace rnnscope
