#include "core/pca.h"

#include <Eigen/Eigenvalues>
#include <algorithm>

namespace rnnscope {

Pca FitPca(const MatD& x, int k) {
  const Eigen::Index n = x.rows();
  k = static_cast<int>(std::min<Eigen::Index>(k, n));
  Pca p;
  p.mean = x.cols() > 0 ? Eigen::VectorXd(x.rowwise().mean()) : Eigen::VectorXd::Zero(n);
  p.basis = MatD::Identity(n, k);
  p.explained = Eigen::VectorXd::Zero(k);
  if (x.cols() < 2 || k == 0) return p;
  const MatD centered = x.colwise() - p.mean;
  const MatD cov = centered * centered.transpose() / static_cast<double>(x.cols() - 1);
  const double total = cov.trace();
  if (!(total > 0)) return p;
  Eigen::SelfAdjointEigenSolver<MatD> eig(cov);  // eigenvalues ascending
  for (int j = 0; j < k; ++j) {
    const Eigen::Index col = n - 1 - j;
    Eigen::VectorXd v = eig.eigenvectors().col(col);
    Eigen::Index at = 0;
    v.cwiseAbs().maxCoeff(&at);
    if (v(at) < 0) v = -v;
    p.basis.col(j) = v;
    p.explained(j) = std::max(0.0, eig.eigenvalues()(col)) / total;
  }
  return p;
}

}  // namespace rnnscope
