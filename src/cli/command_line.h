// The headless subcommands (train, sample, grad, trace, eval, translate, bench). The app's main()
// handles the window itself (no arguments, `gui`, `screenshot`) and passes everything else here.
#pragma once

namespace rnnscope {

// Runs `rnnscope <subcommand> ...`. Prints errors on one line to stderr; returns the exit code.
int RunCommandLine(int argc, char** argv);

}  // namespace rnnscope
