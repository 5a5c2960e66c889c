// The one entry point for writing a model's weights where the user named the format by the file
// name: ".pt" / ".pth" (any case) → torch.save's zip format (io/torch_archive_writer.h), anything
// else → safetensors. Both atomic. Checkpoints stay safetensors (WriteSafetensors).
#pragma once

#include <filesystem>

#include "io/safetensors.h"

namespace rnnscope {

bool IsTorchSavePath(const std::filesystem::path& path);
void WriteTensorFile(const std::filesystem::path& path, const TensorFile& file);

}  // namespace rnnscope
