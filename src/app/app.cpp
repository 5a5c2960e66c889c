// Contents: GLFW error capture · ini path · App ctor/dtor · Frame · RunGui · RunScreenshot · RunExports
#include "app/app.h"
#include "app/monkey.h"
#include "app/open_path.h"

#include <epoxy/gl.h>  // before GLFW (GLFW_INCLUDE_NONE is set by CMake)
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "app/fonts.h"
#include "core/error.h"
#include "model/cell_kind.h"
#include "tasks/text_corpus.h"
#include "train/snapshot.h"
#include "app/make_trainer.h"
#include "ui/compare.h"
#include "ui/glyph_requests.h"
#include "ui/shortcuts.h"
#include "ui/theme.h"
#include "viz/screenshot.h"

namespace rnnscope {
namespace {

// Whether the back buffer still holds the last frame after a swap, so the UI renderer can draw
// only what changed straight into it. True for Mesa's software rasterisers (llvmpipe, softpipe),
// which present by copying the back buffer to the window; GPU drivers flip buffers instead.
// Probed rather than assumed: two frames of different colours, then the back buffer is read.
bool BackBufferSurvivesSwap(GLFWwindow* window) {
  const auto* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  if (renderer == nullptr || (std::strstr(renderer, "llvmpipe") == nullptr && std::strstr(renderer, "softpipe") == nullptr)) {
    return false;
  }
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glDisable(GL_SCISSOR_TEST);
  for (const float red : {0.0f, 1.0f}) {
    glClearColor(red, 0.5f, 0.25f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    glfwSwapBuffers(window);
  }
  unsigned char pixel[4] = {0, 0, 0, 0};
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, pixel);
  return pixel[0] == 255 && pixel[1] >= 126 && pixel[1] <= 129 && pixel[2] >= 62 && pixel[2] <= 65;
}

std::string& LastGlfwError() {
  static std::string error;
  return error;
}

void OnGlfwError(int code, const char* description) {
  LastGlfwError() = std::string(description ? description : "unknown error") + " (" +
                    std::to_string(code) + ")";
}

// $XDG_CONFIG_HOME/rnnscope/imgui.ini, else ~/.config/rnnscope/imgui.ini; "" if neither works.
std::string UserIniPath() {
  std::filesystem::path dir;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    dir = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = std::filesystem::path(home) / ".config";
  } else {
    return {};
  }
  dir /= "rnnscope";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return {};
  return (dir / "imgui.ini").string();
}

// Ctrl-C in the terminal closes the window the normal way (layout saved, GL torn down).
std::atomic<bool> g_interrupted{false};
extern "C" void OnInterrupt(int) { g_interrupted = true; }

// --intervene "TARGET,LAYER,UNIT,VALUE" → an Intervention (probe only). Gate letters are looked
// up in the cell's own gate order, so "f" is index 1 for an LSTM and "z" index 1 for a GRU.
// "attn,STEP,SOURCE" overwrites the seq2seq decoder's attention row STEP with a one-hot on
// source position SOURCE, or with a uniform row when SOURCE is 'uniform'.
Intervention ParseIntervention(const std::string& spec, CellKind cell) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t comma = spec.find(','); ; comma = spec.find(',', start)) {
    parts.push_back(spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  auto index = [&](const std::string& text) {
    if (text == "all" || text == "-1") return -1;
    try {
      return std::stoi(text);
    } catch (const std::exception&) {
      throw Error("--intervene " + spec + ": '" + text + "' is not a number or 'all'");
    }
  };
  Intervention result;
  if (!parts.empty() && parts[0] == "attn") {
    if (parts.size() != 3) throw Error("--intervene " + spec + ": expected attn,STEP,SOURCE (SOURCE a position or 'uniform')");
    result.target = InterventionTarget::kAttentionRow;
    result.step = index(parts[1]);
    result.source = parts[2] == "uniform" ? -1 : index(parts[2]);
    if (result.step < 0 || (result.source < 0 && parts[2] != "uniform"))
      throw Error("--intervene " + spec + ": STEP and SOURCE must be ≥ 0 (or SOURCE 'uniform')");
    return result;
  }
  if (parts.size() != 4) throw Error("--intervene " + spec + ": expected TARGET,LAYER,UNIT,VALUE or attn,STEP,SOURCE");
  result.layer = index(parts[1]);
  result.unit = index(parts[2]);
  try {
    result.value = std::stof(parts[3]);
  } catch (const std::exception&) {
    throw Error("--intervene " + spec + ": '" + parts[3] + "' is not a number");
  }
  if (parts[0] == "h") {
    result.target = InterventionTarget::kHidden;
  } else if (parts[0] == "c") {
    result.target = InterventionTarget::kCell;
  } else {
    const std::string order = cell == CellKind::kLstm ? "ifgo" : cell == CellKind::kGru ? "rzn" : "";
    const std::size_t gate = parts[0].size() == 1 ? order.find(parts[0][0]) : std::string::npos;
    if (gate == std::string::npos) {
      throw Error("--intervene " + spec + ": target must be h, c or one of this cell's gates (" +
                  (order.empty() ? "none" : order) + ")");
    }
    result.target = InterventionTarget::kGate;
    result.gate = static_cast<int>(gate);
  }
  return result;
}

// Files dropped on the window, queued by the GLFW callback (inside glfwPollEvents) and opened
// by the next frame, before it takes its snapshot. One window per process, so one queue.
GLFWdropfun g_previous_drop = nullptr;
std::vector<std::string>& DroppedPaths() {
  static std::vector<std::string> paths;
  return paths;
}
void OnDrop(GLFWwindow* window, int count, const char** paths) {
  // GLFW keeps one drop callback per window: chain to whichever was there (ImGui 1.86's GLFW
  // backend installs none, but a later one might).
  if (g_previous_drop != nullptr) g_previous_drop(window, count, paths);
  for (int i = 0; i < count; ++i) {
    if (paths[i] != nullptr) DroppedPaths().emplace_back(paths[i]);
  }
}

const Snapshot& EmptySnapshot() {
  static const Snapshot empty = [] {
    Snapshot s;
    s.status = "waiting for the trainer's first snapshot";
    return s;
  }();
  return empty;
}

// "rnnscope — 唐诗.txt · charlm": the file opened (its name) and the task; the built-in data
// says only the task.
std::string WindowTitle(const Snapshot& snapshot) {
  std::string title = "rnnscope — ";
  if (!snapshot.opened_file.empty()) title += std::filesystem::path(snapshot.opened_file).filename().string() + " · ";
  return title + snapshot.running.task;
}

}  // namespace

