// `rnnscope dynamics --ckpt F [--input TOKEN] [--starts N] [--json]`: the fixed and slow points
// of a checkpoint's recurrence for one constant input (docs/dynamics.md "Command line"). The
// job's Dynamics() and SearchFixedPoints are the ones the window's worker uses; this file only
// loads, reports progress and prints.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "train/dynamics_source.h"
#include "train/job_factory.h"

namespace rnnscope {

namespace {

struct DynamicsOptions {
  std::string checkpoint;
  std::string input;  // empty = the source's default input
  int starts = 256;
  int iterations = FixedPointOptions{}.max_iterations;
  bool json = false;
};

constexpr int kModuliShown = 4;  // the text line's eigenvalue moduli (JSON has all of them)

// A token as the user types it back to --input (InputTokenNamed's names).
std::string Printable(const std::string& token) {
  if (token == " ") return "space";
  if (token == "\n") return "\\n";
  if (token == "\t") return "\\t";
  return token;
}

// The held-out state nearest a point: which sequence, after which step (the state having read
// tokens[step]), and how far.
struct Nearest {
  double distance = std::numeric_limits<double>::infinity();
  int sequence = -1, step = -1;
  int32_t token = -1;
};

std::vector<Nearest> NearestHeldOut(const DynamicsSource& source, const StateMap& map,
                                    const std::vector<FixedPoint>& points) {
  std::vector<Nearest> nearest(points.size());
  for (std::size_t s = 0; s < source.held_out.size(); ++s) {
    const MatD states = Trajectory(map, source.held_out[s]);  // (n, T)
    for (std::size_t p = 0; p < points.size(); ++p)
      for (Eigen::Index t = 0; t < states.cols(); ++t) {
        const double d = (states.col(t) - points[p].state).norm();
        if (d < nearest[p].distance)
          nearest[p] = {d, static_cast<int>(s), static_cast<int>(t), source.held_out[s][static_cast<std::size_t>(t)]};
      }
  }
  return nearest;
}

// The per-step readout's choice at a point: fc applied to the top layer's h (its first H
// values of the top layer's block of s); -1 when the model has none.
int32_t Readout(const DynamicsSource& source, const StateMap& map, const Eigen::VectorXd& state) {
  if (!source.per_step_readout || source.params.fc_w.cols() != source.config.hidden) return -1;
  const Eigen::VectorXd h = state.segment((source.config.layers - 1) * map.LayerStateSize(), source.config.hidden);
  const Eigen::VectorXd logits = source.params.fc_w * h + source.params.fc_b.col(0);
  Eigen::Index best = 0;
  logits.maxCoeff(&best);
  return static_cast<int32_t>(best);
}

void Run(const DynamicsOptions& o) {
  const std::unique_ptr<Job> job = LoadJob(o.checkpoint, nullptr);
  const DynamicsSource source = [&] {
    try {
      return job->Dynamics();
    } catch (const ConfigError& e) {
      throw InputError(o.checkpoint + ": " + e.what());
    }
  }();
  const StateMap map(source.config, source.params, o.checkpoint);
  const int32_t token = o.input.empty() ? source.default_input : InputTokenNamed(source, o.input, "--input");
  const std::string why = o.input.empty() ? source.default_input_why : "given by --input";
  const std::string token_name = Printable(source.tokens.at(static_cast<std::size_t>(token)));

  int reported = 0;  // progress in quarters, on stderr: the command's output stays clean
  const FixedPointProgress progress = [&](int done, int total) {
    const int quarter = 4 * done / std::max(total, 1);
    if (quarter > reported) {
      reported = quarter;
      std::fprintf(stderr, "dynamics: %d of %d starts\n", done, total);
    }
  };
  FixedPointOptions options;
  options.max_iterations = o.iterations;
  const FixedPointResult result = SearchFixedPoints(source, map, token, o.starts, options, progress);
  const std::vector<Nearest> nearest = NearestHeldOut(source, map, result.points);

  int fixed = 0, counts[3] = {0, 0, 0};
  for (const FixedPoint& p : result.points) {
    fixed += p.fixed;
    if (p.fixed) ++counts[static_cast<int>(p.stability)];
  }
  const int slow = static_cast<int>(result.points.size()) - fixed;
  auto token_at = [&](int32_t id) { return Printable(source.tokens.at(static_cast<std::size_t>(id))); };

  if (o.json) {
    nlohmann::json j = {{"checkpoint", o.checkpoint},
                        {"task", source.task},
                        {"cell", std::string(CellName(source.config.cell))},
                        {"hidden", source.config.hidden},
                        {"layers", source.config.layers},
                        {"state_size", map.StateSize()},
                        {"input", {{"token", token_name}, {"id", token}, {"why", why}}},
                        {"starts_asked", o.starts},
                        {"starts", result.starts},
                        {"dropped", result.dropped},
                        {"max_iterations", result.max_iterations_used},
                        {"fixed", fixed},
                        {"slow", slow},
                        {"stable", counts[0]},
                        {"saddle", counts[1]},
                        {"unstable", counts[2]},
                        {"points", nlohmann::json::array()}};
    for (std::size_t i = 0; i < result.points.size(); ++i) {
      const FixedPoint& p = result.points[i];
      nlohmann::json moduli = nlohmann::json::array(), eigen = nlohmann::json::array();
      for (Eigen::Index k = 0; k < p.eigenvalues.size(); ++k) {
        moduli.push_back(std::abs(p.eigenvalues[k]));
        eigen.push_back({p.eigenvalues[k].real(), p.eigenvalues[k].imag()});
      }
      nlohmann::json point = {{"index", i},
                              {"kind", p.fixed ? "fixed" : "slow"},
                              {"q", p.q},
                              {"stability", StabilityName(p.stability)},
                              {"unstable_directions", p.Unstable()},
                              {"starts", p.starts},
                              {"iterations", p.iterations},
                              {"eigenvalue_moduli", moduli},
                              {"eigenvalues", eigen},
                              {"state", std::vector<double>(p.state.data(), p.state.data() + p.state.size())}};
      if (nearest[i].sequence >= 0)
        point["nearest"] = {{"distance", nearest[i].distance}, {"sequence", nearest[i].sequence},
                            {"step", nearest[i].step}, {"token", token_at(nearest[i].token)}};
      const int32_t r = Readout(source, map, p.state);
      if (r >= 0 && static_cast<std::size_t>(r) < source.outputs.size()) point["readout"] = Printable(source.outputs[static_cast<std::size_t>(r)]);
      j["points"].push_back(point);
    }
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }

  std::printf("model: %s, %s, hidden %d, %d layer%s (state size %d)\n", source.task.c_str(),
              std::string(CellName(source.config.cell)).c_str(), source.config.hidden, source.config.layers,
              source.config.layers == 1 ? "" : "s", map.StateSize());
  std::printf("input: '%s' (%s)\n", token_name.c_str(), why.c_str());
  std::printf("starts %d along %zu held-out sequences, %d dropped (q > slow threshold), at most %d iterations\n",
              result.starts, source.held_out.size(), result.dropped, result.max_iterations_used);
  std::printf("%d fixed points (%d stable, %d saddle, %d unstable), %d slow points\n", fixed, counts[0], counts[1],
              counts[2], slow);
  for (std::size_t i = 0; i < result.points.size(); ++i) {
    const FixedPoint& p = result.points[i];
    std::string moduli;
    for (Eigen::Index k = 0; k < p.eigenvalues.size() && k < kModuliShown; ++k) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%.3f", k ? " " : "", std::abs(p.eigenvalues[k]));
      moduli += buf;
    }
    std::printf("%3zu %-5s q %.2e  %-8s unstable %d  |λ| %s", i, p.fixed ? "fixed" : "slow", p.q,
                StabilityName(p.stability), p.Unstable(), moduli.c_str());
    const int32_t r = Readout(source, map, p.state);
    if (r >= 0 && static_cast<std::size_t>(r) < source.outputs.size())
      std::printf("  readout '%s'", Printable(source.outputs[static_cast<std::size_t>(r)]).c_str());
    if (nearest[i].sequence >= 0)
      std::printf("  nearest held-out %.3g (sequence %d, step %d, token '%s')", nearest[i].distance,
                  nearest[i].sequence, nearest[i].step, token_at(nearest[i].token).c_str());
    std::printf("\n");
  }
}

}  // namespace

void AddDynamicsCommand(CLI::App& app) {
  auto o = std::make_shared<DynamicsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "dynamics", "Fixed and slow points of a checkpoint's recurrence for one constant input (docs/dynamics.md)");
  cmd->add_option("--ckpt,--checkpoint", o->checkpoint, "Checkpoint (.safetensors)")->required();
  cmd->add_option("--input", o->input,
                  "The constant input token (default: the task's rest input, e.g. a space or \"000\")");
  cmd->add_option("--starts", o->starts, "Initial states, spread along held-out trajectories")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--iterations", o->iterations,
                  "Levenberg–Marquardt iterations per start (near-marginal directions, |λ| ≈ 1, converge slowly)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback([o] { Run(*o); });
}

}  // namespace rnnscope
