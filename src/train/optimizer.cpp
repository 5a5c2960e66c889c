#include "train/optimizer.h"

#include <cmath>
#include <unordered_map>

#include "core/error.h"
#include "train/adam_kernel.h"

namespace rnnscope {
namespace {

std::string ShapeString(const MatF& m) {
  return "(" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + ")";
}

bool SameShape(const MatF& a, const MatF& b) { return a.rows() == b.rows() && a.cols() == b.cols(); }

// PyTorch's names for the per-parameter buffers, in the order buffers_ holds them.
const char* BufferName(OptimizerKind kind, int k) {
  switch (kind) {
    case OptimizerKind::kSgd: return "";
    case OptimizerKind::kMomentum: return "momentum_buffer";
    case OptimizerKind::kAdagrad: return "sum";
    case OptimizerKind::kAdam: return k == 0 ? "exp_avg" : "exp_avg_sq";
  }
  return "";
}

int BufferCountOf(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd: return 0;
    case OptimizerKind::kMomentum:
    case OptimizerKind::kAdagrad: return 1;
    case OptimizerKind::kAdam: return 2;
  }
  return 0;
}

}  // namespace

OptimizerKind ParseOptimizerKind(std::string_view name) {
  if (name == "sgd") return OptimizerKind::kSgd;
  if (name == "momentum") return OptimizerKind::kMomentum;
  if (name == "adagrad") return OptimizerKind::kAdagrad;
  if (name == "adam") return OptimizerKind::kAdam;
  throw ConfigError("optimizer: \"" + std::string(name) +
                    "\" is not one of sgd, momentum, adagrad, adam");
}

std::string_view OptimizerName(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd: return "sgd";
    case OptimizerKind::kMomentum: return "momentum";
    case OptimizerKind::kAdagrad: return "adagrad";
    case OptimizerKind::kAdam: return "adam";
  }
  return "?";
}

void Validate(const OptimizerSettings& s) {
  auto fail = [](const std::string& what) { throw ConfigError("optimizer: " + what); };
  if (!(s.learning_rate > 0.0f) || !std::isfinite(s.learning_rate))
    fail("learning rate must be a finite number > 0, got " + std::to_string(s.learning_rate));
  if (!(s.weight_decay >= 0.0f) || !std::isfinite(s.weight_decay))
    fail("weight decay must be >= 0, got " + std::to_string(s.weight_decay));
  if (!(s.momentum >= 0.0f && s.momentum < 1.0f))
    fail("momentum / beta1 must be in [0, 1), got " + std::to_string(s.momentum));
  if (!(s.beta2 >= 0.0f && s.beta2 < 1.0f))
    fail("beta2 must be in [0, 1), got " + std::to_string(s.beta2));
}

OptimizerSettings OptimizerSettingsFrom(const TrainSettings& t) {
  OptimizerSettings s;
  s.kind = ParseOptimizerKind(t.optimizer);
  s.learning_rate = t.learning_rate;
  s.momentum = t.momentum;
  s.beta2 = t.beta2;
  s.weight_decay = t.weight_decay;
  Validate(s);
  return s;
}

// ---------------------------------------------------------------- ParamRefs

ParamRefs::ParamRefs(ModelParams<float>& params, const ModelParams<float>& grads) {
  params.ForEach([&](const std::string& name, MatF& p, bool is_vector) {
    entries_.push_back({name, &p, nullptr, is_vector});
  });
  std::size_t i = 0;
  grads.ForEach([&](const std::string& name, const MatF& g, bool) {
    if (i >= entries_.size())
      throw ShapeError("optimizer: gradient " + name + " has no matching parameter");
    Entry& e = entries_[i++];
    if (e.name != name || !SameShape(*e.param, g))
      throw ShapeError("optimizer: parameter " + e.name + " " + ShapeString(*e.param) +
                       " does not match gradient " + name + " " + ShapeString(g));
    e.grad = &g;
  });
  if (i != entries_.size())
    throw ShapeError("optimizer: parameter " + entries_[i].name + " has no gradient");
}

ParamRefs::ParamRefs(std::vector<Entry> entries) : entries_(std::move(entries)) {
  for (const Entry& e : entries_) {
    if (!e.param || !e.grad) throw ShapeError("optimizer: parameter " + e.name + " has no gradient");
    if (!SameShape(*e.param, *e.grad))
      throw ShapeError("optimizer: parameter " + e.name + " " + ShapeString(*e.param) +
                       " does not match its gradient " + ShapeString(*e.grad));
  }
}

// ---------------------------------------------------------------- Optimizer

