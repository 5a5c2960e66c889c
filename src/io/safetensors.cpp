// Table of contents: dtype helpers · TensorFile accessors · parse (validation) · serialize.
#include "io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "core/error.h"
#include "io/atomic_file.h"

namespace rnnscope {

// The format is little-endian; we copy bytes straight into native values.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes little-endian");

// ---------------------------------------------------------------- dtype helpers
int DtypeSize(const std::string& dtype) {
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "F64" || dtype == "I64") return 8;
  if (dtype == "F16" || dtype == "BF16") return 2;
  return 0;
}
bool IsFloatDtype(const std::string& d) { return d == "F32" || d == "F64" || d == "F16" || d == "BF16"; }
bool IsIntDtype(const std::string& d) { return d == "I64" || d == "I32"; }

int64_t NamedTensor::NumElements() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;  // shapes are validated against the byte size on read/set
  return n;
}

namespace {

template <class S>
const char* DtypeOf() {
  if constexpr (std::is_same_v<S, float>) return "F32";
  if constexpr (std::is_same_v<S, double>) return "F64";
  if constexpr (std::is_same_v<S, int32_t>) return "I32";
  if constexpr (std::is_same_v<S, int64_t>) return "I64";
}

template <class T>
T Load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// IEEE half → float, including subnormals, Inf and NaN.
float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalize
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      bits = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3FFu) << 13);
    }
  } else if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

float Bf16ToFloat(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

// Element i of a float tensor as double (the widest type we hold).
double FloatAt(const NamedTensor& t, int64_t i) {
  const unsigned char* p = t.bytes.data();
  const auto k = static_cast<std::size_t>(i);
  if (t.dtype == "F32") return Load<float>(p + 4 * k);
  if (t.dtype == "F64") return Load<double>(p + 8 * k);
  if (t.dtype == "F16") return HalfToFloat(Load<uint16_t>(p + 2 * k));
  return Bf16ToFloat(Load<uint16_t>(p + 2 * k));
}

int64_t IntAt(const NamedTensor& t, int64_t i) {
  const auto k = static_cast<std::size_t>(i);
  if (t.dtype == "I64") return Load<int64_t>(t.bytes.data() + 8 * k);
  return Load<int32_t>(t.bytes.data() + 4 * k);
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Element count of a shape, or nullopt on a negative dimension or int64 overflow.
std::optional<int64_t> CheckedElements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) {
    if (s < 0 || __builtin_mul_overflow(n, s, &n)) return std::nullopt;
  }
  return n;
}

}  // namespace

// ---------------------------------------------------------------- TensorFile accessors
const NamedTensor& TensorFile::Get(const std::string& name) const {
  auto it = tensors.find(name);
  if (it != tensors.end()) return it->second;
  std::string have;
  int listed = 0;
  for (const auto& [n, t] : tensors) {
    if (listed++ == 12) {
      have += ", ...";
      break;
    }
    have += (have.empty() ? "" : ", ") + n;
  }
  throw InputError(source + ": no tensor '" + name + "' (the file has: " +
                   (have.empty() ? std::string("no tensors") : have) + ")");
}

template <class S>
void TensorFile::SetTensor(const std::string& name, std::vector<int64_t> shape,
                           const std::vector<S>& values) {
  if (name == "__metadata__") throw ShapeError("tensor name '__metadata__' is reserved");
  const std::optional<int64_t> n = CheckedElements(shape);
  if (!n || *n != static_cast<int64_t>(values.size())) {
    throw ShapeError("tensor '" + name + "': shape " + ShapeText(shape) + " does not hold " +
                     std::to_string(values.size()) + " values");
  }
  NamedTensor t;
  t.dtype = DtypeOf<S>();
  t.shape = std::move(shape);
  t.bytes.resize(values.size() * sizeof(S));
  if (!values.empty()) std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  tensors[name] = std::move(t);
}

