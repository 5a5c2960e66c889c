// The safetensors format (https://github.com/huggingface/safetensors), which PyTorch users
// produce with `safetensors.torch.save_file(model.state_dict(), path)`:
//
//   u64 little-endian N | N bytes of JSON header | raw little-endian row-major tensor data
//   header: {"name": {"dtype": "F32", "shape": [4, 3], "data_offsets": [begin, end]}, ...,
//            "__metadata__": {"key": "value"}}   (offsets relative to the data section)
//
// The reader assumes hostile input (it is fuzzed): every length, offset and shape is checked
// against the file before use and problems throw InputError "<file>: <problem>". Holes in the
// data section and trailing bytes are tolerated (other writers align tensors); overlaps are not.
// Read: F32, F64, I64, I32, plus F16 and BF16 (converted to float on read; PyTorch users save
// half-precision models). The setters produce F32, F64, I64, I32; a file read and written back
// keeps its tensors' bytes and dtypes unchanged.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace rnnscope {

struct NamedTensor {
  std::string dtype;                 // "F32", "F64", "I64", "I32", "F16", "BF16"
  std::vector<int64_t> shape;        // row-major; [] is a scalar
  std::vector<unsigned char> bytes;  // little-endian, row-major, NumElements() * DtypeSize(dtype)

  int64_t NumElements() const;
};

// Bytes per element of a dtype we understand; 0 for anything else.
int DtypeSize(const std::string& dtype);
bool IsFloatDtype(const std::string& dtype);  // F32, F64, F16, BF16
bool IsIntDtype(const std::string& dtype);    // I64, I32

class TensorFile {
 public:
  std::map<std::string, NamedTensor> tensors;      // sorted by name: deterministic files
  std::map<std::string, std::string> metadata;     // "__metadata__"
  std::string source = "<memory>";                 // file name used in error messages

  bool Has(const std::string& name) const { return tensors.count(name) != 0; }
  // Throws InputError "<source>: no tensor 'x' (the file has: a, b, ...)".
  const NamedTensor& Get(const std::string& name) const;

  // A (R, C) column-major Mat is stored as shape [R, C] row-major; with is_vector an (n, 1) Mat
  // is stored as shape [n] (PyTorch biases). dtype follows S: float → F32, double → F64.
  template <class S>
  void SetMatrix(const std::string& name, const Mat<S>& m, bool is_vector = false);
  // Reads a 1-D ([n] → (n, 1)), 2-D ([R, C] → (R, C)) or scalar ([] → (1, 1)) tensor of any
  // float dtype, converting to S. Throws InputError for int dtypes and ShapeError for >2-D.
  template <class S>
  Mat<S> GetMatrix(const std::string& name) const;

  // Generic N-d tensors from/to row-major vectors, e.g. [batch, time, vocab] logits.
  // S in {float, double, int32_t, int64_t}; dtype follows S. Throws ShapeError when the
  // element count disagrees with the shape.
  template <class S>
  void SetTensor(const std::string& name, std::vector<int64_t> shape, const std::vector<S>& values);
  // Float S accepts any float dtype, integer S accepts I32/I64 (range-checked into S).
  template <class S>
  std::vector<S> GetTensor(const std::string& name, std::vector<int64_t>* shape = nullptr) const;

  void SetInt64(const std::string& name, std::vector<int64_t> shape,
                const std::vector<int64_t>& values) {
    SetTensor<int64_t>(name, std::move(shape), values);
  }
  std::vector<int64_t> GetInt64(const std::string& name, std::vector<int64_t>* shape = nullptr) const {
    return GetTensor<int64_t>(name, shape);
  }

  // Row-major index of the first NaN or ±Inf element of a float tensor; nullopt if all are
  // finite (always for int tensors).
  std::optional<int64_t> FindNonFinite(const std::string& name) const;
  // Throws InputError "<source>: tensor 'x' element 7 (row-major) is NaN" for the first
  // non-finite value in any tensor.
  void CheckFinite() const;
};

// Parses a whole file held in memory; `source` names it in errors. The fuzzing entry point.
TensorFile ParseSafetensors(std::span<const unsigned char> bytes, const std::string& source);
TensorFile ReadSafetensors(const std::filesystem::path& path);

std::vector<unsigned char> SerializeSafetensors(const TensorFile& file);
// Written atomically (io/atomic_file.h).
void WriteSafetensors(const std::filesystem::path& path, const TensorFile& file);

inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;   // 100 MiB
inline constexpr uint64_t kMaxSafetensorsFileBytes = 16ull << 30;      // 16 GiB

}  // namespace rnnscope
