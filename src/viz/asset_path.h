// Run-time data files (shaders/, assets/) live beside the binary (CMake copies them there after
// each build) or, for a binary run from elsewhere, in the source tree it was built from.
#pragma once

#include <filesystem>
#include <string>

namespace rnnscope {

// Full path of `folder/name`, searched beside the executable, then in RNNSCOPE_SOURCE_DIR.
// Throws Error naming the file and every place looked in when it is nowhere.
std::filesystem::path FindDataFile(const std::string& folder, const std::string& name);
// Reads a whole text file; throws InputError naming the path.
std::string ReadTextFile(const std::filesystem::path& path);

}  // namespace rnnscope
