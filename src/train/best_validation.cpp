#include "train/best_validation.h"

#include <filesystem>

namespace rnnscope {

std::string BestCheckpointPath(const std::string& checkpoint) {
  const std::filesystem::path p(checkpoint);
  return (p.parent_path() / (p.stem().string() + "-best" + p.extension().string())).string();
}

}  // namespace rnnscope
