// Files written by `torch.save(model.state_dict(), "m.pt")` (PyTorch ≥ 1.6, the zip format):
//   <name>/data.pkl     the pickled dict; each tensor is _rebuild_tensor_v2(storage, offset, size,
//                       stride, …) with a persistent id ('storage', torch.FloatStorage, key, …)
//   <name>/data/<key>   each storage's raw little-endian bytes
//   <name>/version, <name>/byteorder (newer torch; "little" is the only one read)
// read through io/zip_reader.h and the restricted unpickler io/torch_pickle.h, which runs no
// code: a pickle asking for any class or function beyond tensors and dicts is refused by name.
//
// Result: a TensorFile (io/safetensors.h) with the tensors named by their state_dict keys,
// nested dicts (and lists) flattened with "." — torch.save({"encoder": enc.state_dict()}) gives
// "encoder.embedding.weight". Views gather what they show: a transposed tensor, a slice, tied
// weights sharing one storage. dtypes: float32/64 → F32/F64, float16/bfloat16 → F16/BF16 (kept
// as such, converted on read like safetensors), int64/int32 → I64/I32, and int16/int8/uint8/bool
// → I64. Non-tensor leaves (an "epoch" int in a checkpoint dict) are skipped and listed in
// metadata["torch.skipped"]; a file without any tensor is an error.
//
// Hostile input (fuzzed): bounds, overlapping views and expansion are checked before reading.
#pragma once

#include <span>
#include <string>

#include "io/safetensors.h"

namespace rnnscope {

enum class TorchFileSniff { kNotTorch, kZipArchive, kLegacyPickle };

// From a file's first bytes: a zip archive (what torch.save writes since 1.6) or a bare pickle
// (the legacy format, `_use_new_zipfile_serialization=False`, or a plain `pickle.dump`).
TorchFileSniff SniffTorchFile(std::span<const unsigned char> first_bytes);

// "<source>: a legacy torch.save file … convert it once: python3 -c …"
std::string LegacyTorchFileMessage(const std::string& source);

// Reading from a path: ReadTensorFile (io/tensor_file_reader.h), which picks this by content.
TensorFile ParseTorchArchive(std::span<const unsigned char> bytes, const std::string& source);

// The metadata key listing the skipped non-tensor entries: "epoch = 3, lr = 0.001, …".
inline constexpr const char* kTorchSkippedKey = "torch.skipped";

}  // namespace rnnscope
