// The state map, its Jacobian and the fixed-point search (model/state_jacobian.h,
// model/fixed_points.h; docs/dynamics.md): the map is the model's own timestep, the Jacobian
// agrees with central finite differences for every cell and stack, and fixed points found are
// fixed, classified right, and merged.
#include <gtest/gtest.h>

#include <Eigen/SVD>
#include <atomic>
#include <cmath>
#include <random>
#include <string>

#include "core/error.h"
#include "model/fixed_points.h"
#include "model/rnn_model.h"
#include "model/model_io.h"
#include "model/state_jacobian.h"

namespace rnnscope {
namespace {

struct Case {
  std::string name;
  ModelConfig config;
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (CellKind cell : {CellKind::kLstm, CellKind::kGru, CellKind::kRnnTanh, CellKind::kRnnRelu, CellKind::kJordan})
    for (int embed : {0, 3})
      for (int layers : {1, 2}) {
        ModelConfig c;
        c.cell = cell;
        c.vocab = 5;
        c.embed = embed;
        c.hidden = 4;
        c.layers = layers;
        cases.push_back({std::string(CellName(cell)) + "_e" + std::to_string(embed) + "_l" + std::to_string(layers), c});
      }
  ModelConfig peep;
  peep.cell = CellKind::kLstm;
  peep.vocab = 5;
  peep.hidden = 3;
  peep.layers = 2;
  peep.peephole = true;
  cases.push_back({"lstm_peephole_l2", peep});
  return cases;
}

ModelParams<double> RandomParams(const ModelConfig& c, uint64_t seed, double scale = 2.0) {
  ModelParams<double> p;
  p.InitRandom(c, seed);
  // PyTorch's init is small (|w| < 1/sqrt(H)); scale the recurrent weights up so the gates
  // and nonlinearities are away from their linear regime and the test sees their curvature.
  for (LayerParams<double>& l : p.rnn) {
    l.w_ih *= scale;
    l.w_hh *= scale;
    if (l.w_peep.size() > 0) l.w_peep *= scale;
  }
  return p;
}

Eigen::VectorXd RandomState(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-0.8, 0.8);
  Eigen::VectorXd s(n);
  for (Eigen::Index i = 0; i < n; ++i) s(i) = u(rng);
  return s;
}

// Central differences of F, all 2n perturbed states in one Step.
MatD FiniteDifferenceJacobian(const StateMap& map, const Eigen::VectorXd& s, int32_t token, double eps = 1e-6) {
  const Eigen::Index n = s.size();
  MatD states(n, 2 * n), next;
  for (Eigen::Index j = 0; j < n; ++j) {
    states.col(2 * j) = s;
    states.col(2 * j + 1) = s;
    states(j, 2 * j) += eps;
    states(j, 2 * j + 1) -= eps;
  }
  map.Step(states, token, next);
  MatD J(n, n);
  for (Eigen::Index j = 0; j < n; ++j) J.col(j) = (next.col(2 * j) - next.col(2 * j + 1)) / (2 * eps);
  return J;
}

TEST(StateJacobian, MatchesCentralDifferencesForEveryCellAndStack) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const StateMap map(c.config, RandomParams(c.config, 11));
    const int n = map.StateSize();
    EXPECT_EQ(n, c.config.layers * (c.config.cell == CellKind::kLstm ? 2 : 1) * c.config.hidden);
    for (int trial = 0; trial < 3; ++trial) {
      const Eigen::VectorXd s = RandomState(n, 100 + static_cast<uint64_t>(trial));
      const int32_t token = trial % c.config.vocab;
      Eigen::VectorXd next;
      const MatD J = map.Jacobian(s, token, &next);
      const MatD fd = FiniteDifferenceJacobian(map, s, token);
      ASSERT_EQ(J.rows(), n);
      ASSERT_EQ(J.cols(), n);
      EXPECT_LT((J - fd).cwiseAbs().maxCoeff(), 1e-8) << "analytic\n" << J << "\nfd\n" << fd;
      EXPECT_GT(J.cwiseAbs().maxCoeff(), 1e-2);  // not trivially zero
      // The F that Jacobian returns is Step's.
      MatD stepped;
      map.Step(s, token, stepped);
      EXPECT_LT((stepped.col(0) - next).cwiseAbs().maxCoeff(), 1e-14);
      // A 2-layer stack: layer 1's block from layer 0's state is non-zero (the chain rule path).
      if (c.config.layers == 2) {
        const int m = map.LayerStateSize();
        EXPECT_GT(J.block(m, 0, m, m).cwiseAbs().maxCoeff(), 1e-3);
        EXPECT_EQ(J.block(0, m, m, m).cwiseAbs().maxCoeff(), 0.0);  // nothing flows down
      }
    }
  }
}

