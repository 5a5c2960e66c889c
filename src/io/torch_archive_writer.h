// Writes a TensorFile as `torch.save(state_dict, path)` does (PyTorch 1.13, the zip format read by
// io/torch_archive.h and by torch.load):
//   <stem>/data.pkl     pickle protocol 2: collections.OrderedDict of
//                       torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())
//                       with persistent ids ('storage', torch.FloatStorage, '<k>', 'cpu', numel),
//                       memoized as Python's pickler does (BINPUT/BINGET)
//   <stem>/data/<k>     each tensor's bytes, little-endian, row-major (contiguous strides)
//   <stem>/version      "3\n"
// Entries STORED, flag bits 3 and 11 (data descriptors, UTF-8 names), each record's data at a
// multiple of 64 bytes (an "FB" extra field of 'Z' padding, as PyTorchStreamWriter pads), a zip64
// end record always — for archives under 4 GiB the bytes equal what torch 1.13 writes for the same
// contiguous tensors in name order (tests/test_torch_archive_writer.cpp checks it against torch).
// Every tensor gets its own storage (tied weights are two equal storages, as after .clone()).
// dtypes: F32, F64, F16, BF16, I64, I32. The file's metadata is not written (a .pt has none).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "io/safetensors.h"

namespace rnnscope {

// archive_name: the top-level folder torch names after the file's stem ("model" for model.pt).
// Throws InputError for a dtype torch.save has no storage for here, or an archive of 4 GiB or more
// (zip64 records are not written: save such a model as .safetensors).
std::vector<unsigned char> SerializeTorchArchive(const TensorFile& file, const std::string& archive_name);
// Written atomically (io/atomic_file.h); the archive is named after path's stem.
void WriteTorchArchive(const std::filesystem::path& path, const TensorFile& file);

}  // namespace rnnscope