template <class S>
std::vector<S> TensorFile::GetTensor(const std::string& name, std::vector<int64_t>* shape) const {
  const NamedTensor& t = Get(name);
  const int64_t n = t.NumElements();
  std::vector<S> out(static_cast<std::size_t>(n));
  if constexpr (std::is_floating_point_v<S>) {
    if (!IsFloatDtype(t.dtype)) {
      throw InputError(source + ": tensor '" + name + "' has dtype " + t.dtype +
                       ", expected a float dtype (F32 or F64)");
    }
    if (t.dtype == DtypeOf<S>()) {
      if (n > 0) std::memcpy(out.data(), t.bytes.data(), t.bytes.size());
    } else {
      for (int64_t i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = static_cast<S>(FloatAt(t, i));
    }
  } else {
    if (!IsIntDtype(t.dtype)) {
      throw InputError(source + ": tensor '" + name + "' has dtype " + t.dtype +
                       ", expected an integer dtype (I64 or I32)");
    }
    for (int64_t i = 0; i < n; ++i) {
      const int64_t v = IntAt(t, i);
      if (v < std::numeric_limits<S>::min() || v > std::numeric_limits<S>::max()) {
        throw InputError(source + ": tensor '" + name + "' element " + std::to_string(i) +
                         " = " + std::to_string(v) + " does not fit in " + DtypeOf<S>());
      }
      out[static_cast<std::size_t>(i)] = static_cast<S>(v);
    }
  }
  if (shape) *shape = t.shape;
  return out;
}

template <class S>
void TensorFile::SetMatrix(const std::string& name, const Mat<S>& m, bool is_vector) {
  using RowMajor = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  if (is_vector && m.cols() != 1) {
    throw ShapeError("tensor '" + name + "': stored as a vector but the matrix is (" +
                     std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + ")");
  }
  const RowMajor rm = m;  // the file is row-major, our matrices column-major
  std::vector<S> values(rm.data(), rm.data() + rm.size());
  std::vector<int64_t> shape = is_vector ? std::vector<int64_t>{m.rows()}
                                         : std::vector<int64_t>{m.rows(), m.cols()};
  SetTensor<S>(name, std::move(shape), values);
}

template <class S>
Mat<S> TensorFile::GetMatrix(const std::string& name) const {
  using RowMajor = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const NamedTensor& t = Get(name);
  if (t.shape.size() > 2) {
    throw ShapeError(source + ": tensor '" + name + "' has shape " + ShapeText(t.shape) +
                     ", expected a matrix or a vector");
  }
  std::vector<int64_t> shape;
  const std::vector<S> values = GetTensor<S>(name, &shape);
  const auto rows = static_cast<Eigen::Index>(shape.empty() ? 1 : shape[0]);
  const auto cols = static_cast<Eigen::Index>(shape.size() == 2 ? shape[1] : 1);
  return Eigen::Map<const RowMajor>(values.data(), rows, cols);
}

std::optional<int64_t> TensorFile::FindNonFinite(const std::string& name) const {
  const NamedTensor& t = Get(name);
  if (!IsFloatDtype(t.dtype)) return std::nullopt;
  const int64_t n = t.NumElements();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(FloatAt(t, i))) return i;
  }
  return std::nullopt;
}

