#include "app/open_path.h"

#include <exception>
#include <filesystem>

namespace rnnscope {

std::string OpenPathInWindow(const std::string& path, const OpenPathTarget& target) {
  try {
    std::error_code ec;
    const std::filesystem::path p = std::filesystem::absolute(path, ec).lexically_normal();
    if (ec || !std::filesystem::exists(p, ec)) return "open error: " + path + ": no such file";
    if (std::filesystem::is_directory(p, ec)) return "open error: " + p.string() + ": is a folder, not a file";
    std::string ext = p.extension().string();
    for (char& c : ext) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    if (ext == ".safetensors") {
      // The trainer answers in its status line, or with the error dialog for a file that is
      // not a checkpoint (a bare state_dict: File ▸ Open PyTorch model).
      if (target.send) target.send(LoadCommand{p.string()});
      return "open: checkpoint " + p.string() + " (sent to the trainer)";
    }
    if (!target.train_on_text) return "open error: " + p.string() + ": this window cannot train on text files";
    const std::string failed = target.train_on_text(p.string());
    if (!failed.empty()) return "open error: " + p.string() + ": " + failed;
    return "open: text " + p.string() + " (char LM)";
  } catch (const std::exception& e) {
    return std::string("open error: ") + path + ": " + e.what();
  }
}

}  // namespace rnnscope