// F is the model's own timestep: stepping the state a forward pass started from reproduces the
// state the pass reached, at every timestep.
TEST(StateJacobian, StateMapIsTheModelsTimestep) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    RnnModel<double> model(c.config, 5);
    model.params = RandomParams(c.config, 5);
    TokenBatch batch;
    batch.T = 7;
    batch.B = 2;
    for (int i = 0; i < batch.T * batch.B; ++i) batch.input.push_back((i * 3 + 1) % c.config.vocab);
    batch.target.assign(batch.input.size(), -1);
    ForwardPass<double> pass;
    model.Forward(batch, nullptr, pass);
    const StateMap map(c.config, model.params);
    for (int t = 0; t < batch.T; ++t)
      for (int b = 0; b < batch.B; ++b) {
        MatD next;
        map.Step(StateBefore(pass.layers, t, b), batch.input[static_cast<std::size_t>(t * batch.B + b)], next);
        EXPECT_LT((next.col(0) - StateBefore(pass.layers, t + 1, b)).cwiseAbs().maxCoeff(), 1e-12);
      }
    const MatD norms = JacobianNorms(map, pass.layers, batch.input, batch.T, batch.B);
    ASSERT_EQ(norms.rows(), batch.B);
    ASSERT_EQ(norms.cols(), batch.T);
    const MatD J = map.Jacobian(StateBefore(pass.layers, 3, 1), batch.input[3 * 2 + 1]);
    EXPECT_NEAR(norms(1, 3), Eigen::JacobiSVD<MatD>(J).singularValues()(0), 1e-10);
  }
}

// The file path `rnnscope trace --jacobian-norms` takes: weights and a batch as PyTorch gives
// them (batch-first input_ids, no targets), [B, T] out; each value the largest singular value of
// a central-difference Jacobian of the step at the forward's own states (no LayerBackward).
TEST(StateJacobian, TraceJacobianNormsMatchFiniteDifferenceSpectra) {
  for (const Case& c : Cases()) {
    if (c.name != "lstm_e0_l1" && c.name != "gru_e3_l2" && c.name != "rnn_tanh_e0_l2") continue;
    SCOPED_TRACE(c.name);
    RnnModel<double> model(c.config, 5);
    model.params = RandomParams(c.config, 9);
    TensorFile weights;
    weights.source = "weights.safetensors";
    SaveModelParams(model.params, weights, FloatDtype::kF64);
    const int T = 5, B = 2;
    TokenBatch batch;
    batch.T = T;
    batch.B = B;
    std::vector<int64_t> ids(static_cast<std::size_t>(T * B));
    for (int t = 0; t < T; ++t)
      for (int b = 0; b < B; ++b) {
        const int32_t id = (t * 2 + b * 3 + 1) % c.config.vocab;
        batch.input.push_back(id);  // time-major
        ids[static_cast<std::size_t>(b * T + t)] = id;  // batch-first, as the file holds it
      }
    batch.target.assign(batch.input.size(), -1);
    TensorFile batch_file;
    batch_file.source = "batch.safetensors";
    batch_file.SetInt64("input_ids", {B, T}, ids);
    TensorFile out;
    PutJacobianNorms(weights, batch_file, c.config.cell, FloatDtype::kF64, out);
    std::vector<int64_t> shape;
    const std::vector<double> norms = out.GetTensor<double>("jacobian_norms", &shape);
    ASSERT_EQ(shape, (std::vector<int64_t>{B, T}));
    ForwardPass<double> pass;
    model.Forward(batch, nullptr, pass);
    const StateMap map(c.config, model.params);
    for (int b = 0; b < B; ++b)
      for (int t = 0; t < T; ++t) {
        const MatD fd = FiniteDifferenceJacobian(map, StateBefore(pass.layers, t, b), batch.input[static_cast<std::size_t>(t * B + b)]);
        const double expected = Eigen::JacobiSVD<MatD>(fd).singularValues()(0);
        EXPECT_GT(expected, 0);
        EXPECT_NEAR(norms[static_cast<std::size_t>(b * T + t)], expected, 1e-6 * std::max(1.0, expected)) << "b=" << b << " t=" << t;
      }
  }
}

