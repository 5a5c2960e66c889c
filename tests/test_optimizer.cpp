// Optimizers against torch.optim: tests/data/optimizer_goldens.json holds, for each case, every
// tensor after every step (written by tests/data/make_optimizer_goldens.py). Plus behaviour the
// goldens cannot show: settings edits, kind switches, state export/import, shape errors.
#include <cmath>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/params.h"
#include "train/optimizer.h"

namespace rnnscope {

// Counts heap allocations so a test can assert that Step allocates nothing after the first.
std::atomic<long> g_allocations{0};

}  // namespace rnnscope

void* operator new(std::size_t size) {
  rnnscope::g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// noinline: inlined into gtest code, GCC 12 pairs the free() with `new` and warns
// (-Wmismatched-new-delete) although the replacement new above calls malloc.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace rnnscope {
namespace {

using nlohmann::json;

const json& Goldens() {
  static const json j = [] {
    std::ifstream in(RNNSCOPE_SOURCE_DIR "/tests/data/optimizer_goldens.json");
    if (!in) throw std::runtime_error("cannot open tests/data/optimizer_goldens.json");
    return json::parse(in);
  }();
  return j;
}

ModelConfig GoldenConfig() {
  const json& m = Goldens().at("model");
  ModelConfig c;
  c.cell = ParseCellKind(m.at("cell").get<std::string>());
  c.vocab = m.at("vocab");
  c.embed = m.at("embed");
  c.hidden = m.at("hidden");
  c.layers = m.at("layers");
  return c;
}

// PyTorch flattens row-major; Eigen stores column-major.
void FillRowMajor(MatF& m, const json& flat) {
  ASSERT_EQ(static_cast<Eigen::Index>(flat.size()), m.size());
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c)
      m(r, c) = flat[static_cast<std::size_t>(r * m.cols() + c)].get<float>();
}

// Overwrites the values in place, so a ParamRefs bound to `p` stays valid.
void Fill(ModelParams<float>& p, const json& by_name) {
  p.ForEach([&](const std::string& name, MatF& m, bool) { FillRowMajor(m, by_name.at(name)); });
}

// Loads a {name: flat values} object into a ModelParams of the golden shape.
ModelParams<float> Load(const json& by_name) {
  ModelParams<float> p;
  p.Allocate(GoldenConfig());
  Fill(p, by_name);
  return p;
}

ModelParams<float> LoadInit() {
  json by_name;
  for (const json& t : Goldens().at("tensors")) by_name[t.at("name").get<std::string>()] = t.at("init");
  return Load(by_name);
}

// |actual - expected| <= 1e-6 · max(|expected|, 0.1): relative, with a floor. A weight that an
// update carries across zero keeps the absolute rounding error of the terms it cancelled
// (updates here are ~0.1, so ~1e-8); torch's own float32 result is ~1e-7 from the float64 one
// there. Below the floor a relative bound would test rounding noise, not the update rule.
void ExpectNear(const ModelParams<float>& actual, const ModelParams<float>& expected,
                const std::string& where) {
  std::vector<const MatF*> exp;
  expected.ForEach([&](const std::string&, const MatF& m, bool) { exp.push_back(&m); });
  std::size_t i = 0;
  actual.ForEach([&](const std::string& name, const MatF& a, bool) {
    const MatF& e = *exp[i++];
    for (Eigen::Index k = 0; k < a.size(); ++k) {
      const double ev = e.data()[k], av = a.data()[k];
      const double tol = 1e-6 * std::max(std::abs(ev), 0.1);
      EXPECT_NEAR(av, ev, tol) << where << " " << name << "[" << k << "]";
    }
  });
}

OptimizerSettings HyperFrom(OptimizerKind kind, const json& h) {
  OptimizerSettings s;
  s.kind = kind;
  s.learning_rate = h.at("lr").get<float>();
  s.momentum = h.at("momentum").get<float>();
  s.beta2 = h.at("beta2").get<float>();
  s.weight_decay = h.at("weight_decay").get<float>();
  return s;
}

TEST(OptimizerGoldens, FileCoversEveryKind) {
  std::set<std::string> kinds;
  for (const json& c : Goldens().at("cases")) kinds.insert(c.at("optimizer").get<std::string>());
  EXPECT_EQ(kinds, (std::set<std::string>{"sgd", "momentum", "adagrad", "adam"}));
}

TEST(OptimizerGoldens, MatchTorchOptimEveryStep) {
  const json& grads = Goldens().at("grads");
  for (const json& c : Goldens().at("cases")) {
    const std::string name = c.at("name");
    const OptimizerKind kind = ParseOptimizerKind(c.at("optimizer").get<std::string>());
    ModelParams<float> params = LoadInit();
    ModelParams<float> grad;
    grad.Allocate(GoldenConfig());
    const ParamRefs refs(params, grad);
    Optimizer opt(HyperFrom(kind, c.at("steps")[0].at("hyper")));
    int step = 0;
    for (const json& s : c.at("steps")) {
      opt.SetSettings(HyperFrom(kind, s.at("hyper")));
      Fill(grad, grads[static_cast<std::size_t>(step)]);
      opt.Step(refs);
      ++step;
      ASSERT_EQ(opt.step_count(), step);
      ExpectNear(params, Load(s.at("expected")), name + " step " + std::to_string(step));
    }
  }
}

// The convenience overload binds per call and must give the same numbers as a bound view.
TEST(Optimizer, ConvenienceStepEqualsBoundStep) {
  const json& grads = Goldens().at("grads");
  ModelParams<float> a = LoadInit(), b = LoadInit();
  ModelParams<float> g = Load(grads[0]);
  Optimizer oa, ob;
  const ParamRefs refs(a, g);
  for (int i = 0; i < 3; ++i) {
    oa.Step(refs);
    ob.Step(b, g);
  }
  a.ForEach([&, i = 0](const std::string& name, const MatF& m, bool) mutable {
    std::vector<const MatF*> bs;
    b.ForEach([&](const std::string&, const MatF& x, bool) { bs.push_back(&x); });
    EXPECT_TRUE(m == *bs[static_cast<std::size_t>(i++)]) << name;
  });
}

TEST(Optimizer, NoAllocationAfterFirstStep) {
  ModelParams<float> params = LoadInit();
  ModelParams<float> g = Load(Goldens().at("grads")[0]);
  const ParamRefs refs(params, g);
  for (OptimizerKind kind : {OptimizerKind::kSgd, OptimizerKind::kMomentum, OptimizerKind::kAdagrad,
                             OptimizerKind::kAdam}) {
    Optimizer opt({.kind = kind, .learning_rate = 1e-3f, .weight_decay = 0.01f});
    opt.Step(refs);  // allocates the state
    const long before = g_allocations.load();
    for (int i = 0; i < 10; ++i) opt.Step(refs);
    OptimizerSettings s = opt.settings();
    s.learning_rate = 2e-3f;  // an edit between steps does not allocate either
    opt.SetSettings(s);
    opt.Step(refs);
    EXPECT_EQ(g_allocations.load() - before, 0) << OptimizerName(kind);
  }
}

TEST(Optimizer, KindSwitchStartsFresh) {
  const json& grads = Goldens().at("grads");
  ModelParams<float> params = LoadInit();
  ModelParams<float> g = Load(grads[0]);
  const ParamRefs refs(params, g);
  Optimizer opt({.kind = OptimizerKind::kMomentum, .learning_rate = 0.1f});
  opt.Step(refs);
  opt.Step(refs);
  EXPECT_EQ(opt.step_count(), 2);
  EXPECT_EQ(opt.ExportState().tensors.size(), refs.size());

  // Switching to Adam: t restarts at 1, so the first update is lr·sign(g) (up to eps) for every
  // element, exactly what a brand-new Adam does.
  ModelParams<float> before = params;
  opt.SetSettings({.kind = OptimizerKind::kAdam, .learning_rate = 0.01f});
  EXPECT_EQ(opt.step_count(), 0);
  EXPECT_TRUE(opt.ExportState().tensors.empty());
  opt.Step(refs);
  EXPECT_EQ(opt.step_count(), 1);
  ModelParams<float> fresh_result = before;
  Optimizer fresh({.kind = OptimizerKind::kAdam, .learning_rate = 0.01f});
  fresh.Step(fresh_result, g);
  ExpectNear(params, fresh_result, "after switch");
  const OptimizerState st = opt.ExportState();
  EXPECT_EQ(st.kind, OptimizerKind::kAdam);
  EXPECT_EQ(st.tensors.size(), 2 * refs.size());
}

TEST(Optimizer, HyperparameterEditKeepsState) {
  ModelParams<float> params = LoadInit();
  ModelParams<float> g = Load(Goldens().at("grads")[0]);
  const ParamRefs refs(params, g);
  Optimizer opt({.kind = OptimizerKind::kAdam, .learning_rate = 0.01f});
  opt.Step(refs);
  OptimizerSettings s = opt.settings();
  s.learning_rate = 0.5f;
  s.weight_decay = 0.1f;
  opt.SetSettings(s);
  EXPECT_EQ(opt.step_count(), 1);
  EXPECT_EQ(opt.ExportState().tensors.size(), 2 * refs.size());
}

// Export after k steps, import into a new optimizer, continue: bit-identical to never stopping.
TEST(Optimizer, ExportImportResumesBitExactly) {
  const json& grads = Goldens().at("grads");
  for (OptimizerKind kind : {OptimizerKind::kSgd, OptimizerKind::kMomentum, OptimizerKind::kAdagrad,
                             OptimizerKind::kAdam}) {
    const OptimizerSettings s{.kind = kind, .learning_rate = 0.01f, .weight_decay = 0.01f};
    ModelParams<float> p1 = LoadInit(), g1;
    g1.Allocate(GoldenConfig());
    const ParamRefs r1(p1, g1);
    Optimizer straight(s);
    for (std::size_t i = 0; i < 5; ++i) {
      Fill(g1, grads[i]);
      straight.Step(r1);
    }

    ModelParams<float> p2 = LoadInit(), g2;
    g2.Allocate(GoldenConfig());
    const ParamRefs r2(p2, g2);
    Optimizer first(s);
    for (std::size_t i = 0; i < 2; ++i) {
      Fill(g2, grads[i]);
      first.Step(r2);
    }
    const OptimizerState saved = first.ExportState();
    EXPECT_EQ(saved.step, 2);
    if (kind == OptimizerKind::kAdam) {
      ASSERT_FALSE(saved.tensors.empty());
      EXPECT_EQ(saved.tensors[0].first, "embedding.weight.exp_avg");
      EXPECT_EQ(saved.tensors[1].first, "embedding.weight.exp_avg_sq");
    }
    Optimizer resumed({.kind = OptimizerKind::kSgd, .learning_rate = 0.01f, .weight_decay = 0.01f});
    resumed.ImportState(saved, r2);
    EXPECT_EQ(resumed.settings().kind, kind);
    EXPECT_EQ(resumed.step_count(), 2);
    for (std::size_t i = 2; i < 5; ++i) {
      Fill(g2, grads[i]);
      resumed.Step(r2);
    }
    std::vector<const MatF*> a;
    p1.ForEach([&](const std::string&, const MatF& m, bool) { a.push_back(&m); });
    std::size_t i = 0;
    p2.ForEach([&](const std::string& name, const MatF& m, bool) {
      EXPECT_TRUE(m == *a[i++]) << OptimizerName(kind) << " " << name;
    });
  }
}

// Keeping the undo runs the update out of place: the same numbers as in place, every kind and
// with or without weight decay; UndoLastStep restores weights, buffers and the step count.
TEST(Optimizer, UndoKeepsBitExactUpdatesAndRestoresTheStepBefore) {
  const json& grads = Goldens().at("grads");
  for (OptimizerKind kind : {OptimizerKind::kSgd, OptimizerKind::kMomentum, OptimizerKind::kAdagrad,
                             OptimizerKind::kAdam}) {
    for (float wd : {0.0f, 0.01f}) {
      const OptimizerSettings s{.kind = kind, .learning_rate = 0.01f, .weight_decay = wd};
      ModelParams<float> p1 = LoadInit(), g1, p2 = LoadInit(), g2;
      g1.Allocate(GoldenConfig());
      g2.Allocate(GoldenConfig());
      const ParamRefs r1(p1, g1), r2(p2, g2);
      Optimizer in_place(s), with_undo(s);
      with_undo.set_keep_undo(true);
      EXPECT_FALSE(with_undo.UndoLastStep(r2)) << "nothing to undo before the first step";
      for (std::size_t i = 0; i < 3; ++i) {
        Fill(g1, grads[i]);
        Fill(g2, grads[i]);
        in_place.Step(r1);
        with_undo.Step(r2);
      }
      const ModelParams<float> before_third = p2;  // == p1 (checked below)
      const OptimizerState state_before = with_undo.ExportState();
      Fill(g2, grads[3]);
      with_undo.Step(r2);
      EXPECT_EQ(with_undo.step_count(), 4);
      ASSERT_TRUE(with_undo.UndoLastStep(r2));
      EXPECT_FALSE(with_undo.UndoLastStep(r2)) << "one update can be undone, not two";
      EXPECT_EQ(with_undo.step_count(), 3);
      const OptimizerState state_after = with_undo.ExportState();
      ASSERT_EQ(state_after.tensors.size(), state_before.tensors.size());
      for (std::size_t k = 0; k < state_after.tensors.size(); ++k)
        EXPECT_TRUE(state_after.tensors[k].second == state_before.tensors[k].second) << state_after.tensors[k].first;
      std::vector<const MatF*> a, b;
      p1.ForEach([&](const std::string&, const MatF& m, bool) { a.push_back(&m); });
      before_third.ForEach([&](const std::string&, const MatF& m, bool) { b.push_back(&m); });
      std::size_t i = 0;
      p2.ForEach([&](const std::string& name, const MatF& m, bool) {
        EXPECT_TRUE(m == *a[i]) << OptimizerName(kind) << " wd " << wd << " " << name << ": out of place differs";
        EXPECT_TRUE(m == *b[i]) << OptimizerName(kind) << " " << name << ": undo did not restore";
        ++i;
      });
      // Stepping on after the undo repeats what the in-place optimizer does.
      for (std::size_t j = 3; j < 5; ++j) {
        Fill(g1, grads[j]);
        Fill(g2, grads[j]);
        in_place.Step(r1);
        with_undo.Step(r2);
      }
      i = 0;
      p2.ForEach([&](const std::string& name, const MatF& m, bool) {
        EXPECT_TRUE(m == *a[i++]) << OptimizerName(kind) << " " << name << " after undo and two more steps";
      });
    }
  }
}

TEST(Optimizer, ImportRejectsMismatchesAndStaysUnchanged) {
  ModelParams<float> params = LoadInit();
  ModelParams<float> g = Load(Goldens().at("grads")[0]);
  const ParamRefs refs(params, g);
  Optimizer src({.kind = OptimizerKind::kAdam});
  src.Step(refs);
  const OptimizerState good = src.ExportState();

  Optimizer dst({.kind = OptimizerKind::kMomentum});
  dst.Step(refs);

  OptimizerState missing = good;
  missing.tensors.pop_back();
  EXPECT_THROW(dst.ImportState(missing, refs), InputError);

  OptimizerState wrong_shape = good;
  wrong_shape.tensors[3].second.resize(7, 7);
  try {
    dst.ImportState(wrong_shape, refs);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find(good.tensors[3].first), std::string::npos) << e.what();
  }

  OptimizerState extra = good;
  extra.tensors.emplace_back("fc.weight.bogus", MatF::Zero(3, 2));
  EXPECT_THROW(dst.ImportState(extra, refs), InputError);

  // Nothing above changed dst.
  EXPECT_EQ(dst.settings().kind, OptimizerKind::kMomentum);
  EXPECT_EQ(dst.step_count(), 1);
  EXPECT_EQ(dst.ExportState().tensors.size(), refs.size());
}

