// Fixed and slow points of the state map for a constant input (Sussillo & Barak 2013, "Opening
// the black box"; docs/dynamics.md).
//
// For a token x, q(s) = ½‖F(s, x) − s‖² (model/state_jacobian.h: s is the whole recurrent
// state, n values) is minimised from each starting state by Levenberg–Marquardt on the residual
// r(s) = F(s) − s, whose Jacobian J − I is exact: near a fixed point the steps are Gauss–Newton
// steps and q falls quadratically to rounding level in double. Local minima of q that are not
// zeros of r are slow points. Minima within merge_distance of each other are one point (the
// lowest q is kept, with how many starts reached it). Each point is classified by the
// eigenvalues λ of ∂F/∂s there: stable when every |λ| < 1, unstable when every |λ| > 1, saddle
// otherwise; the eigenvectors of the |λ| > 1 eigenvalues are its unstable directions.
#pragma once

#include <atomic>
#include <complex>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/state_jacobian.h"

namespace rnnscope {

struct FixedPointOptions {
  int max_iterations = 1000;         // LM iterations per start (a start near a marginal direction, |λ| ≈ 1,
                                     // converges slowly: fewer leave copies of one point unmerged)
  double fixed_q = 1e-12;            // q at or below: a fixed point (‖F(s) − s‖ ≤ 1.4e-6)
  double slow_q = 1e-4;              // q at or below (and above fixed_q): a slow point; above: dropped
  double merge_distance = 1e-3;      // ‖s_a − s_b‖ below: the same point (slow points converge only
                                     // linearly, so their copies differ by more than rounding)
};

enum class Stability { kStable, kSaddle, kUnstable };
const char* StabilityName(Stability s);  // "stable", "saddle", "unstable"

struct FixedPoint {
  Eigen::VectorXd state;             // (n) s*
  double q = 0;                      // ½‖F(s*) − s*‖²
  bool fixed = false;                // q <= fixed_q; else a slow point
  int starts = 1;                    // starts that converged here (after merging)
  int iterations = 0;                // LM iterations of the start kept
  Stability stability = Stability::kStable;
  Eigen::VectorXcd eigenvalues;      // (n) of ∂F/∂s at s*, largest modulus first
  Eigen::MatrixXcd unstable_vectors; // (n, u) unit eigenvectors of the u eigenvalues with |λ| > 1, same order
  int Unstable() const { return static_cast<int>(unstable_vectors.cols()); }
};

struct FixedPointResult {
  std::vector<FixedPoint> points;    // fixed points first, then slow points; each by q ascending
  int starts = 0;                    // starts run (fewer than asked when cancelled)
  int dropped = 0;                   // starts that ended above slow_q
  int max_iterations_used = 0;       // the most LM iterations any start took
  bool cancelled = false;
};

// Called after each start with (done, total); may be empty.
using FixedPointProgress = std::function<void(int done, int total)>;

// Minimises q from every column of `starts` (n, N). `cancel` (may be null) is polled between
// iterations: once set, the search stops and returns what it has (cancelled = true).
FixedPointResult FindFixedPoints(const StateMap& map, int32_t token, const MatD& starts,
                                 const FixedPointOptions& options = {}, const FixedPointProgress& progress = {},
                                 const std::atomic<bool>* cancel = nullptr);

// Minimises q from one state: the end state, its q and the iterations taken.
struct Minimum {
  Eigen::VectorXd state;
  double q = 0;
  int iterations = 0;
};
Minimum MinimiseSpeed(const StateMap& map, int32_t token, const Eigen::VectorXd& start, int max_iterations,
                      const std::atomic<bool>* cancel = nullptr);

// Eigen-decomposition and class of ∂F/∂s at `state`, into `point` (eigenvalues, stability,
// unstable_vectors).
void Classify(const StateMap& map, int32_t token, FixedPoint& point);

}  // namespace rnnscope