TEST(StateJacobian, BidirectionalModelAndBadTokenAreRefused) {
  ModelConfig c;
  c.cell = CellKind::kGru;
  c.vocab = 4;
  c.hidden = 3;
  c.bidirectional = true;
  ModelParams<double> p;
  p.InitRandom(c, 1);
  EXPECT_THROW(StateMap(c, p, "x.safetensors"), InputError);
  c.bidirectional = false;
  p.InitRandom(c, 1);
  const StateMap map(c, p);
  EXPECT_THROW(map.Jacobian(Eigen::VectorXd::Zero(3), 4), ShapeError);
  EXPECT_THROW(map.Jacobian(Eigen::VectorXd::Zero(2), 0), ShapeError);
}

// A tanh RNN with diagonal self-weight w = 2 and no input: each unit's h = tanh(2h) has three
// fixed points, 0 (|λ| = 2: unstable) and ±h* (h* = 0.957504, |λ| = 2(1 − h*²) < 1: stable).
ModelConfig ToyConfig(int units) {
  ModelConfig c;
  c.cell = CellKind::kRnnTanh;
  c.vocab = 1;
  c.hidden = units;
  return c;
}

StateMap ToyMap(int units) {
  const ModelConfig c = ToyConfig(units);
  ModelParams<double> p;
  p.Allocate(c);
  p.rnn[0].w_hh = 2 * MatD::Identity(units, units);
  return StateMap(c, p);
}

MatD Grid(int units, int per_axis) {
  const int N = units == 1 ? per_axis : per_axis * per_axis;
  MatD starts(units, N);
  for (int i = 0; i < N; ++i)
    for (int u = 0; u < units; ++u) {
      const int k = u == 0 ? i % per_axis : i / per_axis;
      starts(u, i) = -1.0 + 2.0 * k / (per_axis - 1);  // includes 0 for odd per_axis
    }
  return starts;
}

TEST(FixedPoints, OneUnitTanhHasTwoStableAndOneUnstable) {
  const StateMap map = ToyMap(1);
  const FixedPointResult r = FindFixedPoints(map, 0, Grid(1, 9));
  ASSERT_EQ(r.points.size(), 3u);
  EXPECT_EQ(r.starts, 9);
  double h_star = 1;
  for (int i = 0; i < 100; ++i) h_star = std::tanh(2 * h_star);  // converges to 0.957504…
  int stable = 0, unstable = 0, starts = 0;
  for (const FixedPoint& p : r.points) {
    EXPECT_TRUE(p.fixed);
    starts += p.starts;
    const double s = p.state(0);
    if (p.stability == Stability::kStable) {
      ++stable;
      EXPECT_NEAR(std::abs(s), h_star, 1e-12);
      EXPECT_NEAR(std::abs(p.eigenvalues(0)), 2 * (1 - h_star * h_star), 1e-10);
      EXPECT_EQ(p.Unstable(), 0);
    } else {
      ++unstable;
      EXPECT_EQ(p.stability, Stability::kUnstable);
      EXPECT_NEAR(s, 0, 1e-12);
      EXPECT_NEAR(p.eigenvalues(0).real(), 2, 1e-12);
      ASSERT_EQ(p.Unstable(), 1);
      EXPECT_NEAR(std::abs(p.unstable_vectors(0, 0)), 1, 1e-12);
    }
  }
  EXPECT_EQ(stable, 2);
  EXPECT_EQ(unstable, 1);
  EXPECT_EQ(starts, 9);  // every start reached one of the three: merged, nothing dropped
  EXPECT_EQ(r.dropped, 0);
}

