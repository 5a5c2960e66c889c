#include "viz/asset_path.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "core/error.h"

namespace rnnscope {
namespace {

std::vector<std::filesystem::path> SearchRoots() {
  std::vector<std::filesystem::path> roots;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) roots.push_back(exe.parent_path());
#ifdef RNNSCOPE_SOURCE_DIR
  roots.emplace_back(RNNSCOPE_SOURCE_DIR);
#endif
  return roots;
}

}  // namespace

std::filesystem::path FindDataFile(const std::string& folder, const std::string& name) {
  std::string looked;
  for (const auto& root : SearchRoots()) {
    const auto candidate = root / folder / name;
    if (std::filesystem::is_regular_file(candidate)) return candidate;
    looked += (looked.empty() ? "" : ", ") + (root / folder).string();
  }
  throw Error("missing data file '" + folder + "/" + name + "' (looked in " + looked + ")");
}

std::string ReadTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open for reading");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace rnnscope
