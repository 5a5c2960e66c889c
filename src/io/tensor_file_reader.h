// The one entry point for reading a user's weights (and --batch files): safetensors or a
// torch.save archive (.pt/.pth), told apart by content, never by name. Checkpoints are rnnscope's
// own safetensors files and keep using ReadSafetensors.
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "io/safetensors.h"

namespace rnnscope {

TensorFile ParseTensorFile(std::span<const unsigned char> bytes, const std::string& source);
TensorFile ReadTensorFile(const std::filesystem::path& path);

}  // namespace rnnscope
