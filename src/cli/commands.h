// Subcommand registration. Each Add*Command adds a CLI11 subcommand whose callback does the
// work (CLI11 runs callbacks inside parse(), so typed errors propagate to RunCommandLine, which
// prints them on one line). A callback reports a non-zero exit code via SetCommandExitCode.
#pragma once

namespace CLI {
class App;
}

namespace rnnscope {

void SetCommandExitCode(int code);
int CommandExitCode();

void AddTrainCommand(CLI::App& app);
void AddSampleCommand(CLI::App& app);
void AddGradCommand(CLI::App& app);
void AddTraceCommand(CLI::App& app);
void AddEvalCommand(CLI::App& app);
void AddTranslateCommand(CLI::App& app);
void AddBenchCommand(CLI::App& app);
void AddExportCommand(CLI::App& app);
void AddDynamicsCommand(CLI::App& app);

}  // namespace rnnscope
