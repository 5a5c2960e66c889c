// Principal components of a set of column vectors, for the state-space view (docs/dynamics.md):
// the mean and the top-k eigenvectors of the sample covariance, with the share of the variance
// each explains. The covariance is n×n (n = state size, at most a few thousand), so the
// self-adjoint eigensolver is cheap next to the trajectories that feed it.
#pragma once

#include "core/tensor.h"

namespace rnnscope {

struct Pca {
  Eigen::VectorXd mean;      // (n)
  MatD basis;                // (n, k) orthonormal columns, largest variance first
  Eigen::VectorXd explained; // (k) share of the total variance, in [0, 1]
  // (k, N) coordinates of the columns of `x` (n, N).
  MatD Project(const MatD& x) const { return basis.transpose() * (x.colwise() - mean); }
};

// PCA of the columns of `x` (n, N); k ≤ n. With fewer than two columns, or no variance, the
// basis is the first k unit vectors and explained is 0: the view then shows raw units.
// Each column's sign is fixed (its largest-magnitude entry positive) so refits do not flip axes.
Pca FitPca(const MatD& x, int k);

}  // namespace rnnscope
