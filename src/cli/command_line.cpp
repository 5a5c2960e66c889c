#include "cli/command_line.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>
#include <cstdio>
#include <exception>
#include <functional>
#include <vector>

#include "cli/commands.h"
#include "core/edit_distance.h"
#include "core/error.h"

namespace rnnscope {

namespace {

// One line per subcommand; each lives in its own src/cli/*_command.cpp.
void AddCommands(CLI::App& app) {
  const std::vector<std::function<void(CLI::App&)>> commands = {
      AddTrainCommand,
      AddSampleCommand,
      AddGradCommand,
      AddTraceCommand,
      AddEvalCommand,
      AddTranslateCommand,
      AddBenchCommand,
      AddExportCommand,
      AddDynamicsCommand,
  };
  for (const auto& add : commands) add(app);
}

}  // namespace

bool IsHeadlessCommand(std::string_view name) {
  CLI::App app;
  AddCommands(app);
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    if (sub->get_name() == name) return true;
  return false;
}

int RunCommandLine(int argc, char** argv) {
  CLI::App app{"rnnscope: watch a recurrent network think while it learns"};
  app.require_subcommand(1);
  AddCommands(app);
  // CLI11 would take a misspelt command for a stray argument and say only "A subcommand is
  // required": name it, list the commands, suggest the closest.
  if (argc >= 2 && argv[1][0] != '-') {
    const std::vector<CLI::App*> known = app.get_subcommands([](CLI::App*) { return true; });
    const std::string given = argv[1];
    std::string names;
    std::vector<std::string> name_list;
    bool found = false;
    for (const CLI::App* sub : known) {
      found = found || sub->get_name() == given;
      names += (names.empty() ? "" : ", ") + sub->get_name();
      name_list.push_back(sub->get_name());
    }
    const std::string closest = ClosestName(given, name_list);  // suggest only within two edits
    if (!found) {
      std::fprintf(stderr, "rnnscope: unknown command '%s'%s (commands: %s, and in the desktop build gui, "
                   "screenshot; see rnnscope --help)\n", given.c_str(),
                   closest.empty() ? "" : ("; did you mean '" + closest + "'?").c_str(), names.c_str());
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "rnnscope: %s\n", e.what());
    return 2;  // as CLI11's own usage errors and an unknown command
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
