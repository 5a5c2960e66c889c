#include <atomic>

#include "cli/commands.h"

namespace rnnscope {

namespace {
std::atomic<int> g_exit_code{0};
}

void SetCommandExitCode(int code) { g_exit_code = code; }
int CommandExitCode() { return g_exit_code; }

}  // namespace rnnscope
