#include "io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "core/error.h"

namespace rnnscope {
namespace {

std::atomic<unsigned> g_temp_counter{0};

std::string ErrnoText(int err) { return std::strerror(err); }

// Removes "<name>.tmp.<pid>.<n>" files beside `path` left by processes that no longer exist
// (killed mid-save: SIGKILL, power cut). Without this every crash during a save would leave a
// checkpoint-sized file behind for good. Files of live processes (another rnnscope saving the
// same path right now) are left alone. Best effort: errors are ignored.
void RemoveStaleTempFiles(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  const std::string prefix = path.filename().string() + ".tmp.";
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());  // "<pid>.<n>"
    const std::size_t dot = rest.find('.');
    if (dot == 0 || dot == std::string::npos || dot > 9 ||
        rest.find_first_not_of("0123456789.") != std::string::npos)
      continue;
    const long pid = std::stol(rest.substr(0, dot));
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      std::filesystem::remove(it->path(), ignored);
    }
  }
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::filesystem::path path) : path_(std::move(path)) {
  if (path_.empty()) throw Error("cannot write a file with an empty path");
  RemoveStaleTempFiles(path_);
  temp_path_ = path_;
  temp_path_ += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(g_temp_counter++);
  // 0666 filtered by the umask, like any ordinary file the user creates.
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    const int err = errno;
    throw Error(path_.string() + ": cannot write: " + ErrnoText(err) + " (creating " +
                temp_path_.string() + ")");
  }
  // Replacing a file keeps its permission bits (a user's chmod 600 on a checkpoint survives).
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::fchmod(fd_, st.st_mode & 07777);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed_) Abandon();
}

void AtomicFileWriter::Abandon() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicFileWriter::Fail(const std::string& what, int err) {
  Abandon();
  committed_ = true;  // nothing left to clean up
  throw Error(path_.string() + ": cannot write: " + what + ": " + ErrnoText(err));
}

void AtomicFileWriter::Write(const void* data, std::size_t size) {
  if (committed_ || fd_ < 0) throw Error(path_.string() + ": write after commit");
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail("write", errno);
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFileWriter::Commit() {
  if (committed_ || fd_ < 0) throw Error(path_.string() + ": committed twice");
  if (::fsync(fd_) != 0) Fail("fsync", errno);
  if (::close(fd_) != 0) {
    fd_ = -1;
    Fail("close", errno);
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) Fail("rename", errno);
  committed_ = true;
  // The rename is only durable once the directory entry is; without this fsync a power cut
  // can bring back the old file (or none) even though Commit returned.
  std::filesystem::path dir = path_.parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: some filesystems refuse fsync on directories
    ::close(dfd);
  }
}

void WriteFileAtomic(const std::filesystem::path& path, std::string_view bytes) {
  AtomicFileWriter writer(path);
  writer.Write(bytes);
  writer.Commit();
}

std::string ReadFileChecked(const std::filesystem::path& path, std::uint64_t max_bytes) {
  const std::string name = path.string();
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) {
    if (ec && ec != std::errc::no_such_file_or_directory)
      throw InputError(name + ": cannot read: " + ec.message());
    throw InputError(name + ": no such file");
  }
  if (std::filesystem::is_directory(st)) throw InputError(name + ": is a directory, expected a file");
  if (!std::filesystem::is_regular_file(st))
    throw InputError(name + ": not a regular file (device, pipe or socket)");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw InputError(name + ": cannot read: " + ec.message());
  if (size > max_bytes) {
    throw InputError(name + ": file is " + std::to_string(size) + " bytes, larger than the " +
                     std::to_string(max_bytes) + "-byte limit");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(name + ": cannot open: " + ErrnoText(errno));
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size)
    throw InputError(name + ": read error (file changed while reading?)");
  return bytes;
}

}  // namespace rnnscope