TEST(FixedPoints, TwoUnitTanhHasFourStableFourSaddlesOneUnstable) {
  const StateMap map = ToyMap(2);
  const FixedPointResult r = FindFixedPoints(map, 0, Grid(2, 7));
  ASSERT_EQ(r.points.size(), 9u);
  int counts[3] = {0, 0, 0};
  for (const FixedPoint& p : r.points) {
    EXPECT_TRUE(p.fixed);
    EXPECT_LT(p.q, 1e-28);
    ++counts[static_cast<int>(p.stability)];
    // A saddle has one unit at 0 and one unstable direction along that unit's axis.
    if (p.stability == Stability::kSaddle) {
      ASSERT_EQ(p.Unstable(), 1);
      const int zero_unit = std::abs(p.state(0)) < 1e-9 ? 0 : 1;
      EXPECT_NEAR(std::abs(p.unstable_vectors(zero_unit, 0)), 1, 1e-9);
    }
  }
  EXPECT_EQ(counts[static_cast<int>(Stability::kStable)], 4);
  EXPECT_EQ(counts[static_cast<int>(Stability::kSaddle)], 4);
  EXPECT_EQ(counts[static_cast<int>(Stability::kUnstable)], 1);
  EXPECT_LE(r.max_iterations_used, 20);  // Gauss–Newton: quadratic convergence
}

// Starts from real trajectories of random gated models: what is returned as fixed is fixed,
// its Jacobian agrees with finite differences there, and no two points are duplicates.
TEST(FixedPoints, FoundPointsAreFixedAndDistinct) {
  for (CellKind cell : {CellKind::kGru, CellKind::kLstm, CellKind::kRnnTanh}) {
    SCOPED_TRACE(std::string(CellName(cell)));
    ModelConfig c;
    c.cell = cell;
    c.vocab = 4;
    c.hidden = 6;
    c.layers = 2;
    RnnModel<double> model(c, 3);
    model.params = RandomParams(c, 3, 3.0);
    TokenBatch batch;
    batch.T = 40;
    batch.B = 1;
    for (int t = 0; t < batch.T; ++t) batch.input.push_back((t * 7 + t / 3) % c.vocab);
    batch.target.assign(batch.input.size(), -1);
    ForwardPass<double> pass;
    model.Forward(batch, nullptr, pass);
    const StateMap map(c, model.params);
    MatD starts(map.StateSize(), 2 * batch.T);
    for (int t = 0; t < batch.T; ++t) {
      starts.col(t) = StateBefore(pass.layers, t + 1, 0);
      starts.col(batch.T + t) = starts.col(t);  // every start twice: duplicates must merge
    }
    std::atomic<int> calls{0};
    const FixedPointResult r =
        FindFixedPoints(map, 1, starts, {}, [&](int done, int total) { EXPECT_EQ(total, 2 * batch.T); calls = done; });
    EXPECT_EQ(calls.load(), 2 * batch.T);
    EXPECT_FALSE(r.cancelled);
    int fixed = 0;
    for (std::size_t i = 0; i < r.points.size(); ++i) {
      const FixedPoint& p = r.points[i];
      for (std::size_t j = 0; j < i; ++j) EXPECT_GE((p.state - r.points[j].state).norm(), 1e-3);
      EXPECT_GE(p.starts, 2);  // its twin start merged into it
      if (!p.fixed) continue;
      ++fixed;
      MatD next;
      map.Step(p.state, 1, next);
      EXPECT_LT((next.col(0) - p.state).norm(), 1e-8);
      const MatD J = map.Jacobian(p.state, 1);
      EXPECT_LT((J - FiniteDifferenceJacobian(map, p.state, 1)).cwiseAbs().maxCoeff(), 1e-7);
      EXPECT_EQ(p.eigenvalues.size(), map.StateSize());
      for (Eigen::Index k = 1; k < p.eigenvalues.size(); ++k)
        EXPECT_GE(std::abs(p.eigenvalues(k - 1)), std::abs(p.eigenvalues(k)) - 1e-12);
    }
    EXPECT_GE(fixed, 1);
  }
}

TEST(FixedPoints, CancelStopsTheSearch) {
  const StateMap map = ToyMap(2);
  std::atomic<bool> cancel{true};
  const FixedPointResult r = FindFixedPoints(map, 0, Grid(2, 5), {}, {}, &cancel);
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(r.starts, 0);
  EXPECT_TRUE(r.points.empty());
}

}  // namespace
}  // namespace rnnscope
