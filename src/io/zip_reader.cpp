// Layout (APPNOTE.TXT): local headers + data ... central directory ... [zip64 end record,
// zip64 locator] end-of-central-directory record (+ comment). The central directory is the
// authority: torch.save sets flag bit 3, so the local headers carry zero sizes.
#include "io/zip_reader.h"

#include <algorithm>
#include <set>

#include "core/error.h"

namespace rnnscope {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr std::size_t kEndSize = 22, kCentralSize = 46, kLocalSize = 30, kLocatorSize = 20, kZip64EndSize = 56;
constexpr std::size_t kMaxComment = 0xFFFF;

class Reader {
 public:
  Reader(std::span<const unsigned char> bytes, const std::string& source) : b_(bytes), source_(source) {}

  InputError Fail(const std::string& what) const { return InputError(source_ + ": " + what); }

  // `n` bytes at `at` must lie inside the archive; `what` names the structure in the message.
  void Need(uint64_t at, uint64_t n, const char* what) const {
    if (at > b_.size() || n > b_.size() - at)
      throw Fail(std::string("zip archive cut short or corrupt: the ") + what + " at byte " + std::to_string(at) +
                 " (" + std::to_string(n) + " bytes) runs past the end of the file (" + std::to_string(b_.size()) +
                 " bytes)");
  }
  uint64_t U(uint64_t at, int n) const {  // little-endian unsigned of n bytes, bounds checked by the caller
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | b_[static_cast<std::size_t>(at) + static_cast<std::size_t>(i)];
    return v;
  }
  uint32_t U32(uint64_t at) const { return static_cast<uint32_t>(U(at, 4)); }
  uint16_t U16(uint64_t at) const { return static_cast<uint16_t>(U(at, 2)); }
  std::span<const unsigned char> bytes() const { return b_; }

 private:
  std::span<const unsigned char> b_;
  const std::string& source_;
};

struct Directory {
  uint64_t entries = 0, size = 0, offset = 0;
};

Directory FindDirectory(const Reader& r) {
  const std::size_t n = r.bytes().size();
  if (n < kEndSize) throw r.Fail("zip archive cut short: " + std::to_string(n) + " bytes, no end-of-central-directory record");
  // The end record is the last thing in the file, followed only by a comment of at most 64 KiB.
  const std::size_t lowest = n - kEndSize > kMaxComment ? n - kEndSize - kMaxComment : 0;
  std::size_t end = n - kEndSize + 1;
  bool found = false;
  while (end-- > lowest) {
    if (r.U32(end) == kEndSig && end + kEndSize + r.U16(end + 20) == n) {
      found = true;
      break;
    }
  }
  if (!found) throw r.Fail("zip archive cut short or corrupt: no end-of-central-directory record (truncated download?)");
  if (r.U16(end + 4) != 0 || r.U16(end + 6) != 0) throw r.Fail("a multi-part (split) zip archive, which is not read");
  Directory d{r.U16(end + 10), r.U32(end + 12), r.U32(end + 16)};
  if (d.entries == 0xFFFF || d.size == 0xFFFFFFFF || d.offset == 0xFFFFFFFF) {
    // zip64: the locator sits just before the end record and points at the zip64 end record.
    if (end < kLocatorSize || r.U32(end - kLocatorSize) != kZip64LocatorSig)
      throw r.Fail("zip64 archive without its zip64 end-of-central-directory locator (corrupt)");
    const uint64_t at = r.U(end - kLocatorSize + 8, 8);
    r.Need(at, kZip64EndSize, "zip64 end-of-central-directory record");
    if (r.U32(at) != kZip64EndSig) throw r.Fail("zip64 end-of-central-directory record missing at byte " + std::to_string(at));
    d = {r.U(at + 32, 8), r.U(at + 40, 8), r.U(at + 48, 8)};
  }
  r.Need(d.offset, d.size, "central directory");
  if (d.entries > d.size / kCentralSize)
    throw r.Fail("zip central directory announces " + std::to_string(d.entries) + " entries in " + std::to_string(d.size) +
                 " bytes (corrupt)");
  return d;
}

// The zip64 extended-information extra field replaces, in this order, each of the three values
// the fixed header marks 0xFFFFFFFF.
void ApplyZip64Extra(const Reader& r, uint64_t extra, uint64_t extra_len, uint64_t* usize, uint64_t* csize,
                     uint64_t* offset, const std::string& name) {
  uint64_t at = extra;
  const uint64_t stop = extra + extra_len;
  while (at + 4 <= stop) {
    const uint16_t id = r.U16(at), len = r.U16(at + 2);
    if (at + 4 + len > stop) break;
    if (id == 0x0001) {
      uint64_t p = at + 4;
      for (uint64_t* v : {usize, csize, offset}) {
        if (*v != 0xFFFFFFFF) continue;
        if (p + 8 > at + 4 + len) throw r.Fail("zip entry '" + name + "': zip64 extra field too short");
        *v = r.U(p, 8);
        p += 8;
      }
      return;
    }
    at += 4 + len;
  }
  if (*usize == 0xFFFFFFFF || *csize == 0xFFFFFFFF || *offset == 0xFFFFFFFF)
    throw r.Fail("zip entry '" + name + "': zip64 sizes announced but no zip64 extra field");
}

}  // namespace