void TensorFile::CheckFinite() const {
  for (const auto& [name, t] : tensors) {
    if (const std::optional<int64_t> i = FindNonFinite(name)) {
      const double v = FloatAt(t, *i);
      throw InputError(source + ": tensor '" + name + "' element " + std::to_string(*i) +
                       " (row-major) is " + (std::isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf"));
    }
  }
}

// ---------------------------------------------------------------- parse (validation)
TensorFile ParseSafetensors(std::span<const unsigned char> bytes, const std::string& source) {
  auto fail = [&](const std::string& what) -> InputError { return InputError(source + ": " + what); };
  if (bytes.size() < 8) {
    throw fail("file is " + std::to_string(bytes.size()) +
               " bytes, too short for a safetensors file (at least 8 bytes of header length)");
  }
  const auto header_len = Load<uint64_t>(bytes.data());
  if (header_len > kMaxSafetensorsHeaderBytes) {
    throw fail("header length " + std::to_string(header_len) + " is larger than the " +
               std::to_string(kMaxSafetensorsHeaderBytes) +
               "-byte limit (not a safetensors file, or a corrupt one)");
  }
  if (header_len > bytes.size() - 8) {
    throw fail("header length " + std::to_string(header_len) + " runs past the end of the file (" +
               std::to_string(bytes.size()) + " bytes; truncated file?)");
  }
  const auto* hbegin = reinterpret_cast<const char*>(bytes.data() + 8);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(hbegin, hbegin + header_len);
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("invalid JSON header: ") + e.what());
  }
  if (!header.is_object()) throw fail("JSON header is not an object");

  const std::span<const unsigned char> data = bytes.subspan(8 + header_len);
  TensorFile file;
  file.source = source;
  struct Range {
    uint64_t begin, end;
    const std::string* name;
  };
  std::vector<Range> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& entry = it.value();
    if (name == "__metadata__") {
      if (!entry.is_object()) throw fail("\"__metadata__\" is not an object of strings");
      for (auto m = entry.begin(); m != entry.end(); ++m) {
        if (!m.value().is_string())
          throw fail("\"__metadata__\" value for '" + m.key() + "' is not a string");
        file.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "': ";
    if (!entry.is_object()) throw fail(where + "entry is not an object");
    for (const char* field : {"dtype", "shape", "data_offsets"}) {
      if (!entry.contains(field)) throw fail(where + "missing field \"" + field + "\"");
    }
    const nlohmann::json& jd = entry["dtype"];
    if (!jd.is_string()) throw fail(where + "\"dtype\" is not a string");
    NamedTensor t;
    t.dtype = jd.get<std::string>();
    const int elem = DtypeSize(t.dtype);
    if (elem == 0) {
      throw fail(where + "unsupported dtype '" + t.dtype +
                 "' (rnnscope reads F32, F64, F16, BF16, I64, I32)");
    }
    const nlohmann::json& js = entry["shape"];
    if (!js.is_array()) throw fail(where + "\"shape\" is not an array");
    for (const nlohmann::json& d : js) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t{INT64_MAX})
        throw fail(where + "\"shape\" entries must be non-negative integers, got " + d.dump());
      t.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
    }
    const nlohmann::json& jo = entry["data_offsets"];
    if (!jo.is_array() || jo.size() != 2 || !jo[0].is_number_unsigned() ||
        !jo[1].is_number_unsigned()) {
      throw fail(where + "\"data_offsets\" must be [begin, end] with non-negative integers, got " +
                 jo.dump());
    }
    const auto begin = jo[0].get<uint64_t>(), end = jo[1].get<uint64_t>();
    if (begin > end) {
      throw fail(where + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                 "] has begin after end");
    }
    if (end > data.size()) {
      throw fail(where + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                 "] run past the end of the data section (" + std::to_string(data.size()) +
                 " bytes)");
    }
    const std::optional<int64_t> n = CheckedElements(t.shape);
    uint64_t expected = 0;
    if (!n || __builtin_mul_overflow(static_cast<uint64_t>(*n), static_cast<uint64_t>(elem), &expected))
      throw fail(where + "shape " + ShapeText(t.shape) + " is too large");
    if (expected != end - begin) {
      throw fail(where + "shape " + ShapeText(t.shape) + " of " + t.dtype + " needs " +
                 std::to_string(expected) + " bytes but data_offsets [" + std::to_string(begin) +
                 ", " + std::to_string(end) + "] span " + std::to_string(end - begin));
    }
    t.bytes.assign(data.begin() + static_cast<std::ptrdiff_t>(begin),
                   data.begin() + static_cast<std::ptrdiff_t>(end));
    auto [pos, inserted] = file.tensors.emplace(name, std::move(t));
    ranges.push_back({begin, end, &pos->first});
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.begin < b.begin || (a.begin == b.begin && a.end < b.end); });
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    const Range& a = ranges[i - 1];
    const Range& b = ranges[i];
    if (b.begin < a.end) {
      throw fail("tensors '" + *a.name + "' [" + std::to_string(a.begin) + ", " +
                 std::to_string(a.end) + ") and '" + *b.name + "' [" + std::to_string(b.begin) +
                 ", " + std::to_string(b.end) + ") overlap in the data section");
    }
  }
  return file;
}

