// What the dynamics worker (train/dynamics_worker.h) publishes for the Dynamics panel: an
// immutable value computed off the trainer thread from a DynamicsSource (train/dynamics_source.h)
// and the probe, shared as std::shared_ptr<const DynamicsView> through the Snapshot.
// docs/dynamics.md describes each quantity.
#pragma once

#include <complex>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/fixed_points.h"

namespace rnnscope {

// How states are put in the plane: the first two principal components of the held-out and probe
// states, re-fitted at every update (kFollow) or kept from the last fit so that the user sees the
// states move as the model trains (kFixed); or two chosen state units as the axes (kUnits).
enum class ProjectionMode { kFollow, kFixed, kUnits };

struct DynamicsSettings {
  bool enabled = false;        // the panel is open: compute views
  ProjectionMode mode = ProjectionMode::kFollow;
  int unit_x = 0, unit_y = 1;  // kUnits: indices into the state s (docs/dynamics.md)
  int refit = 0;               // bumped by "Re-fit now"; a new value re-fits a kFixed projection
  int interval_ms = 1000;      // at most one view per this long
};

struct ProjectedPoint {
  float x = 0, y = 0;
};

// A fixed or slow point as drawn: its position in the view's projection, its class and spectrum.
struct DrawnFixedPoint {
  ProjectedPoint at;
  bool fixed = true;                              // false: a slow point
  Stability stability = Stability::kStable;
  double q = 0;
  int starts = 1;
  std::vector<std::complex<float>> eigenvalues;   // largest modulus first
  std::vector<ProjectedPoint> unstable;           // projected unit directions (real parts), one per |λ| > 1
  int nearest_probe_step = -1;                    // probe step whose state is nearest; -1: no probe
  double nearest_probe_distance = 0;
};

// The result of the last fixed-point search (FindFixedPointsCommand), carried across views and
// re-projected into each.
struct FixedPointSearchState {
  bool running = false;
  int done = 0, total = 0;                 // starts minimised so far / asked
  int64_t step = -1;                       // model step the search ran on; -1: none yet
  std::string input;                       // the constant input's token (as shown)
  std::string error;
  FixedPointResult result;                 // in the full state space
};

struct DynamicsView {
  int64_t step = -1;                 // the model step this view shows
  std::string error;                 // non-empty: why there is no view (the task has no state map)
  int state_size = 0;                // n
  std::vector<std::string> state_units;  // (n) "h0[3]", "c1[12]": what each state index is
  ProjectionMode mode = ProjectionMode::kFollow;
  std::string axis_x, axis_y;        // "PC1 (41% of variance)" or "h0[3]"
  int64_t fitted_step = -1;          // the step the PCA basis was fitted at

  std::vector<std::string> probe_tokens;          // (T) as in the snapshot
  std::vector<ProjectedPoint> probe;              // (T) s_t after reading probe token t
  std::vector<std::vector<ProjectedPoint>> held_out;  // trajectories of held-out sequences
  std::string held_out_what;                      // "8 validation pieces of 200 characters"

  // The Jacobian ∂s_t/∂s_{t−1} along the probe: its largest singular values per step
  // (jacobian_sv: (T, k), column 0 the largest) and log10 ‖∂s_t/∂s_0‖₂ (the product over the span
  // from the probe's first step to t; jacobian_product_log10: (T)).
  MatF jacobian_sv;
  std::vector<float> jacobian_product_log10;

  // Where each gradient comes from (model/gradient_contributions.h), for the probe: G (T, T),
  // G_c (T, T) for the LSTM, saliency (T, T). Empty with `gradients_note` saying why.
  MatF g, g_c, saliency;
  std::string gradients_note;

  FixedPointSearchState search;                   // re-projected into this view
  std::vector<DrawnFixedPoint> points;            // search.result's points in this projection
  double compute_ms = 0;                          // how long the worker took for this view
};

}  // namespace rnnscope
