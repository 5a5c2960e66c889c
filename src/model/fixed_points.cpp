#include "model/fixed_points.h"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace rnnscope {

const char* StabilityName(Stability s) {
  switch (s) {
    case Stability::kStable: return "stable";
    case Stability::kSaddle: return "saddle";
    case Stability::kUnstable: return "unstable";
  }
  return "?";
}

namespace {

struct Residual {
  Eigen::VectorXd s, r;  // (n) the state and F(s) − s
  MatD Jr;               // (n, n) ∂r/∂s = ∂F/∂s − I
  double q = 0;
};

Residual Evaluate(const StateMap& map, int32_t token, const Eigen::VectorXd& s) {
  Residual e;
  e.s = s;
  Eigen::VectorXd f;
  e.Jr = map.Jacobian(s, token, &f);
  e.Jr.diagonal().array() -= 1.0;
  e.r = f - s;
  e.q = 0.5 * e.r.squaredNorm();
  return e;
}

}  // namespace

// Levenberg–Marquardt with Nielsen's damping update (Madsen, Nielsen & Tingleff, "Methods for
// non-linear least squares problems", 2004, §3.2): damping μ falls after a step that achieved
// what the quadratic model predicted (Gauss–Newton, quadratic convergence at a regular zero) and
// rises after one that did not (towards small gradient steps, which still find slow points,
// where r ≠ 0 and J − I is singular or nearly so).
Minimum MinimiseSpeed(const StateMap& map, int32_t token, const Eigen::VectorXd& start, int max_iterations,
                      const std::atomic<bool>* cancel) {
  Residual cur = Evaluate(map, token, start);
  const Eigen::Index n = start.size();
  MatD A = cur.Jr.transpose() * cur.Jr;  // (n, n) Gauss–Newton matrix
  Eigen::VectorXd g = cur.Jr.transpose() * cur.r;  // (n) ∇q
  double mu = 1e-3 * std::max(A.diagonal().maxCoeff(), 1e-12);
  double nu = 2;
  int it = 0;
  for (; it < max_iterations; ++it) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    // Rounding level: ‖r‖ ~ 1e-16 per unit is as fixed as double gets; ∇q ~ 0 is a minimum.
    if (cur.q <= 1e-32 * static_cast<double>(n) || g.lpNorm<Eigen::Infinity>() <= 1e-20) break;
    MatD damped = A;
    damped.diagonal().array() += mu;
    const Eigen::VectorXd step = damped.ldlt().solve(-g);
    if (!step.allFinite() || step.norm() <= 1e-15 * (cur.s.norm() + 1e-15)) break;
    Residual trial = Evaluate(map, token, cur.s + step);
    const double predicted = 0.5 * step.dot(mu * step - g);  // decrease the quadratic model promises (> 0)
    const double rho = predicted > 0 ? (cur.q - trial.q) / predicted : -1;
    if (std::isfinite(trial.q) && rho > 0) {
      cur = std::move(trial);
      A = cur.Jr.transpose() * cur.Jr;
      g = cur.Jr.transpose() * cur.r;
      mu *= std::max(1.0 / 3.0, 1.0 - std::pow(2 * rho - 1, 3));
      nu = 2;
    } else {
      mu *= nu;
      nu *= 2;
      if (!std::isfinite(mu) || mu > 1e300) break;
    }
  }
  return {cur.s, cur.q, it};
}

void Classify(const StateMap& map, int32_t token, FixedPoint& point) {
  const MatD J = map.Jacobian(point.state, token);  // (n, n)
  const Eigen::EigenSolver<MatD> solver(J, /*computeEigenvectors=*/true);
  const Eigen::VectorXcd values = solver.eigenvalues();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(values.size()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return std::abs(values(a)) > std::abs(values(b)); });
  point.eigenvalues.resize(values.size());
  int above = 0, below = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    point.eigenvalues(static_cast<Eigen::Index>(i)) = values(order[i]);
    const double modulus = std::abs(values(order[i]));
    above += modulus > 1;
    below += modulus < 1;
  }
  point.unstable_vectors.resize(J.rows(), above);
  for (int i = 0; i < above; ++i) point.unstable_vectors.col(i) = solver.eigenvectors().col(order[static_cast<std::size_t>(i)]).normalized();
  // |λ| = 1 exactly (a marginal direction) counts as neither growing nor shrinking.
  if (above == 0) point.stability = Stability::kStable;
  else if (below == 0) point.stability = Stability::kUnstable;
  else point.stability = Stability::kSaddle;
}

FixedPointResult FindFixedPoints(const StateMap& map, int32_t token, const MatD& starts,
                                 const FixedPointOptions& options, const FixedPointProgress& progress,
                                 const std::atomic<bool>* cancel) {
  FixedPointResult result;
  std::vector<Minimum> minima;
  const int total = static_cast<int>(starts.cols());
  for (int i = 0; i < total; ++i) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      result.cancelled = true;
      break;
    }
    Minimum m = MinimiseSpeed(map, token, starts.col(i), options.max_iterations, cancel);
    ++result.starts;
    result.max_iterations_used = std::max(result.max_iterations_used, m.iterations);
    if (std::isfinite(m.q) && m.q <= options.slow_q) minima.push_back(std::move(m));
    else ++result.dropped;
    if (progress) progress(i + 1, total);
  }
  if (cancel && cancel->load(std::memory_order_relaxed)) result.cancelled = true;
  // Merge: lowest q first, so each merged point keeps its best-converged copy.
  std::stable_sort(minima.begin(), minima.end(), [](const Minimum& a, const Minimum& b) { return a.q < b.q; });
  for (Minimum& m : minima) {
    auto same = std::find_if(result.points.begin(), result.points.end(), [&](const FixedPoint& p) {
      return (p.state - m.state).norm() < options.merge_distance;
    });
    if (same != result.points.end()) {
      ++same->starts;
      continue;
    }
    FixedPoint p;
    p.state = std::move(m.state);
    p.q = m.q;
    p.fixed = m.q <= options.fixed_q;
    p.iterations = m.iterations;
    result.points.push_back(std::move(p));
  }
  for (FixedPoint& p : result.points) Classify(map, token, p);
  std::stable_partition(result.points.begin(), result.points.end(), [](const FixedPoint& p) { return p.fixed; });
  return result;
}

}  // namespace rnnscope