const ZipEntry* ZipArchive::Find(const std::string& name) const {
  for (const ZipEntry& e : entries)
    if (e.name == name) return &e;
  return nullptr;
}

bool LooksLikeZip(std::span<const unsigned char> b) {
  return b.size() >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
}

ZipArchive ParseZip(std::span<const unsigned char> bytes, const std::string& source) {
  const Reader r(bytes, source);
  const Directory d = FindDirectory(r);
  ZipArchive archive;
  archive.source = source;
  std::set<std::string> names;
  uint64_t at = d.offset;
  const uint64_t stop = d.offset + d.size;
  for (uint64_t i = 0; i < d.entries; ++i) {
    if (at + kCentralSize > stop || r.U32(at) != kCentralSig)
      throw r.Fail("zip central directory entry " + std::to_string(i) + " at byte " + std::to_string(at) + " is corrupt");
    const uint16_t flags = r.U16(at + 8), method = r.U16(at + 10);
    uint64_t csize = r.U32(at + 20), usize = r.U32(at + 24), offset = r.U32(at + 42);
    const uint64_t name_len = r.U16(at + 28), extra_len = r.U16(at + 30), comment_len = r.U16(at + 32);
    if (at + kCentralSize + name_len + extra_len + comment_len > stop)
      throw r.Fail("zip central directory entry " + std::to_string(i) + " runs past the directory's end (corrupt)");
    const auto* name_begin = reinterpret_cast<const char*>(bytes.data() + at + kCentralSize);
    std::string name(name_begin, name_len);
    ApplyZip64Extra(r, at + kCentralSize + name_len, extra_len, &usize, &csize, &offset, name);
    at += kCentralSize + name_len + extra_len + comment_len;

    if (flags & 1) throw r.Fail("zip entry '" + name + "' is encrypted; torch.save never encrypts");
    if (method != 0)
      throw r.Fail("zip entry '" + name + "' is compressed (method " + std::to_string(method) +
                   "); torch.save stores entries uncompressed, so this archive was re-zipped: save it again with "
                   "torch.save, or re-zip it without compression (zip -0)");
    if (csize != usize)
      throw r.Fail("zip entry '" + name + "' is stored but its sizes differ (" + std::to_string(csize) + " vs " +
                   std::to_string(usize) + "; corrupt)");
    r.Need(offset, kLocalSize, "local header");
    if (r.U32(offset) != kLocalSig) throw r.Fail("zip entry '" + name + "': no local header at byte " + std::to_string(offset));
    const uint64_t data = offset + kLocalSize + r.U16(offset + 26) + r.U16(offset + 28);
    r.Need(data, csize, ("data of entry '" + name + "'").c_str());
    if (!names.insert(name).second) throw r.Fail("zip archive lists entry '" + name + "' twice");
    archive.entries.push_back({std::move(name), bytes.subspan(static_cast<std::size_t>(data), static_cast<std::size_t>(csize))});
  }
  return archive;
}

}  // namespace rnnscope
