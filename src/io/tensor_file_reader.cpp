#include "io/tensor_file_reader.h"

#include "io/atomic_file.h"
#include "io/torch_archive.h"

namespace rnnscope {

TensorFile ParseTensorFile(std::span<const unsigned char> bytes, const std::string& source) {
  if (SniffTorchFile(bytes) != TorchFileSniff::kNotTorch) return ParseTorchArchive(bytes, source);
  return ParseSafetensors(bytes, source);
}

TensorFile ReadTensorFile(const std::filesystem::path& path) {
  const std::string bytes = ReadFileChecked(path, kMaxSafetensorsFileBytes);
  return ParseTensorFile(
      std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()), path.string());
}

}  // namespace rnnscope
