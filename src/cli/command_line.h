// The headless subcommands (train, sample, grad, trace, eval, translate, bench). The app's main()
// handles the window itself (no arguments, `gui`, `screenshot`) and passes everything else here.
#pragma once

#include <string_view>

namespace rnnscope {

// Runs `rnnscope <subcommand> ...`. Prints errors on one line to stderr; returns the exit code.
int RunCommandLine(int argc, char** argv);
// True for the name of a headless subcommand (train, sample, …): `rnnscope NAME` is that
// command even when a file of that name exists, never `rnnscope PATH`.
bool IsHeadlessCommand(std::string_view name);

}  // namespace rnnscope
