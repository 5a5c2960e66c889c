// Entry point of a build without the window (-DRNNSCOPE_BUILD_APP=OFF): the same subcommands.
#include "cli/command_line.h"

int main(int argc, char** argv) { return rnnscope::RunCommandLine(argc, argv); }