Optimizer::Optimizer(const OptimizerSettings& settings) : settings_(settings) { Validate(settings_); }

void Optimizer::SetSettings(const OptimizerSettings& settings) {
  Validate(settings);
  const bool kind_changed = settings.kind != settings_.kind;
  settings_ = settings;
  if (kind_changed) Reset();
}

void Optimizer::Reset() {
  step_ = 0;
  undo_valid_ = false;
  buffers_.clear();
  names_.clear();
  allocated_ = false;
}

int Optimizer::BufferCount() const { return BufferCountOf(settings_.kind); }

void Optimizer::AllocateState(const ParamRefs& refs) {
  const int nbuf = BufferCount();
  buffers_.assign(static_cast<std::size_t>(nbuf), {});
  names_.clear();
  for (const ParamRefs::Entry& e : refs.entries()) {
    names_.push_back(e.name);
    for (std::vector<MatF>& buf : buffers_) buf.push_back(MatF::Zero(e.param->rows(), e.param->cols()));
  }
  allocated_ = true;
}

void Optimizer::Step(ModelParams<float>& params, const ModelParams<float>& grads) {
  Step(ParamRefs(params, grads));
}

void Optimizer::Step(const ParamRefs& refs) {
  const std::vector<ParamRefs::Entry>& entries = refs.entries();
  if (!allocated_) {
    AllocateState(refs);
  } else {
    // Cheap per-step guard against stepping a rebuilt model with stale state (no allocation:
    // the names are only built into a message on failure).
    if (entries.size() != names_.size())
      throw ShapeError("optimizer: state holds " + std::to_string(names_.size()) +
                       " tensors but the model has " + std::to_string(entries.size()) +
                       "; reset the optimizer after a rebuild");
    for (std::size_t i = 0; i < entries.size(); ++i) {
      for (const std::vector<MatF>& buf : buffers_) {
        if (!SameShape(buf[i], *entries[i].param))
          throw ShapeError("optimizer: state for " + names_[i] + " is " + ShapeString(buf[i]) +
                           " but the parameter is " + ShapeString(*entries[i].param) +
                           "; reset the optimizer after a rebuild");
      }
    }
  }
  StepInto(refs);
}

namespace {
AdamCoefficients AdamCoefficientsAt(const OptimizerSettings& s, int64_t step) {
  const double b1 = s.momentum, b2 = s.beta2;
  const double t = static_cast<double>(step);
  return AdamCoefficients{s.momentum,
                          static_cast<float>(1.0 - b1),
                          s.beta2,
                          static_cast<float>(1.0 - b2),
                          static_cast<float>(static_cast<double>(s.learning_rate) / (1.0 - std::pow(b1, t))),
                          static_cast<float>(std::sqrt(1.0 - std::pow(b2, t))),
                          kAdamEps,
                          s.weight_decay};
}
}  // namespace

void Optimizer::set_keep_undo(bool on) {
  keep_undo_ = on;
  undo_valid_ = false;
}

// Every update runs out of place: the new weights and buffers are written into the spare
// tensors and swapped in (pointer swaps), so the state before the step stays whole for
// UndoLastStep at no copy. Scalars are formed in double and rounded to float once, as PyTorch
// does when it passes a Python float to a float32 kernel; that keeps the update bit-close to
// torch.optim (tests/test_optimizer.cpp: the goldens, every step).
void Optimizer::StepInto(const ParamRefs& refs) {
  const std::vector<ParamRefs::Entry>& entries = refs.entries();
  undo_params_.resize(entries.size());
  undo_buffers_.resize(buffers_.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    undo_params_[i].resize(entries[i].param->rows(), entries[i].param->cols());  // no-op when sized
    for (std::size_t k = 0; k < buffers_.size(); ++k) {
      undo_buffers_[k].resize(entries.size());
      undo_buffers_[k][i].resize(buffers_[k][i].rows(), buffers_[k][i].cols());
    }
  }
  undo_step_ = step_;
  ++step_;
  const float lr = settings_.learning_rate;
  const float wd = settings_.weight_decay;
  const bool decay = wd != 0.0f;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto p = entries[i].param->array();
    const auto g = entries[i].grad->array();
    auto out = undo_params_[i].array();
    switch (settings_.kind) {
      case OptimizerKind::kSgd:
        if (decay) out = p + (-lr) * (g + wd * p);
        else out = p + (-lr) * g;
        break;
      case OptimizerKind::kMomentum: {
        const float mu = settings_.momentum;
        const auto v = buffers_[0][i].array();
        auto v_out = undo_buffers_[0][i].array();
        if (decay) v_out = mu * v + (g + wd * p);
        else v_out = mu * v + g;
        out = p + (-lr) * v_out;
        break;
      }
      case OptimizerKind::kAdagrad: {
        const auto sum = buffers_[0][i].array();
        auto s_out = undo_buffers_[0][i].array();
        if (decay) {
          s_out = sum + (g + wd * p).square();
          out = p + (-lr) * (g + wd * p) / (s_out.sqrt() + kAdagradEps);
        } else {
          s_out = sum + g.square();
          out = p + (-lr) * g / (s_out.sqrt() + kAdagradEps);
        }
        break;
      }
      case OptimizerKind::kAdam: {
        AdamCoefficients c = AdamCoefficientsAt(settings_, step_);
        if (!decay) c.weight_decay = 0.0f;
        AdamUpdateInto(entries[i].param->data(), entries[i].grad->data(), buffers_[0][i].data(),
                       buffers_[1][i].data(), undo_params_[i].data(), undo_buffers_[0][i].data(),
                       undo_buffers_[1][i].data(), static_cast<long>(entries[i].param->size()), c);
        break;
      }
    }
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i].param->swap(undo_params_[i]);
    for (std::size_t k = 0; k < buffers_.size(); ++k) buffers_[k][i].swap(undo_buffers_[k][i]);
  }
  undo_valid_ = keep_undo_;
}