TensorFile ReadSafetensors(const std::filesystem::path& path) {
  const std::string bytes = ReadFileChecked(path, kMaxSafetensorsFileBytes);
  return ParseSafetensors(
      std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()),
      path.string());
}

// ---------------------------------------------------------------- serialize
namespace {

std::string BuildHeader(const TensorFile& file) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    const int elem = DtypeSize(t.dtype);
    const std::optional<int64_t> n = CheckedElements(t.shape);
    if (elem == 0)
      throw ShapeError("tensor '" + name + "': cannot write dtype '" + t.dtype + "'");
    if (!n || static_cast<uint64_t>(*n) * static_cast<uint64_t>(elem) != t.bytes.size()) {
      throw ShapeError("tensor '" + name + "': shape " + ShapeText(t.shape) + " of " + t.dtype +
                       " does not match its " + std::to_string(t.bytes.size()) + " bytes");
    }
    header[name] = {{"dtype", t.dtype},
                    {"shape", t.shape},
                    {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {  // a name or metadata string is not UTF-8
    throw ShapeError(std::string("cannot write safetensors header: ") + e.what());
  }
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does
  // (readers can then map F64/I64 tensors in place).
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

std::vector<unsigned char> SerializeSafetensors(const TensorFile& file) {
  const std::string header = BuildHeader(file);
  std::size_t total = 8 + header.size();
  for (const auto& [name, t] : file.tensors) total += t.bytes.size();
  std::vector<unsigned char> out(total);
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  std::size_t at = 8 + header.size();
  for (const auto& [name, t] : file.tensors) {
    if (!t.bytes.empty()) std::memcpy(out.data() + at, t.bytes.data(), t.bytes.size());
    at += t.bytes.size();
  }
  return out;
}

void WriteSafetensors(const std::filesystem::path& path, const TensorFile& file) {
  const std::string header = BuildHeader(file);  // validates before touching the disk
  AtomicFileWriter writer(path);
  const uint64_t n = header.size();
  writer.Write(&n, 8);
  writer.Write(header);
  for (const auto& [name, t] : file.tensors) writer.Write(t.bytes.data(), t.bytes.size());
  writer.Commit();
}

template void TensorFile::SetMatrix<float>(const std::string&, const Mat<float>&, bool);
template void TensorFile::SetMatrix<double>(const std::string&, const Mat<double>&, bool);
template Mat<float> TensorFile::GetMatrix<float>(const std::string&) const;
template Mat<double> TensorFile::GetMatrix<double>(const std::string&) const;
template void TensorFile::SetTensor<float>(const std::string&, std::vector<int64_t>, const std::vector<float>&);
template void TensorFile::SetTensor<double>(const std::string&, std::vector<int64_t>, const std::vector<double>&);
template void TensorFile::SetTensor<int32_t>(const std::string&, std::vector<int64_t>, const std::vector<int32_t>&);
template void TensorFile::SetTensor<int64_t>(const std::string&, std::vector<int64_t>, const std::vector<int64_t>&);
template std::vector<float> TensorFile::GetTensor<float>(const std::string&, std::vector<int64_t>*) const;
template std::vector<double> TensorFile::GetTensor<double>(const std::string&, std::vector<int64_t>*) const;
template std::vector<int32_t> TensorFile::GetTensor<int32_t>(const std::string&, std::vector<int64_t>*) const;
template std::vector<int64_t> TensorFile::GetTensor<int64_t>(const std::string&, std::vector<int64_t>*) const;

}  // namespace rnnscope