TEST(Optimizer, StepAfterRebuildWithoutResetThrows) {
  ModelParams<float> params = LoadInit();
  ModelParams<float> g = Load(Goldens().at("grads")[0]);
  Optimizer opt({.kind = OptimizerKind::kAdam});
  opt.Step(params, g);
  ModelConfig bigger = GoldenConfig();
  bigger.hidden = 3;
  params.Allocate(bigger);
  g.Allocate(bigger);
  EXPECT_THROW(opt.Step(params, g), ShapeError);
  opt.Reset();
  EXPECT_NO_THROW(opt.Step(params, g));
  EXPECT_EQ(opt.step_count(), 1);
}

TEST(Optimizer, ParamRefsRejectMismatchedGradients) {
  ModelParams<float> params = LoadInit();
  ModelParams<float> g;
  ModelConfig other = GoldenConfig();
  other.hidden = 4;
  g.Allocate(other);
  EXPECT_THROW(ParamRefs(params, g), ShapeError);
}

TEST(Optimizer, SettingsValidation) {
  TrainSettings t;
  t.optimizer = "adam";
  t.learning_rate = 0.01f;
  const OptimizerSettings s = OptimizerSettingsFrom(t);
  EXPECT_EQ(s.kind, OptimizerKind::kAdam);
  EXPECT_FLOAT_EQ(s.learning_rate, 0.01f);
  t.optimizer = "rmsprop";
  EXPECT_THROW(OptimizerSettingsFrom(t), ConfigError);
  t.optimizer = "sgd";
  t.learning_rate = -1.0f;
  EXPECT_THROW(OptimizerSettingsFrom(t), ConfigError);
  t.learning_rate = 0.1f;
  t.beta2 = 1.0f;
  EXPECT_THROW(OptimizerSettingsFrom(t), ConfigError);
  for (OptimizerKind k : {OptimizerKind::kSgd, OptimizerKind::kMomentum, OptimizerKind::kAdagrad,
                          OptimizerKind::kAdam})
    EXPECT_EQ(ParseOptimizerKind(OptimizerName(k)), k);
}

}  // namespace
}  // namespace rnnscope
