// Contents: character features · synthetic recurrence (LSTM / GRU / RNN) · loss curve ·
// command handling · thread loop
#include "app/demo_trainer.h"

#include <chrono>
#include <cmath>
#include <random>

#include "core/error.h"

namespace rnnscope {
namespace {

constexpr int kFeatures = 8;
constexpr const char* kDefaultProbe = "He said \"hi\" (to [them]).\nShe said \"no\".";

// Per-timestep features a trained char model tends to track: whitespace, letters, case,
// punctuation, "inside quotes", bracket depth, position in the word.
std::vector<std::array<float, kFeatures>> Features(const std::vector<std::string>& tokens) {
  std::vector<std::array<float, kFeatures>> out;
  bool quoted = false;
  int depth = 0, in_word = 0;
  for (const auto& token : tokens) {
    const char c = token.empty() ? ' ' : token[0];
    if (c == '"') quoted = !quoted;
    if (c == '(' || c == '[') ++depth;
    if ((c == ')' || c == ']') && depth > 0) --depth;
    const bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0;
    in_word = letter ? in_word + 1 : 0;
    out.push_back({1.0f, std::isspace(static_cast<unsigned char>(c)) ? 1.0f : 0.0f,
                   letter ? 1.0f : 0.0f, std::isupper(static_cast<unsigned char>(c)) ? 1.0f : 0.0f,
                   std::ispunct(static_cast<unsigned char>(c)) ? 1.0f : 0.0f, quoted ? 1.0f : 0.0f,
                   static_cast<float>(depth), std::min(static_cast<float>(in_word) / 4.0f, 1.5f)});
  }
  return out;
}

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// Runs one layer/direction of the chosen cell over the probe with weights drawn from `seed`.
// `sharpness` in [0, 1] grows with training: feature weights take over from noise.
LayerTrace Recur(const ModelConfig& config, int layer, int direction, uint64_t seed, float sharpness,
                 const std::vector<std::array<float, kFeatures>>& features, const MatF* below) {
  const int hidden = config.hidden, gates = config.Gates();
  const int steps = static_cast<int>(features.size());
  std::mt19937_64 rng(seed * 7919 + static_cast<uint64_t>(layer * 2 + direction));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  MatF w_feature(gates * hidden, kFeatures), w_rec(gates * hidden, 1), w_below(gates * hidden, 1);
  for (Eigen::Index i = 0; i < w_feature.size(); ++i) w_feature.data()[i] = normal(rng) * 1.6f;
  for (Eigen::Index i = 0; i < w_rec.size(); ++i) w_rec.data()[i] = normal(rng) * 0.8f;
  for (Eigen::Index i = 0; i < w_below.size(); ++i) w_below.data()[i] = normal(rng);
  std::mt19937_64 noise_rng(seed + static_cast<uint64_t>(sharpness * 1e6f));

  LayerTrace trace;
  trace.layer = layer;
  trace.direction = direction;
  trace.gate_names = GateNames(config.cell);
  trace.gates.assign(static_cast<std::size_t>(gates), MatF::Zero(hidden, steps));
  trace.hidden = MatF::Zero(hidden, steps);
  trace.hidden_prev0 = MatF::Zero(hidden, 1);
  const bool lstm = config.cell == CellKind::kLstm;
  if (lstm) {
    trace.cell = MatF::Zero(hidden, steps);
    trace.cell_prev0 = MatF::Zero(hidden, 1);
  }
  VecF h = VecF::Zero(hidden), c = VecF::Zero(hidden);
  for (int k = 0; k < steps; ++k) {
    const int t = direction == 0 ? k : steps - 1 - k;
    const auto& f = features[static_cast<std::size_t>(t)];
    VecF pre(gates * hidden);
    for (int r = 0; r < gates * hidden; ++r) {
      float feat = 0.0f;
      for (int j = 0; j < kFeatures; ++j) feat += w_feature(r, j) * f[static_cast<std::size_t>(j)];
      const float from_below = below ? w_below(r) * (*below)(r % hidden, t) : 0.0f;
      pre(r) = sharpness * feat + (1.0f - sharpness) * 0.7f * normal(noise_rng) +
               w_rec(r) * h(r % hidden) + from_below;
    }
    auto block = [&](int g) { return pre.segment(g * hidden, hidden); };
    if (lstm) {  // i, f, g, o as PyTorch
      const VecF i = block(0).unaryExpr(&Sigmoid), fg = block(1).unaryExpr(&Sigmoid);
      const VecF g = block(2).array().tanh(), o = block(3).unaryExpr(&Sigmoid);
      c = fg.cwiseProduct(c) + i.cwiseProduct(g);
      h = o.array() * c.array().tanh();
      trace.gates[0].col(t) = i; trace.gates[1].col(t) = fg;
      trace.gates[2].col(t) = g; trace.gates[3].col(t) = o;
      trace.cell.col(t) = c;
    } else if (config.cell == CellKind::kGru) {  // r, z, n; h = (1-z) n + z h
      const VecF r = block(0).unaryExpr(&Sigmoid), z = block(1).unaryExpr(&Sigmoid);
      const VecF n = (block(2) + r.cwiseProduct(h)).array().tanh();
      h = (VecF::Ones(hidden) - z).cwiseProduct(n) + z.cwiseProduct(h);
      trace.gates[0].col(t) = r; trace.gates[1].col(t) = z; trace.gates[2].col(t) = n;
    } else {
      h = config.cell == CellKind::kRnnRelu ? VecF(block(0).cwiseMax(0.0f)) : VecF(block(0).array().tanh());
      trace.gates[0].col(t) = h;
    }
    trace.hidden.col(t) = h;
  }
  // ‖∂L/∂h_t‖ shrinks going back in time (vanishing gradients), less so as training proceeds.
  std::uniform_real_distribution<float> jitter(0.8f, 1.2f);
  const float decay = 0.86f + 0.08f * sharpness;
  for (int k = 0; k < steps; ++k) {
    const int from_end = direction == 0 ? steps - 1 - k : k;
    trace.grad_h_norm.push_back(0.6f * std::pow(decay, static_cast<float>(from_end)) * jitter(noise_rng));
    if (lstm) trace.grad_c_norm.push_back(trace.grad_h_norm.back() * 1.3f * jitter(noise_rng));
  }
  return trace;
}

std::vector<std::string> Utf8Chars(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string Fmt(float v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", static_cast<double>(v));
  return b;
}

}  // namespace

DemoTrainer::DemoTrainer(const AppOptions& options) {
  work_.task = options.task;
  work_.config.cell = ParseCellKind(options.cell);
  work_.config.hidden = options.hidden;
  work_.config.layers = options.layers;
  work_.config.bidirectional = options.bidirectional;
  work_.config.vocab = 96;
  work_.settings.seed = options.seed;
  work_.paused = options.screenshot;  // screenshots train exactly --steps steps
  work_.probe_tokens = Utf8Chars(kDefaultProbe);
  work_.markers.push_back({0, "start: adam lr 0.002"});
  work_.status = "demo trainer (synthetic data)";
  Publish();
  thread_ = std::thread([this] { Run(); });
}

DemoTrainer::~DemoTrainer() {
  {
    std::lock_guard lock(queue_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::shared_ptr<const Snapshot> DemoTrainer::Latest() const {
  std::lock_guard lock(snapshot_mutex_);
  return latest_;
}

void DemoTrainer::Send(Command command) {
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(std::move(command));
  }
  wake_.notify_all();
}

void DemoTrainer::Apply(const Command& command) {
  if (auto* pause = std::get_if<PauseCommand>(&command)) {
    work_.paused = pause->paused;
    pending_steps_ = 0;
  } else if (auto* step = std::get_if<StepCommand>(&command)) {
    pending_steps_ += step->steps;
  } else if (std::holds_alternative<ResetCommand>(command)) {
    work_.step = 0;
    work_.history.clear();
    work_.markers = {{0, "reset"}};
    work_.status = "weights re-initialised";
  } else if (auto* set = std::get_if<SetSettingsCommand>(&command)) {
    const TrainSettings& a = work_.settings;
    const TrainSettings& b = set->settings;
    std::string what;
    auto note = [&](const std::string& s) { what += (what.empty() ? "" : ", ") + s; };
    if (a.optimizer != b.optimizer) note(a.optimizer + " \u2192 " + b.optimizer);
    if (a.learning_rate != b.learning_rate) note("lr " + Fmt(a.learning_rate) + " \u2192 " + Fmt(b.learning_rate));
    if (a.clip_mode != b.clip_mode || a.clip != b.clip) note("clip " + b.clip_mode + " " + Fmt(b.clip));
    if (a.batch != b.batch) note("batch " + std::to_string(b.batch));
    if (a.seq_len != b.seq_len) note("seq " + std::to_string(b.seq_len));
    if (a.momentum != b.momentum) note("momentum " + Fmt(b.momentum));
    if (!what.empty()) work_.markers.push_back({work_.step, what});
    work_.settings = b;
  } else if (auto* rebuild = std::get_if<RebuildCommand>(&command)) {
    if (rebuild->task != "charlm") {
      work_.status = "demo trainer: task '" + rebuild->task + "' not available (charlm only)";
      return;
    }
    try {
      ModelConfig config = rebuild->model;
      config.vocab = 96;
      config.Validate();
      work_.config = config;
      work_.settings = rebuild->settings;
      work_.step = 0;
      work_.history.clear();
      work_.markers = {{0, "rebuilt: " + std::string(CellName(config.cell)) + " H=" + std::to_string(config.hidden)}};
      work_.status = "rebuilt model";
    } catch (const Error& e) {
      work_.status = std::string("rebuild rejected: ") + e.what();
    }
  } else if (auto* probe = std::get_if<ProbeCommand>(&command)) {
    auto tokens = Utf8Chars(probe->text);
    if (tokens.size() > 160) tokens.resize(160);
    if (!tokens.empty()) work_.probe_tokens = std::move(tokens);
  }
}

void DemoTrainer::TrainOneStep() {
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(6));  // "compute"
  ++work_.step;
  // Loss decays faster with a larger learning rate and plateaus near 1.35 nats/char.
  const float speed = std::clamp(work_.settings.learning_rate / 2e-3f, 0.05f, 5.0f);
  elapsed_ms_ += speed;
  std::mt19937 rng(static_cast<unsigned>(work_.step * 31 + work_.settings.seed));
  std::normal_distribution<float> noise(0.0f, 0.04f);
  LossPoint point;
  point.step = work_.step;
  point.train_loss = 1.35f + 3.2f * std::exp(-static_cast<float>(elapsed_ms_) / 120.0f) + noise(rng);
  if (work_.step % 20 == 0) point.val_loss = point.train_loss + 0.06f + std::abs(noise(rng));
  point.grad_norm = 0.5f + 4.0f * std::exp(-static_cast<float>(elapsed_ms_) / 80.0f) + std::abs(noise(rng)) * 5.0f;
  point.clipped = point.grad_norm > work_.settings.clip;
  work_.history.push_back(point);
  if (work_.history.size() > 4000) {  // decimate: keep every other point
    std::vector<LossPoint> kept;
    for (std::size_t i = 0; i < work_.history.size(); i += 2) kept.push_back(work_.history[i]);
    work_.history = std::move(kept);
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  work_.step_ms = ms;
  work_.tokens_per_second = work_.settings.batch * work_.settings.seq_len / (ms / 1000.0);
}

void DemoTrainer::Publish() {
  auto snapshot = std::make_shared<Snapshot>(work_);
  snapshot->version = latest_ ? latest_->version + 1 : 1;
  const float sharpness = 1.0f - std::exp(-static_cast<float>(elapsed_ms_) / 150.0f);
  const auto features = Features(snapshot->probe_tokens);
  const int directions = snapshot->config.Directions();
  for (int l = 0; l < snapshot->config.layers; ++l) {
    for (int d = 0; d < directions; ++d) {
      const MatF* below = l > 0 ? &snapshot->layers[static_cast<std::size_t>((l - 1) * directions)].hidden : nullptr;
      snapshot->layers.push_back(Recur(snapshot->config, l, d, snapshot->settings.seed, sharpness, features, below));
    }
  }
  snapshot->probe_loss = work_.history.empty() ? 4.5f : work_.history.back().train_loss;
  std::lock_guard lock(snapshot_mutex_);
  latest_ = std::move(snapshot);
}

void DemoTrainer::Run() {
  auto last_publish = std::chrono::steady_clock::now();
  for (;;) {
    std::deque<Command> commands;
    {
      std::unique_lock lock(queue_mutex_);
      // Paused with nothing to do: sleep until a command arrives.
      wake_.wait_for(lock, std::chrono::milliseconds(50), [&] {
        return stop_ || !queue_.empty() || (!work_.paused || pending_steps_ > 0);
      });
      if (stop_) return;
      commands.swap(queue_);
    }
    bool changed = !commands.empty();
    for (const Command& command : commands) Apply(command);
    if (!work_.paused || pending_steps_ > 0) {
      TrainOneStep();
      if (pending_steps_ > 0) --pending_steps_;
      changed = true;
    }
    // Publish at most ~30 times a second while running, at once after commands or a step
    // request completes, so the UI sees every state change promptly.
    const auto now = std::chrono::steady_clock::now();
    if (changed && (!commands.empty() || pending_steps_ == 0 || now - last_publish > std::chrono::milliseconds(33))) {
      Publish();
      last_publish = now;
    }
  }
}

}  // namespace rnnscope
