#include "app/measure.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "app/app.h"
#include "app/make_trainer.h"

namespace rnnscope {
namespace {

using Clock = std::chrono::steady_clock;
// Long enough for the first probe, the first validation and the caches to settle.
constexpr double kWarmupSeconds = 2.0;

int64_t TokensTrained(const TrainerLink& trainer) {
  const auto s = trainer.Latest();
  return s ? s->tokens_trained : 0;
}

// Tokens per second of a trainer with nothing else running in this process.
double HeadlessTokensPerSecond(const AppOptions& options) {
  const std::unique_ptr<TrainerLink> trainer = MakeTrainer(options);
  std::this_thread::sleep_for(std::chrono::duration<double>(kWarmupSeconds));
  const int64_t from = TokensTrained(*trainer);
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(options.measure_seconds));
  const double span = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(TokensTrained(*trainer) - from) / span;
}

}  // namespace

int RunMeasure(const AppOptions& options) {
  std::printf("measure: %s %s H=%d, %.0f s headless then %.0f s with a %dx%d window (60 Hz)\n",
              options.spec.task.c_str(), std::string(CellName(ResolveSpec(options.spec).model.cell)).c_str(),
              ResolveSpec(options.spec).model.hidden, options.measure_seconds,
              options.measure_seconds, options.width, options.height);
  std::fflush(stdout);
  const double headless = HeadlessTokensPerSecond(options);
  App::PacedRun run;
  {
    const std::unique_ptr<TrainerLink> trainer = MakeTrainer(options);
    App app(options, *trainer);  // destroyed before the trainer, as in the GUI
    run = app.RunPaced(kWarmupSeconds, options.measure_seconds);
  }
  std::printf("headless tokens_per_s=%.0f\n", headless);
  std::printf("window tokens_per_s=%.0f frames=%zu\n", run.tokens_per_second, run.frames);
  std::printf("frame_work_ms median=%.2f p95=%.2f\n", run.work_median_ms, run.work_p95_ms);
  std::printf("frame_interval_ms median=%.2f p95=%.2f\n", run.interval_median_ms, run.interval_p95_ms);
  std::printf("window/headless=%.3f\n", headless > 0 ? run.tokens_per_second / headless : 0.0);
  std::printf("redrawn_fraction mean=%.3f (%s, %s)\n", run.redrawn_fraction,
              options.full_redraw ? "--full-redraw" : "damaged tiles only",
              run.redraws_into_back_buffer ? "into the back buffer" : "off screen, copied");
  if (options.verify_redraw) {
    std::printf("redraw_verified frames=%zu differing=%zu deferring=%zu\n", run.verified_frames,
                run.mismatched_frames, run.deferring_frames);
    if (run.mismatched_frames > 0) {
      std::fprintf(stderr, "measure: %zu of %zu frames differ from ImGui's stock backend\n", run.mismatched_frames,
                   run.verified_frames);
      return 1;
    }
  }
  return 0;
}

}  // namespace rnnscope
