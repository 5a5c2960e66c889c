// Eigen aliases used across the engine. Column-major everywhere: a batch of B sequences of
// length T is stored time-major as (features, T*B), column t*B + b = timestep t of sequence b.
#pragma once

#include <Eigen/Core>

namespace rnnscope {

template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S>
using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

using MatF = Mat<float>;
using MatD = Mat<double>;
using VecF = Vec<float>;

}  // namespace rnnscope
