// Contents: pickler (Python's protocol-2 choices: int opcodes, memo, SETITEMS batches) · zip
// records (64-byte aligned, data descriptors, zip64 end) · SerializeTorchArchive · writers
#include "io/torch_archive_writer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <map>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/tensor_file_writer.h"

namespace rnnscope {
namespace {

const char* StorageClass(const std::string& dtype) {
  if (dtype == "F32") return "FloatStorage";
  if (dtype == "F64") return "DoubleStorage";
  if (dtype == "F16") return "HalfStorage";
  if (dtype == "BF16") return "BFloat16Storage";
  if (dtype == "I64") return "LongStorage";
  if (dtype == "I32") return "IntStorage";
  return nullptr;
}

// `bytes` little-endian bytes of v; past the eighth they are zero (a run of zero fields).
void PutLe(std::vector<unsigned char>& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(i < 8 ? static_cast<unsigned char>(v >> (8 * i)) : 0);
}

// ---------------------------------------------------------------- pickler
// Emits what Python's pickle.Pickler(protocol=2) emits for the objects torch.save builds: every
// string, global, non-empty tuple and REDUCE result is memoized (BINPUT) and an object seen again
// (the same Python object: 'storage', 'cpu', a storage class, _rebuild_tensor_v2) is a BINGET.
class Pickler {
 public:
  std::vector<unsigned char>& out() { return out_; }
  void Op(char c) { out_.push_back(static_cast<unsigned char>(c)); }
  void Put() {
    const uint64_t i = next_++;
    if (i < 256) {
      Op('q');
      PutLe(out_, i, 1);
    } else {
      Op('r');
      PutLe(out_, i, 4);
    }
  }
  void Get(uint64_t i) {
    if (i < 256) {
      Op('h');
      PutLe(out_, i, 1);
    } else {
      Op('j');
      PutLe(out_, i, 4);
    }
  }
  // A memoized object identified by `identity` (not by value: two equal tensor names are two
  // Python strings); `emit` writes it the first time.
  template <class F>
  void Shared(const std::string& identity, F emit) {
    if (const auto it = shared_.find(identity); it != shared_.end()) return Get(it->second);
    emit();
    shared_[identity] = next_;
    Put();
  }
  void String(const std::string& s) {  // BINUNICODE, memoized
    Op('X');
    PutLe(out_, s.size(), 4);
    out_.insert(out_.end(), s.begin(), s.end());
    Put();
  }
  void Global(const std::string& module, const std::string& name) {
    Shared("global " + module + "." + name, [&] {
      Op('c');
      for (const std::string& part : {module, name}) {
        out_.insert(out_.end(), part.begin(), part.end());
        Op('\n');
      }
    });
  }
  void Int(int64_t v) {  // save_long, protocol 2
    if (v >= 0 && v <= 0xff) {
      Op('K');
      PutLe(out_, static_cast<uint64_t>(v), 1);
    } else if (v >= 0 && v <= 0xffff) {
      Op('M');
      PutLe(out_, static_cast<uint64_t>(v), 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      Op('J');
      PutLe(out_, static_cast<uint64_t>(static_cast<uint32_t>(static_cast<int32_t>(v))), 4);
    } else {  // LONG1: the shortest two's complement (non-negative here: sizes and counts)
      std::vector<unsigned char> b;
      for (uint64_t u = static_cast<uint64_t>(v); u != 0; u >>= 8) b.push_back(static_cast<unsigned char>(u));
      if (b.back() & 0x80) b.push_back(0);
      Op('\x8a');
      out_.push_back(static_cast<unsigned char>(b.size()));
      out_.insert(out_.end(), b.begin(), b.end());
    }
  }
  void IntTuple(const std::vector<int64_t>& v) {
    if (v.empty()) return Op(')');  // the empty tuple is a singleton: never memoized
    if (v.size() > 3) Op('(');
    for (int64_t x : v) Int(x);
    Op(v.size() == 1 ? '\x85' : v.size() == 2 ? '\x86' : v.size() == 3 ? '\x87' : 't');
    Put();
  }

 private:
  std::vector<unsigned char> out_;
  uint64_t next_ = 0;
  std::map<std::string, uint64_t> shared_;
};

// Python's pickler writes dict items in batches of 1000: MARK k v … SETITEMS, a batch of one
// as k v SETITEM.
constexpr std::size_t kBatch = 1000;

std::vector<unsigned char> Pickle(const TensorFile& file) {
  Pickler p;
  p.Op('\x80');
  p.Op('\x02');
  p.Global("collections", "OrderedDict");
  p.Op(')');
  p.Op('R');
  p.Put();
  std::size_t index = 0;
  const std::size_t n = file.tensors.size();
  for (const auto& [name, t] : file.tensors) {
    const std::size_t in_batch = index % kBatch;
    const std::size_t batch_size = std::min(kBatch, n - (index - in_batch));
    if (in_batch == 0 && batch_size > 1) p.Op('(');
    p.String(name);
    p.Global("torch._utils", "_rebuild_tensor_v2");
    p.Op('(');
    // The persistent id ('storage', torch.<T>Storage, '<k>', 'cpu', numel).
    p.Op('(');
    p.Shared("'storage'", [&] {
      p.Op('X');
      PutLe(p.out(), 7, 4);
      for (char c : std::string("storage")) p.Op(c);
    });
    p.Global("torch", StorageClass(t.dtype));
    p.String(std::to_string(index));
    p.Shared("'cpu'", [&] {
      p.Op('X');
      PutLe(p.out(), 3, 4);
      for (char c : std::string("cpu")) p.Op(c);
    });
    p.Int(t.NumElements());
    p.Op('t');
    p.Put();
    p.Op('Q');
    p.Int(0);  // storage offset
    p.IntTuple(t.shape);
    std::vector<int64_t> stride(t.shape.size(), 1);
    for (std::size_t k = t.shape.size(); k-- > 1;) stride[k - 1] = stride[k] * t.shape[k];
    p.IntTuple(stride);
    p.Op('\x89');  // requires_grad=False
    p.Global("collections", "OrderedDict");  // backward_hooks = OrderedDict()
    p.Op(')');
    p.Op('R');
    p.Put();
    p.Op('t');
    p.Put();
    p.Op('R');
    p.Put();
    ++index;
    if (in_batch + 1 == batch_size) p.Op(batch_size > 1 ? 'u' : 's');
  }
  p.Op('.');
  return std::move(p.out());
}

// ---------------------------------------------------------------- zip records
uint32_t Crc32(const unsigned char* data, std::size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

constexpr uint64_t kAlignment = 64;    // PyTorchStreamWriter's kFieldAlignment
constexpr uint64_t kLimit = 0xFFFFFFFFull;  // beyond: zip64 fields, not written here
// Bit 11: UTF-8 names; bit 3: a data descriptor follows the data (miniz omits it for an empty record).
uint16_t Flags(uint64_t size) { return size == 0 ? 0x0800 : 0x0808; }

class ZipWriter {
 public:
  explicit ZipWriter(std::string source) : source_(std::move(source)) {}

  void Add(const std::string& name, const unsigned char* data, std::size_t size) {
    const uint64_t at = out_.size();
    if (at >= kLimit || size >= kLimit)
      throw InputError(source_ + ": the archive reaches 4 GiB, which needs zip64 records this writer does not "
                       "write; export as .safetensors instead");
    const uint32_t crc = Crc32(data, size);
    const uint64_t start = at + 30 + name.size() + 4;
    const uint64_t pad = (kAlignment - start % kAlignment) % kAlignment;
    PutLe(out_, 0x04034b50, 4);
    PutLe(out_, 0, 2);  // version needed
    PutLe(out_, Flags(size), 2);
    PutLe(out_, 0, 2);   // STORED
    PutLe(out_, 0, 4);   // time, date: 1980-00-00 00:00 as torch writes (reproducible files)
    PutLe(out_, 0, 12);  // crc and sizes: in the data descriptor
    PutLe(out_, name.size(), 2);
    PutLe(out_, pad + 4, 2);
    out_.insert(out_.end(), name.begin(), name.end());
    out_.push_back('F');
    out_.push_back('B');
    PutLe(out_, pad, 2);
    out_.insert(out_.end(), pad, 'Z');
    out_.insert(out_.end(), data, data + size);
    if (size > 0) {
      PutLe(out_, 0x08074b50, 4);
      PutLe(out_, crc, 4);
      PutLe(out_, size, 4);
      PutLe(out_, size, 4);
    }
    entries_.push_back({name, crc, size, at});
  }

  std::vector<unsigned char> Finish() {
    const uint64_t cd_at = out_.size();
    for (const Entry& e : entries_) {
      PutLe(out_, 0x02014b50, 4);
      PutLe(out_, 0, 4);  // made by, needed
      PutLe(out_, Flags(e.size), 2);
      PutLe(out_, 0, 6);  // method, time, date
      PutLe(out_, e.crc, 4);
      PutLe(out_, e.size, 4);
      PutLe(out_, e.size, 4);
      PutLe(out_, e.name.size(), 2);
      PutLe(out_, 0, 12);  // extra, comment, disk, internal and external attributes
      PutLe(out_, e.offset, 4);
      out_.insert(out_.end(), e.name.begin(), e.name.end());
    }
    const uint64_t cd_size = out_.size() - cd_at, zip64_at = out_.size();
    if (zip64_at >= kLimit) throw InputError(source_ + ": the archive reaches 4 GiB; export as .safetensors instead");
    PutLe(out_, 0x06064b50, 4);
    PutLe(out_, 44, 8);
    PutLe(out_, 0x031e, 2);
    PutLe(out_, 0x002d, 2);
    PutLe(out_, 0, 8);  // disk numbers
    PutLe(out_, entries_.size(), 8);
    PutLe(out_, entries_.size(), 8);
    PutLe(out_, cd_size, 8);
    PutLe(out_, cd_at, 8);
    PutLe(out_, 0x07064b50, 4);
    PutLe(out_, 0, 4);
    PutLe(out_, zip64_at, 8);
    PutLe(out_, 1, 4);
    PutLe(out_, 0x06054b50, 4);
    PutLe(out_, 0, 4);
    PutLe(out_, entries_.size(), 2);
    PutLe(out_, entries_.size(), 2);
    PutLe(out_, cd_size, 4);
    PutLe(out_, cd_at, 4);
    PutLe(out_, 0, 2);
    return std::move(out_);
  }

 private:
  struct Entry {
    std::string name;
    uint32_t crc;
    uint64_t size, offset;
  };
  std::string source_;
  std::vector<unsigned char> out_;
  std::vector<Entry> entries_;
};

}  // namespace

namespace {

std::vector<unsigned char> Serialize(const TensorFile& file, const std::string& archive_name, const std::string& source) {
  if (file.tensors.size() > 0xFFFE)
    throw InputError(source + ": " + std::to_string(file.tensors.size()) +
                     " tensors need zip64 records this writer does not write; export as .safetensors instead");
  for (const auto& [name, t] : file.tensors) {
    if (!StorageClass(t.dtype))
      throw InputError(source + ": tensor '" + name + "' has dtype " + t.dtype +
                       ", which the .pt writer does not write (F32, F64, F16, BF16, I64, I32)");
    if (t.bytes.size() != static_cast<std::size_t>(t.NumElements()) * static_cast<std::size_t>(DtypeSize(t.dtype)))
      throw ShapeError(source + ": tensor '" + name + "' holds " + std::to_string(t.bytes.size()) +
                       " bytes, not what its shape and dtype need");
  }
  const std::string root = archive_name.empty() ? "archive" : archive_name;
  ZipWriter zip(source);
  const std::vector<unsigned char> pickle = Pickle(file);
  zip.Add(root + "/data.pkl", pickle.data(), pickle.size());
  // torch.save writes the storages in the order of their keys as strings: 0, 1, 10, 11, …, 2.
  std::vector<std::pair<std::string, const NamedTensor*>> storages;
  std::size_t k = 0;
  for (const auto& [name, t] : file.tensors) storages.emplace_back(std::to_string(k++), &t);
  std::sort(storages.begin(), storages.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, t] : storages) zip.Add(root + "/data/" + key, t->bytes.data(), t->bytes.size());
  zip.Add(root + "/version", reinterpret_cast<const unsigned char*>("3\n"), 2);
  return zip.Finish();
}

}  // namespace

std::vector<unsigned char> SerializeTorchArchive(const TensorFile& file, const std::string& archive_name) {
  return Serialize(file, archive_name, file.source);
}

void WriteTorchArchive(const std::filesystem::path& path, const TensorFile& file) {
  const std::vector<unsigned char> bytes = Serialize(file, path.stem().string(), path.string());
  AtomicFileWriter writer(path);
  writer.Write(bytes.data(), bytes.size());
  writer.Commit();
}

// ---------------------------------------------------------------- io/tensor_file_writer.h
bool IsTorchSavePath(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".pt" || ext == ".pth";
}

void WriteTensorFile(const std::filesystem::path& path, const TensorFile& file) {
  if (IsTorchSavePath(path)) WriteTorchArchive(path, file);
  else WriteSafetensors(path, file);
}

}  // namespace rnnscope
