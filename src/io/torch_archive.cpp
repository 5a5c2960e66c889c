#include "io/torch_archive.h"

#include <cstring>
#include <optional>

#include "core/error.h"
#include "core/utf8.h"
#include "core/visible_text.h"
#include "io/torch_pickle.h"
#include "io/zip_reader.h"

namespace rnnscope {
namespace {

struct StorageDtype {
  const char* storage;
  const char* dtype;  // NamedTensor dtype
  int bytes;          // per element in the file
  bool widen;         // a small integer type read as I64
};
constexpr StorageDtype kDtypes[] = {
    {"FloatStorage", "F32", 4, false}, {"DoubleStorage", "F64", 8, false}, {"HalfStorage", "F16", 2, false},
    {"BFloat16Storage", "BF16", 2, false}, {"LongStorage", "I64", 8, false}, {"IntStorage", "I32", 4, false},
    {"ShortStorage", "I64", 2, true}, {"CharStorage", "I64", 1, true}, {"ByteStorage", "I64", 1, true},
    {"BoolStorage", "I64", 1, true}};

// Views may repeat storage (tied weights) or broadcast it (stride 0): the tensors read may
// exceed the file, but not by more than this, so a hostile pickle cannot ask for terabytes.
uint64_t OutputBudget(uint64_t file_bytes) { return 4 * file_bytes + (1u << 20); }
constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxNameBytes = 4096;
constexpr std::size_t kListedSkips = 20;

int64_t ReadSmallInt(const unsigned char* p, const StorageDtype& d) {
  if (std::strcmp(d.storage, "ShortStorage") == 0) {
    int16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  if (std::strcmp(d.storage, "CharStorage") == 0) return static_cast<int8_t>(*p);
  if (std::strcmp(d.storage, "BoolStorage") == 0) return *p != 0;
  return *p;  // ByteStorage: uint8
}

class Flattener {
 public:
  Flattener(const ZipArchive& zip, const PickleGraph& g, const std::string& prefix, uint64_t file_bytes)
      : zip_(zip), g_(g), prefix_(prefix), budget_total_(OutputBudget(file_bytes)), budget_(budget_total_),
        visits_left_(2 * g.objects.size() + 64) {}

  TensorFile Run() {
    file_.source = zip_.source;
    const PickleObject& root = g_.at(g_.root);
    if (root.kind == PickleKind::kTensor)
      throw Fail("holds a single tensor (torch.save(tensor)), not a state_dict; save a dict: torch.save({'name': t}, path)");
    if (root.kind != PickleKind::kDict)
      throw Fail(std::string("holds a ") + KindName(root.kind) + ", not a state_dict (a dict of tensors)");
    Walk(g_.root, "", 0);
    if (file_.tensors.empty())
      throw Fail("holds no tensors" + (skipped_.empty() ? std::string() : " (only: " + skipped_ + ")") +
                 "; expected a state_dict");
    if (skipped_count_ > kListedSkips) skipped_ += ", and " + std::to_string(skipped_count_ - kListedSkips) + " more";
    if (!skipped_.empty()) file_.metadata[kTorchSkippedKey] = skipped_;
    return std::move(file_);
  }

 private:
  InputError Fail(const std::string& what) const { return InputError(zip_.source + ": " + what); }

  static const char* KindName(PickleKind k) {
    switch (k) {
      case PickleKind::kNone: return "None";
      case PickleKind::kBool: return "bool";
      case PickleKind::kInt: return "int";
      case PickleKind::kFloat: return "float";
      case PickleKind::kString: return "str";
      case PickleKind::kList: return "list";
      case PickleKind::kTuple: return "tuple";
      case PickleKind::kDict: return "dict";
      case PickleKind::kGlobal: return "class or function";
      case PickleKind::kStorage: return "storage";
      case PickleKind::kTensor: return "tensor";
    }
    return "?";
  }

  std::string Key(int o) const {
    const PickleObject& k = g_.at(o);
    if (k.kind == PickleKind::kString) return k.text;
    if (k.kind == PickleKind::kInt) return std::to_string(k.integer);  // an optimizer's state: {0: …}
    throw Fail(std::string("a dict key is a ") + KindName(k.kind) + "; a state_dict's keys are strings");
  }

  void Skip(const std::string& name, const PickleObject& v) {
    if (++skipped_count_ > kListedSkips) return;
    std::string what = KindName(v.kind);
    if (v.kind == PickleKind::kInt) what = std::to_string(v.integer);
    else if (v.kind == PickleKind::kFloat) what = std::to_string(v.number);
    else if (v.kind == PickleKind::kBool) what = v.boolean ? "True" : "False";
    else if (v.kind == PickleKind::kString && v.text.size() <= 40 && ValidateUtf8(v.text).ok()) what = "'" + v.text + "'";
    // The listing goes into metadata, which is UTF-8 text (safetensors' JSON header): a key
    // that is not UTF-8 is listed with its bad bytes escaped ("\xb3").
    const std::string shown = name.empty() ? std::string("(top)")
                              : ValidateUtf8(name).ok() ? name : VisibleText(name, VisibleMode::kRunning);
    skipped_ += (skipped_.empty() ? "" : ", ") + shown + " = " + what;
  }

  void Walk(int o, const std::string& name, int depth) {
    if (visits_left_-- == 0) throw Fail("the pickle's values are shared too often to flatten (corrupt or hostile)");
    if (depth > kMaxDepth) throw Fail("nested deeper than " + std::to_string(kMaxDepth) + " levels at '" + name + "'");
    const PickleObject& v = g_.at(o);
    const auto child = [&](const std::string& key) {
      std::string n = name.empty() ? key : name + "." + key;
      if (n.size() > kMaxNameBytes) throw Fail("a key path longer than " + std::to_string(kMaxNameBytes) + " bytes");
      return n;
    };
    switch (v.kind) {
      case PickleKind::kDict:
        for (std::size_t i = 0; i + 1 < v.items.size(); i += 2) Walk(v.items[i + 1], child(Key(v.items[i])), depth + 1);
        return;
      case PickleKind::kList:
      case PickleKind::kTuple:
        if (v.items.empty()) Skip(name, v);
        for (std::size_t i = 0; i < v.items.size(); ++i) Walk(v.items[i], child(std::to_string(i)), depth + 1);
        return;
      case PickleKind::kTensor: {
        if (!ValidateUtf8(name).ok()) throw Fail("a tensor name is not UTF-8 text");
        if (name == "__metadata__") throw Fail("a tensor named '__metadata__', a name safetensors reserves");
        file_.tensors[name] = Gather(v, name);
        return;
      }
      default: Skip(name, v);
    }
  }

  NamedTensor Gather(const PickleObject& t, const std::string& name) {
    const std::string where = "tensor '" + name + "': ";
    const PickleObject& s = g_.at(t.items.at(0));
    const StorageDtype* d = nullptr;
    for (const StorageDtype& c : kDtypes)
      if (s.storage_type == c.storage) d = &c;
    if (!d)
      throw Fail(where + "storage type " + s.storage_type +
                 " is not read (rnnscope reads float32/64, float16, bfloat16 and integer tensors)");
    const ZipEntry* entry = zip_.Find(prefix_ + "data/" + s.text);
    if (!entry) throw Fail(where + "its storage " + prefix_ + "data/" + s.text + " is missing from the archive");
    const auto numel = static_cast<uint64_t>(s.integer);
    if (numel > entry->data.size() / static_cast<uint64_t>(d->bytes))
      throw Fail(where + "storage " + s.text + " announces " + std::to_string(numel) + " elements but holds " +
                 std::to_string(entry->data.size()) + " bytes of " + d->storage);
    // The elements the view reaches: offset + Σ (size_k − 1)·stride_k must lie in the storage.
    uint64_t count = 1, last = static_cast<uint64_t>(t.offset);
    if (t.offset < 0) throw Fail(where + "negative storage offset " + std::to_string(t.offset));
    for (std::size_t k = 0; k < t.size.size(); ++k) {
      if (t.size[k] < 0 || t.stride[k] < 0)
        throw Fail(where + "negative size or stride in dimension " + std::to_string(k));
      if (__builtin_mul_overflow(count, static_cast<uint64_t>(t.size[k]), &count))
        throw Fail(where + "its shape is too large");
    }
    NamedTensor out;
    out.dtype = d->dtype;
    out.shape = t.size;
    if (count == 0) return out;
    for (std::size_t k = 0; k < t.size.size(); ++k) {
      uint64_t reach = 0;
      if (__builtin_mul_overflow(static_cast<uint64_t>(t.size[k] - 1), static_cast<uint64_t>(t.stride[k]), &reach) ||
          __builtin_add_overflow(last, reach, &last))
        throw Fail(where + "its view reaches past any storage");
    }
    if (last >= numel)
      throw Fail(where + "its view (offset " + std::to_string(t.offset) + ", shape and strides) reaches element " +
                 std::to_string(last) + " of a storage of " + std::to_string(numel) + " (corrupt)");
    const int out_bytes = DtypeSize(d->dtype);
    if (count > budget_ / static_cast<uint64_t>(out_bytes))
      throw Fail(where + "the tensors add up to more than " + std::to_string(budget_total_) +
                 " bytes from a smaller file (views that broadcast one storage?); save copies: {k: v.clone() for k, v in sd.items()}");
    budget_ -= count * static_cast<uint64_t>(out_bytes);
    out.bytes.resize(static_cast<std::size_t>(count) * static_cast<std::size_t>(out_bytes));

    // Odometer over the view's indices, innermost dimension last (row-major output).
    const std::size_t rank = t.size.size();
    std::vector<int64_t> index(rank, 0);
    uint64_t at = static_cast<uint64_t>(t.offset);
    const unsigned char* src = entry->data.data();
    unsigned char* dst = out.bytes.data();
    const bool inner_contiguous = rank > 0 && t.stride[rank - 1] == 1 && !d->widen;
    const uint64_t run = inner_contiguous ? static_cast<uint64_t>(t.size[rank - 1]) : 1;
    for (uint64_t done = 0; done < count; done += run) {
      if (inner_contiguous) {
        std::memcpy(dst, src + at * static_cast<uint64_t>(d->bytes), static_cast<std::size_t>(run) * static_cast<std::size_t>(d->bytes));
        dst += run * static_cast<uint64_t>(d->bytes);
      } else if (d->widen) {
        const int64_t v = ReadSmallInt(src + at * static_cast<uint64_t>(d->bytes), *d);
        std::memcpy(dst, &v, 8);
        dst += 8;
      } else {
        std::memcpy(dst, src + at * static_cast<uint64_t>(d->bytes), static_cast<std::size_t>(d->bytes));
        dst += d->bytes;
      }
      // Advance: the contiguous run covers the innermost dimension.
      for (std::size_t k = rank - (inner_contiguous ? 1 : 0); k-- > 0;) {
        at += static_cast<uint64_t>(t.stride[k]);
        if (++index[k] < t.size[k]) break;
        at -= static_cast<uint64_t>(t.stride[k]) * static_cast<uint64_t>(t.size[k]);
        index[k] = 0;
      }
    }
    return out;
  }

  const ZipArchive& zip_;
  const PickleGraph& g_;
  const std::string& prefix_;
  uint64_t budget_total_, budget_;
  std::size_t visits_left_;
  TensorFile file_;
  std::string skipped_;
  std::size_t skipped_count_ = 0;
};

// "<name>/" of the one "<name>/data.pkl" at the archive's top level.
std::string ArchivePrefix(const ZipArchive& zip) {
  std::optional<std::string> prefix;
  bool torchscript = false;
  for (const ZipEntry& e : zip.entries) {
    const std::size_t slash = e.name.find('/');
    if (slash == std::string::npos) continue;
    const std::string rest = e.name.substr(slash + 1);
    if (rest == "constants.pkl" || rest.rfind("code/", 0) == 0) torchscript = true;
    if (rest != "data.pkl") continue;
    if (prefix) throw InputError(zip.source + ": a zip archive holding two torch.save pickles (" + *prefix + "data.pkl and " + e.name + ")");
    prefix = e.name.substr(0, slash + 1);
  }
  if (torchscript)
    throw InputError(zip.source + ": a TorchScript archive (torch.jit.save), which holds code; load it in Python and "
                     "save its weights: torch.save(torch.jit.load(path).state_dict(), 'm.pt')");
  if (!prefix)
    throw InputError(zip.source + ": a zip archive without a '<name>/data.pkl' entry: not written by torch.save");
  return *prefix;
}

}  // namespace

TorchFileSniff SniffTorchFile(std::span<const unsigned char> b) {
  if (LooksLikeZip(b)) return TorchFileSniff::kZipArchive;
  if (b.size() >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5) return TorchFileSniff::kLegacyPickle;
  return TorchFileSniff::kNotTorch;
}

std::string LegacyTorchFileMessage(const std::string& source) {
  return source + ": a legacy torch.save file (a bare pickle, _use_new_zipfile_serialization=False), which rnnscope does "
         "not read; convert it once to the zip format: python3 -c \"import torch; torch.save(torch.load('" + source +
         "'), 'm2.pt')\"";
}

TensorFile ParseTorchArchive(std::span<const unsigned char> bytes, const std::string& source) {
  switch (SniffTorchFile(bytes)) {
    case TorchFileSniff::kLegacyPickle: throw InputError(LegacyTorchFileMessage(source));
    case TorchFileSniff::kNotTorch: throw InputError(source + ": not a torch.save archive (no zip header)");
    case TorchFileSniff::kZipArchive: break;
  }
  const ZipArchive zip = ParseZip(bytes, source);
  const std::string prefix = ArchivePrefix(zip);
  if (const ZipEntry* order = zip.Find(prefix + "byteorder")) {
    const std::string text(reinterpret_cast<const char*>(order->data.data()), order->data.size());
    if (text != "little")
      throw InputError(source + ": tensors stored " + (text == "big" ? std::string("big") : "'" + text.substr(0, 16) + "'") +
                       "-endian; rnnscope reads little-endian archives (save on a little-endian machine)");
  }
  const PickleGraph graph = RestrictedUnpickle(zip.Find(prefix + "data.pkl")->data, source);
  return Flattener(zip, graph, prefix, bytes.size()).Run();
}

}  // namespace rnnscope
