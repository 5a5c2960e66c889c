// Shared by the tests that run the rnnscope binary: a shell command's output and exit status.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace rnnscope::test {

// stdout (and stderr when `merge`, else stderr dropped) of `cmd`; its exit status in `status`.
inline std::string RunCommand(const std::string& cmd, int* status = nullptr, bool merge = true) {
  std::string out;
  FILE* p = ::popen((cmd + (merge ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  const int s = ::pclose(p);
  if (status) *status = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
  return out;
}

}  // namespace rnnscope::test