bool Optimizer::UndoLastStep(const ParamRefs& refs) {
  if (!undo_valid_) return false;
  const std::vector<ParamRefs::Entry>& entries = refs.entries();
  if (entries.size() != undo_params_.size()) throw ShapeError("optimizer: undo for a different model");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i].param->swap(undo_params_[i]);
    for (std::size_t k = 0; k < buffers_.size(); ++k) buffers_[k][i].swap(undo_buffers_[k][i]);
  }
  step_ = undo_step_;
  undo_valid_ = false;
  return true;
}

OptimizerState Optimizer::ExportState() const {
  OptimizerState state;
  state.kind = settings_.kind;
  state.step = step_;
  if (!allocated_) return state;
  for (std::size_t i = 0; i < names_.size(); ++i)
    for (std::size_t k = 0; k < buffers_.size(); ++k)
      state.tensors.emplace_back(names_[i] + "." + BufferName(settings_.kind, static_cast<int>(k)),
                                 buffers_[k][i]);
  return state;
}

void Optimizer::ImportState(const OptimizerState& state, const ParamRefs& refs) {
  if (state.step < 0) throw InputError("optimizer state: negative step " + std::to_string(state.step));
  const int nbuf = BufferCountOf(state.kind);
  const std::string kind_name(OptimizerName(state.kind));
  std::unordered_map<std::string, const MatF*> by_name;
  for (const auto& [name, tensor] : state.tensors) {
    if (!by_name.emplace(name, &tensor).second)
      throw InputError("optimizer state: tensor " + name + " appears twice");
  }
  // A state with step 0 and no tensors is a fresh optimizer (e.g. saved before the first step).
  const bool fresh = state.step == 0 && state.tensors.empty();
  std::vector<std::vector<MatF>> buffers(static_cast<std::size_t>(nbuf));
  std::vector<std::string> names;
  std::size_t used = 0;
  if (!fresh) {
    for (const ParamRefs::Entry& e : refs.entries()) {
      names.push_back(e.name);
      for (int k = 0; k < nbuf; ++k) {
        const std::string key = e.name + "." + BufferName(state.kind, k);
        auto it = by_name.find(key);
        if (it == by_name.end())
          throw InputError("optimizer state (" + kind_name + "): missing tensor " + key);
        if (!SameShape(*it->second, *e.param))
          throw ShapeError("optimizer state: " + key + " is " + ShapeString(*it->second) +
                           " but the parameter is " + ShapeString(*e.param));
        buffers[static_cast<std::size_t>(k)].push_back(*it->second);
        ++used;
      }
    }
  }
  if (used != by_name.size()) {
    for (const auto& [name, tensor] : state.tensors) {
      bool known = false;
      for (const std::string& n : names)
        for (int k = 0; k < nbuf && !known; ++k) known = name == n + "." + BufferName(state.kind, k);
      if (!known)
        throw InputError("optimizer state (" + kind_name + "): unexpected tensor " + name);
    }
  }
  settings_.kind = state.kind;
  step_ = state.step;
  undo_valid_ = false;
  buffers_ = std::move(buffers);
  names_ = std::move(names);
  allocated_ = !fresh;
}

}  // namespace rnnscope