App::App(const AppOptions& options, TrainerLink& trainer) : options_(options), trainer_(&trainer) {
  glfwSetErrorCallback(OnGlfwError);
  if (!glfwInit()) {
    throw Error("cannot open a window (no display?): " + LastGlfwError() +
                "; run headless subcommands or use xvfb-run");
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  // Screenshots must be exactly --size pixels; interactive windows follow the monitor's scale.
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, options.screenshot ? GLFW_FALSE : GLFW_TRUE);
  window_ = glfwCreateWindow(options.width, options.height, "rnnscope", nullptr, nullptr);
  if (window_ == nullptr) {
    const std::string reason = LastGlfwError();
    glfwTerminate();
    throw Error("cannot open a window (no display or no OpenGL 3.3?): " + reason +
                "; run headless subcommands or use xvfb-run");
  }
  glfwMakeContextCurrent(window_);
  // vsync in the GUI; screenshots run unthrottled, `measure` paces itself at 60 Hz.
  glfwSwapInterval(options.screenshot || options.measure ? 0 : 1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  // Screenshots and tests must not depend on (or overwrite) a user's saved layout.
  ini_path_ = options.screenshot || options.measure ? std::string() : UserIniPath();
  io.IniFilename = ini_path_.empty() ? nullptr : ini_path_.c_str();
  float xscale = 1.0f, yscale = 1.0f;
  glfwGetWindowContentScale(window_, &xscale, &yscale);
  const float scale = std::max(1.0f, std::max(xscale, yscale));
  fonts_.Load(std::round(15.0f * scale));
  std::printf("fonts: %s\n", fonts_.Describe().c_str());
  ApplyTheme(scale);
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  // After ImGui's callbacks are in place, so a drop callback of its own would be chained.
  g_previous_drop = glfwSetDropCallback(window_, OnDrop);
  ImGui_ImplOpenGL3_Init("#version 330 core");  // still creates the font texture
  imgui_ready_ = true;
  renderer_ = std::make_unique<ImGuiRenderer>(!options.redraw_offscreen && BackBufferSurvivesSwap(window_));

  state_.trainer = trainer_;
  // File ▸ Open…: opened at the start of the next frame (the trainer may be replaced, and this
  // frame still draws from the current one).
  state_.on_open = [this](const std::string& path) { pending_opens_.push_back(path); };
  if (options.cursor_t >= 0) state_.cursor_t = options.cursor_t;
  if (options.unit >= 0) state_.selected_unit = options.unit;
  panels_ = std::make_unique<PanelRegistry>();
  last_frame_start_ = glfwGetTime();
  if (!options.compare.empty()) {
    // main built trainer_ as the first run (its cell and learning rate); the others join it.
    std::vector<RunSpec> runs = ParseRunList(options.compare);
    run_names_ = {runs.front().Name()};
    runs.erase(runs.begin());
    AppOptions base = options;
    base.learning_rate = 0.0f;  // a run without :LR trains at the default, not at the first run's
    StartExtraRuns(base, runs, options.screenshot);
    if (!options.compare_preset.empty()) {
      for (const ComparePreset& preset : ComparePresets()) {
        if (preset.id != options.compare_preset || preset.probe.empty()) continue;
        for (TrainerLink* link : RunLinks()) link->Send(ProbeCommand{preset.probe});
      }
    }
    panels_->Show("compare");
  }
}

void App::StartExtraRuns(const AppOptions& base, const std::vector<RunSpec>& runs, bool paused) {
  for (const RunSpec& run : runs) {
    AppOptions o = base;
    o.spec.model.cell = ParseCellKind(run.cell);
    if (o.spec.given) o.spec.given->insert("cell");  // the run's whole point is its cell
    o.learning_rate = run.learning_rate > 0.0f ? run.learning_rate : base.learning_rate;
    o.spec.weights_path.clear();
    o.spec.vocab_path.clear();
    o.screenshot = paused;  // MakeTrainer: a screenshot's trainers start paused
    extra_runs_.push_back(MakeTrainer(o));
    run_names_.push_back(run.Name());
  }
}

std::vector<TrainerLink*> App::RunLinks() {
  std::vector<TrainerLink*> links = {trainer_};
  for (const auto& run : extra_runs_) links.push_back(run.get());
  return links;
}

void App::StopCompare() {
  // The reaper asks each run to stop now and joins it on its thread: the window keeps drawing.
  for (auto& run : extra_runs_) reaper_.Reap(std::move(run));
  extra_runs_.clear();
  run_names_.clear();
  state_.runs.clear();
}

void App::StartPreset(const std::string& id, const Snapshot& current) {
  const ComparePreset* preset = nullptr;
  for (const ComparePreset& p : ComparePresets()) {
    if (p.id == id) preset = &p;
  }
  if (preset == nullptr) return;
  StopCompare();
  std::vector<RunSpec> runs;
  for (const std::string& text : preset->runs) runs.push_back(ParseRunSpec(text));
  // Sizes and settings from the run on screen (the same for every run, so the seed gives every
  // run the same batches); the cell and learning rate from the preset.
  AppOptions base = options_;
  const JobSpec shown = ResolveSpec(options_.spec);
  base.spec.task = preset->task;
  base.spec.model.hidden = current.version != 0 ? current.config.hidden : shown.model.hidden;
  base.spec.model.layers = current.version != 0 ? current.config.layers : shown.model.layers;
  base.spec.model.bidirectional = false;
  base.spec.given = std::set<std::string>{"cell", "hidden", "layers"};  // unidirectional: the task's default
  base.spec.settings.seed = current.version != 0 ? current.settings.seed : options_.spec.settings.seed;
  base.learning_rate = 0.0f;
  // Default settings for every run (the extra runs start from them too): same batch size and
  // sequence length, so the same seed draws the same batches.
  TrainSettings settings;
  settings.seed = base.spec.settings.seed;
  if (runs.front().learning_rate > 0.0f) settings.learning_rate = runs.front().learning_rate;
  base.learning_rate = settings.learning_rate;
  base.spec.settings = settings;
  RebuildCommand rebuild;
  rebuild.task = preset->task;
  rebuild.model = current.config;
  rebuild.model.cell = ParseCellKind(runs.front().cell);
  rebuild.model.hidden = base.spec.model.hidden;
  rebuild.model.layers = base.spec.model.layers;
  rebuild.model.bidirectional = false;
  rebuild.settings = settings;
  trainer_->Send(rebuild);
  trainer_->Send(PauseCommand{false});
  run_names_ = {runs.front().Name()};
  runs.erase(runs.begin());
  StartExtraRuns(base, runs, false);
  if (!preset->probe.empty()) {
    for (TrainerLink* link : RunLinks()) link->Send(ProbeCommand{preset->probe});
  }
  panels_->Show("compare");
}

App::~App() {
  // Quitting looks instant: the window goes first, the compared runs are asked to stop at once
  // (they wind down in parallel while GL and ImGui shut down), and the joins come last.
  if (window_ != nullptr) glfwHideWindow(window_);
  for (auto& run : extra_runs_) reaper_.Reap(std::move(run));
  extra_runs_.clear();
  // GL objects first, while the context is current.
  state_.heatmaps.Clear();
  panels_.reset();
  renderer_.reset();
  if (imgui_ready_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (window_ != nullptr) glfwDestroyWindow(window_);
  glfwTerminate();
  reaper_.Drain();
}

// Every text a panel may draw from this snapshot, so the atlas has its glyphs before the frame.
void App::WantFontsFor(const Snapshot& snapshot) {
  fonts_.Want(TakeGlyphRequests());  // file names the browser lists (ui/glyph_requests.h)
  if (snapshot.version == fonts_checked_version_ && state_.probe_text == fonts_checked_probe_) {
    if (fonts_.RebuildIfNeeded()) {
      std::printf("fonts: rebuilt for the texts shown: %s\n", fonts_.Describe().c_str());
      std::fflush(stdout);
    }
    return;
  }
  fonts_checked_version_ = snapshot.version;
  fonts_checked_probe_ = state_.probe_text;
  for (const std::string& t : snapshot.vocab) fonts_.Want(t);
  for (const std::string& t : snapshot.probe_tokens) fonts_.Want(t);
  for (const std::string& t : snapshot.probe_targets) fonts_.Want(t);
  fonts_.Want(snapshot.sample);
  fonts_.Want(state_.probe_text);
  fonts_.Want(snapshot.opened_file);
  for (const AttentionTrace& a : snapshot.attention) {
    for (const std::string& t : a.source_tokens) fonts_.Want(t);
    for (const std::string& t : a.output_tokens) fonts_.Want(t);
    for (const std::string& t : a.beam_outputs) fonts_.Want(t);
  }
  if (fonts_.RebuildIfNeeded()) {
    std::printf("fonts: rebuilt for the run's characters: %s\n", fonts_.Describe().c_str());
    std::fflush(stdout);
  }
}

void App::Frame(Image* capture) {
  const double start = glfwGetTime();
  const double interval_ms = (start - last_frame_start_) * 1000.0;
  last_frame_start_ = start;
  frame_stats_.Add(interval_ms);
  state_.frame = {interval_ms, frame_stats_.Median(), frame_stats_.P95()};

  glfwPollEvents();
  OpenPendingFiles();
  // One snapshot per frame, held by shared_ptr: the trainer may publish meanwhile, this frame
  // keeps drawing the one it took, and no lock is held while drawing.
  const std::shared_ptr<const Snapshot> latest = trainer_->Latest();
  const Snapshot& snapshot = latest ? *latest : EmptySnapshot();
  if (latest && latest->running.hidden > 0) {
    // What runs, as the job built it (not the flags asked for): users and scripts read it.
    const std::string line = latest->running.Line() + (latest->opened_file.empty() ? "" : " · from " + latest->opened_file);
    if (line != printed_model_line_) {
      std::printf("model: %s\n", line.c_str());
      std::fflush(stdout);
      printed_model_line_ = line;
    }
    const std::string title = WindowTitle(*latest);
    if (title != title_) {
      glfwSetWindowTitle(window_, title.c_str());
      title_ = title;
    }
  }

  WantFontsFor(snapshot);
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  if (options_.mouse_x >= 0.0f) ImGui::GetIO().MousePos = {options_.mouse_x, options_.mouse_y};
  if (click_active_) {
    // After the backend's NewFrame, which would read the real (absent) mouse.
    ImGui::GetIO().MousePos = click_pos_;
    ImGui::GetIO().MouseDown[0] = click_down_;
  }
  if (monkey_) monkey_->Inject(ImGui::GetIO());
  ImGui::NewFrame();
  state_.Clamp(snapshot);
  state_.runs.clear();
  if (!run_names_.empty()) {
    const std::vector<TrainerLink*> links = RunLinks();
    for (std::size_t i = 0; i < links.size(); ++i) {
      state_.runs.push_back({run_names_[i], i == 0 ? latest : links[i]->Latest(), links[i]});
    }
  }
  HandleShortcuts(snapshot, state_);
  panels_->DrawAll(snapshot, state_);
  ImGui::Render();
  if (!state_.compare_request.empty()) {
    // After the frame: the runs this frame drew from stay alive until it is rendered.
    const std::string request = std::exchange(state_.compare_request, {});
    if (request == "stop") StopCompare();
    else StartPreset(request, snapshot);
  }

  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  // Only what changed since the last frame is redrawn (viz/imgui_renderer.h); the panels are
  // transparent over kPanelColor (ui/theme.h).
  ImDrawData& draw_data = *ImGui::GetDrawData();
  // Deferral would leave part of a captured frame a frame behind.
  const bool allow_deferral = capture == nullptr && !options_.screenshot;
  last_redraw_ = renderer_->Render(draw_data, kPanelColor, options_.full_redraw, allow_deferral);
  if (options_.verify_redraw) {
    // A frame that deferred nothing must equal the stock backend's: that checks the damage
    // tracking and that deferred rectangles were caught up with this frame's content.
    if (last_redraw_.deferred > 0) {
      ++deferring_frames_;
    } else {
      ++verified_frames_;
      if (renderer_->CountPixelsDifferingFromStockBackend(draw_data, kPanelColor) > 0) ++mismatched_frames_;
    }
  }
  if (capture != nullptr) *capture = ReadBackBuffer(width, height);  // GL_BACK, before the swap
  glfwSwapBuffers(window_);
}

void App::OpenPendingFiles() {
  std::vector<std::string> paths = std::exchange(pending_opens_, {});
  // Several files dropped at once: the first is opened (each open replaces the model).
  std::vector<std::string>& dropped = DroppedPaths();
  if (!dropped.empty()) paths.push_back(dropped.front());
  if (dropped.size() > 1) std::printf("open: %zu files dropped, opening the first\n", dropped.size());
  dropped.clear();
  for (const std::string& path : paths) {
    const OpenedPath opened = OpenPathInWindow(path, [this](Command command) { trainer_->Send(std::move(command)); });
    panels_->exporter().Report(opened.line, opened.error);  // the menu bar's status
    std::printf("%s\n", opened.line.c_str());
    std::fflush(stdout);
    // Screenshots keep the trainer paused: a new run trains --steps as the first did; a
    // checkpoint is shown as it was saved.
    if (options_.screenshot && opened.kind && *opened.kind != FileKind::kCheckpoint)
      trainer_->Send(StepCommand{options_.steps});
    if (!opened.error) ++opens_handled_;
    last_open_kind_ = opened.kind;
  }
}

int App::RunGui() {
  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
  while (!glfwWindowShouldClose(window_) && !g_interrupted) {
    // Minimised: nothing to draw; wake on events instead of spinning.
    if (glfwGetWindowAttrib(window_, GLFW_ICONIFIED)) {
      glfwWaitEventsTimeout(0.1);
      continue;
    }
    Frame(nullptr);
  }
  return 0;
}

App::PacedRun App::RunPaced(double warmup, double seconds) {
  constexpr double kPeriod = 1.0 / 60.0;
  FrameStats work(100000), interval(100000);
  double redrawn_sum = 0.0;
  PacedRun run;
  const double begin = glfwGetTime();
  double measured_from = -1.0, previous_start = -1.0, next = begin;
  int64_t tokens_from = 0;
  for (;;) {
    const double start = glfwGetTime();
    if (start - begin >= warmup + seconds) break;
    const bool measuring = start - begin >= warmup;
    if (measuring && measured_from < 0.0) {
      measured_from = start;
      const auto s = trainer_->Latest();
      tokens_from = s ? s->tokens_trained : 0;
    }
    Frame(nullptr);
    const double end = glfwGetTime();
    if (measuring) {
      work.Add((end - start) * 1e3);
      redrawn_sum += last_redraw_.Fraction();
      if (previous_start >= 0.0) interval.Add((start - previous_start) * 1e3);
      previous_start = start;
    }
    // Sleep to the next 60 Hz tick; a late frame starts the next one at once (as with vsync,
    // it then waits for the following tick — the frame is "dropped").
    next += kPeriod;
    if (end < next) std::this_thread::sleep_for(std::chrono::duration<double>(next - end));
    else next = end;
  }
  const auto last = trainer_->Latest();
  const double span = glfwGetTime() - measured_from;
  run.frames = work.count();
  run.work_median_ms = work.Median();
  run.work_p95_ms = work.P95();
  run.interval_median_ms = interval.Median();
  run.interval_p95_ms = interval.P95();
  run.redrawn_fraction = run.frames > 0 ? redrawn_sum / static_cast<double>(run.frames) : 0.0;
  run.verified_frames = verified_frames_;
  run.mismatched_frames = mismatched_frames_;
  run.deferring_frames = deferring_frames_;
  run.redraws_into_back_buffer = renderer_->draws_to_back_buffer();
  if (last && span > 0) run.tokens_per_second = static_cast<double>(last->tokens_trained - tokens_from) / span;
  return run;
}

int App::RunScreenshot() {
  using Clock = std::chrono::steady_clock;
  // Gate letters of --intervene name the gates of the cell the trainer built, which a task may
  // choose itself (seq2seq tasks pick their own cell unless told): wait for its first snapshot.
  std::vector<Intervention> interventions;
  if (!options_.interventions.empty()) {
    const auto until = Clock::now() + std::chrono::seconds(60);
    while (!trainer_->Latest() && Clock::now() < until) {
      Frame(nullptr);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const auto first = trainer_->Latest();
    const CellKind cell = first ? first->config.cell : ResolveSpec(options_.spec).model.cell;
    for (const std::string& spec : options_.interventions) interventions.push_back(ParseIntervention(spec, cell));
  }
  // Pause first so exactly `steps` steps run (a trainer that was already running may overshoot
  // by the steps it finished before the pause arrived).
  // Every side-by-side run trains the same --steps; the capture waits for all of them.
  for (TrainerLink* link : RunLinks()) link->Send(PauseCommand{true});
  if (options_.break_at >= 0 || options_.break_grad_norm > 0.0f || options_.break_saturation > 0.0f) {
    BreakpointRules rules;
    rules.at_step = options_.break_at;
    rules.grad_norm_above = options_.break_grad_norm;
    rules.saturation_fraction_above = options_.break_saturation;
    trainer_->Send(SetBreakpointsCommand{rules});
  }
  for (const Intervention& i : interventions) trainer_->Send(AddInterventionCommand{i});
  if (!options_.cell_regex.empty()) trainer_->Send(SetCellFinderCommand{true, options_.cell_regex, 3000});
  if (options_.query_t0 >= 0) {
    trainer_->Send(CellQueryCommand{options_.query_t0, options_.query_t1, options_.query_threshold, 3});
  }
  for (TrainerLink* link : RunLinks()) {
    if (options_.steps > 0) link->Send(StepCommand{options_.steps});
    link->Send(PublishCommand{});
  }
  // At least 300 s, more for long runs (seq2seq README figures train for thousands of steps).
  const int limit_s = std::max(300, options_.steps);
  const auto deadline = Clock::now() + std::chrono::seconds(limit_s);
  // Renders frames until the trainer is paused at --steps (or stopped by a breakpoint, which
  // drops the remaining steps) and `also` holds; 0 when reached, else the exit code.
  auto wait_for_steps = [&](auto also) {
    for (;;) {
      const auto latest = trainer_->Latest();
      bool others_done = true;
      for (const auto& run : extra_runs_) {
        const auto other = run->Latest();
        if (other && !other->error.empty()) {
          std::fprintf(stderr, "rnnscope: trainer error (compare run): %s\n", other->error.c_str());
          return 1;
        }
        others_done = others_done && other && other->paused && other->step >= options_.steps;
      }
      if (latest && latest->paused && (latest->step >= options_.steps || !latest->breakpoint.empty()) && also(*latest) &&
          others_done) {
        return 0;
      }
      // A trainer that failed (unknown task, divergence) will not reach the step: say why now
      // instead of waiting for the deadline.
      if (latest && !latest->error.empty() && latest->step < options_.steps) {
        std::fprintf(stderr, "rnnscope: trainer error: %s\n", latest->error.c_str());
        return 1;
      }
      if (Clock::now() > deadline) {
        std::fprintf(stderr, "rnnscope: the trainer did not reach step %d within %d s\n", options_.steps, limit_s);
        return 1;
      }
      Frame(nullptr);  // keep the window alive (and exercise the UI) while training
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  if (const int failed = wait_for_steps([](const Snapshot&) { return true; })) return failed;
  if (options_.branch_at >= 0) {
    // The time-travel figure: back to the newest kept checkpoint at or before --branch-at,
    // then the same number of steps again with a 4x learning rate as a branch of its own.
    const auto before = trainer_->Latest();
    int64_t kept = -1;
    for (int64_t s : before->ring_steps) {
      if (s <= options_.branch_at) kept = s;
    }
    if (kept < 0) {
      std::fprintf(stderr, "rnnscope: --branch-at %lld: no checkpoint at or before it\n", static_cast<long long>(options_.branch_at));
      return 1;
    }
    TrainSettings settings = before->settings;
    settings.learning_rate *= 4.0f;
    trainer_->Send(RewindCommand{kept, true, true, settings, {}});
    trainer_->Send(StepCommand{static_cast<int>(options_.steps - kept)});
    trainer_->Send(PublishCommand{});
    const std::size_t branches = before->branches.size();
    if (const int failed = wait_for_steps([&](const Snapshot& s) { return s.branches.size() > branches; })) return failed;
  }
  // --cursor/--unit again now that the probe exists: the first frames clamped them to the
  // empty snapshot the app starts with.
  if (options_.cursor_t >= 0) state_.cursor_t = options_.cursor_t;
  if (options_.unit >= 0) state_.selected_unit = options_.unit;
  for (const auto& name : options_.show) {
    if (name == "help") {
      state_.show_help = true;
    } else if (!panels_->Show(name)) {
      std::string known = "help";
      for (const auto& id : panels_->Ids()) known += ", " + id;
      std::fprintf(stderr, "rnnscope: --show %s: no such panel (known: %s)\n", name.c_str(), known.c_str());
      return 2;
    }
  }
  // Clicks: press on one frame, release on the next (ImGui reports a click on the press), then
  // a pause so the trainer can answer a command the click sent before the next click. No wait
  // for "paused": a click may have resumed training on purpose.
  // Windows opened by --show need a frame or two before they can be hovered.
  for (int i = 0; i < 3 && !options_.clicks.empty(); ++i) Frame(nullptr);
  for (const std::string& click : options_.clicks) {
    if (std::sscanf(click.c_str(), "%f,%f", &click_pos_.x, &click_pos_.y) != 2) {
      std::fprintf(stderr, "rnnscope: --click %s: expected X,Y\n", click.c_str());
      return 2;
    }
    click_active_ = true;
    for (const bool down : {false, true, false}) {
      click_down_ = down;
      Frame(nullptr);
    }
    for (int i = 0; i < 20; ++i) {
      Frame(nullptr);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (const int failed = RunExports()) return failed;
  if (const int failed = RunMonkey()) return failed;
  if (const int failed = RunOpens()) return failed;
  // Timed frames on a settled snapshot; the capture is the last of them.
  frame_stats_ = FrameStats(static_cast<std::size_t>(std::max(options_.frames, 1)));
  last_frame_start_ = glfwGetTime();
  Image image;
  for (int i = 0; i < options_.frames; ++i) Frame(nullptr);
  // The captured frame also lists what each panel drew (cursor, unit, sizes), one "drew" line
  // per panel, so tests can check the shared selection reached the panels in the image.
  std::vector<std::string> drawn;
  state_.drawn = &drawn;
  Frame(&image);
  state_.drawn = nullptr;
  for (const std::string& line : drawn) std::printf("drew %s\n", line.c_str());
  std::printf("frame_ms median=%.2f p95=%.2f frames=%zu\n", frame_stats_.Median(),
              frame_stats_.P95(), frame_stats_.count());
  const ImageStats stats = ComputeStats(image);
  std::printf("image %dx%d mean=%.1f stddev=%.1f colors=%d\n", image.width, image.height,
              stats.mean, stats.stddev, stats.distinct_colors);
  if (options_.crop_w > 0) {
    // Clamped to the frame; the statistics above describe the whole frame, as --check expects.
    const int x0 = std::min(options_.crop_x, image.width - 1), y0 = std::min(options_.crop_y, image.height - 1);
    const int w = std::min(options_.crop_w, image.width - x0), h = std::min(options_.crop_h, image.height - y0);
    Image cropped{w, h, {}};
    cropped.rgb.reserve(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
    for (int y = y0; y < y0 + h; ++y) {
      const auto row = image.rgb.begin() + (static_cast<std::ptrdiff_t>(y) * image.width + x0) * 3;
      cropped.rgb.insert(cropped.rgb.end(), row, row + static_cast<std::ptrdiff_t>(w) * 3);
    }
    image = std::move(cropped);
  }
  WritePng(image, options_.out_path);
  std::printf("wrote %s\n", options_.out_path.c_str());
  if (options_.check && (stats.stddev < 8.0 || stats.distinct_colors < 64)) {
    std::fprintf(stderr, "rnnscope: screenshot looks blank (stddev %.1f, %d colours)\n",
                 stats.stddev, stats.distinct_colors);
    return 3;
  }
  return 0;
}

int App::RunOpens() {
  if (options_.open_via_browser.empty() && options_.drop.empty()) return 0;
  const std::size_t before = opens_handled_;
  const std::string line_before = printed_model_line_;
  if (!options_.open_via_browser.empty()) {
    // File ▸ Open…, then the path typed into the browser's path field and Enter.
    panels_->exporter().AskOpen();
    for (int i = 0; i < 3; ++i) Frame(nullptr);  // the modal opens and lists its folder
    FileBrowser& browser = panels_->exporter().browser();
    browser.SubmitTypedPath(options_.open_via_browser);
    Frame(nullptr);  // Draw hands the choice to UiState::on_open
    std::printf("browser: folder=%s open=%d error=%s\n", browser.folder().c_str(), browser.IsOpen() ? 1 : 0,
                browser.error().empty() ? "none" : browser.error().c_str());
  }
  if (!options_.drop.empty()) {
    const char* path = options_.drop.c_str();
    OnDrop(window_, 1, &path);  // as GLFW calls it for a drop
  }
  Frame(nullptr);  // opens what was chosen or dropped
  if (opens_handled_ == before) return 0;  // a folder was typed: the browser stays open
  // Until the opened model runs (a new model: line, trained --steps unless it opens paused)
  // or the trainer says why not.
  // Checkpoints and PyTorch models open paused (train/trainer_thread_open.cpp): nothing to train.
  const bool opens_paused = last_open_kind_ == FileKind::kCheckpoint || last_open_kind_ == FileKind::kStateDict;
  // The frames drawn while the trainer opens the file (a large text takes seconds): the window
  // must keep drawing. Their work times and the wait go out as one line.
  FrameStats wait_frames(1u << 20);
  const auto wait_start = std::chrono::steady_clock::now();
  double wait_max_ms = 0.0;
  const auto until = wait_start + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < until) {
    const auto latest = trainer_->Latest();
    if (latest && !latest->error.empty()) {
      std::fprintf(stderr, "rnnscope: trainer error after opening: %s\n", latest->error.c_str());
      return 1;
    }
    if (latest && latest->open_choice.id != 0) {  // two kinds fit: the window asks (the capture shows it)
      for (int i = 0; i < 3; ++i) Frame(nullptr);
      std::printf("open-choice: %s kinds=%zu%s%s\n", latest->open_choice.path.c_str(), latest->open_choice.kinds.size(),
                  latest->open_choice.running_model.empty() ? "" : " running_model=",
                  latest->open_choice.running_model.c_str());
      break;
    }
    const bool trained = opens_paused || (latest && latest->step >= options_.steps);
    if (printed_model_line_ != line_before && latest && latest->paused && trained) break;
    const auto frame_start = std::chrono::steady_clock::now();
    Frame(nullptr);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - frame_start).count();
    wait_frames.Add(ms);
    wait_max_ms = std::max(wait_max_ms, ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::printf("open-wait: seconds=%.2f frames=%zu frame_work_ms median=%.2f p95=%.2f max=%.2f\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - wait_start).count(), wait_frames.count(),
              wait_frames.Median(), wait_frames.P95(), wait_max_ms);
  const auto latest = trainer_->Latest();
  std::printf("status: %s\n", latest ? latest->status.c_str() : "no snapshot");
  return 0;
}

int App::RunMonkey() {
  if (options_.monkey_seconds <= 0.0 && options_.monkey_frames <= 0) return 0;
  std::printf("monkey: seed=%llu\n", static_cast<unsigned long long>(options_.monkey_seed));
  std::fflush(stdout);
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  monkey_ = std::make_unique<Monkey>(options_.monkey_seed, display);
  // Random clicks on Up and Save must not write files outside the folder the run started in.
  std::error_code cwd_error;
  panels_->exporter().browser().ConfineTo(std::filesystem::current_path(cwd_error).string());
  // The clock only decides when to stop; the events come from the seed and the frame number.
  const double end = glfwGetTime() + options_.monkey_seconds;
  while (options_.monkey_frames > 0 ? static_cast<int64_t>(monkey_->frame()) < options_.monkey_frames
                                    : glfwGetTime() < end) {
    if (monkey_->frame() % 600 == 0) {
      // The frame number goes out before the frame, so a crash's output names its frame.
      std::printf("monkey: frame=%llu\n", static_cast<unsigned long long>(monkey_->frame()));
      std::fflush(stdout);
    }
    Frame(nullptr);
  }
  std::printf("monkey: seed=%llu frames=%llu events=%llu\n", static_cast<unsigned long long>(options_.monkey_seed),
              static_cast<unsigned long long>(monkey_->frame()), static_cast<unsigned long long>(monkey_->events()));
  std::fflush(stdout);
  monkey_.reset();
  return 0;
}

int App::RunExports() {
  Exporter& exporter = panels_->exporter();
  auto split = [](const std::string& spec, ExportKind kind) -> std::optional<ExportJob> {
    const auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) return std::nullopt;
    return ExportJob{kind, spec.substr(0, colon), spec.substr(colon + 1)};
  };
  for (const auto& [specs, kind] : {std::pair{&options_.export_png, ExportKind::kPng}, std::pair{&options_.export_csv, ExportKind::kCsv}}) {
    for (const std::string& spec : *specs) {
      const std::optional<ExportJob> job = split(spec, kind);
      if (!job) {
        std::fprintf(stderr, "rnnscope: --export-%s %s: expected PANEL:FILE\n", kind == ExportKind::kPng ? "png" : "csv", spec.c_str());
        return 2;
      }
      exporter.Queue(*job);
    }
  }
  if (!options_.export_trace.empty()) exporter.Queue({ExportKind::kTrace, {}, options_.export_trace});
  if (!options_.export_model.empty()) {
    std::filesystem::remove(options_.export_model);  // so the wait below sees the trainer's file
    exporter.Queue({ExportKind::kModel, {}, options_.export_model});
  }
  for (int i = 0; i < 600 && !exporter.Idle(); ++i) Frame(nullptr);
  Frame(nullptr);  // a PNG capture queued in the last frame's draw data has run by now
  // The model is written by the trainer thread: wait for the file (or its error).
  if (!options_.export_model.empty()) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(options_.export_model) && std::chrono::steady_clock::now() < until) {
      const auto latest = trainer_->Latest();
      if (latest && !latest->error.empty()) break;
      Frame(nullptr);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  for (const std::string& line : exporter.log()) std::printf("%s\n", line.c_str());
  exporter.log().clear();
  if (exporter.failures() > 0) return 4;
  if (!options_.export_model.empty() && !std::filesystem::exists(options_.export_model)) {
    const auto latest = trainer_->Latest();
    std::fprintf(stderr, "rnnscope: --export-model %s: not written%s%s\n", options_.export_model.c_str(),
                 latest && !latest->error.empty() ? ": " : "", latest ? latest->error.c_str() : "");
    return 4;
  }
  return 0;
}

}  // namespace rnnscope
