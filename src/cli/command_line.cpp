#include "cli/command_line.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <functional>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"

namespace rnnscope {

int RunCommandLine(int argc, char** argv) {
  CLI::App app{"rnnscope: watch a recurrent network think while it learns"};
  app.require_subcommand(1);
  // One line per subcommand; each lives in its own src/cli/*_command.cpp.
  const std::vector<std::function<void(CLI::App&)>> commands = {
      AddTrainCommand,
      AddSampleCommand,
      AddGradCommand,
      AddTraceCommand,
      AddEvalCommand,
      AddTranslateCommand,
      AddBenchCommand,
  };
  for (const auto& add : commands) add(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const Error& e) {
    std::fprintf(stderr, "rnnscope: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rnnscope: internal error: %s\n", e.what());
    return 3;
  }
  return CommandExitCode();
}

}  // namespace rnnscope
