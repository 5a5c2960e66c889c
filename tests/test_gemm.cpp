// The dispatched GEMM, the pre-packed recurrent product and the fused Adam kernel against
// straightforward reference loops, on every instruction set this CPU has (RNNSCOPE_SIMD picks
// the level once per process, so the level tested is the one training uses here).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "model/gemm.h"
#include "train/adam_kernel.h"

namespace rnnscope {
namespace {

// C = alpha·op(A)·op(B) + beta·C by three loops in double.
MatD Reference(const MatD& c, const MatD& a, bool ta, const MatD& b, bool tb, double alpha, double beta) {
  const MatD opa = ta ? MatD(a.transpose()) : a;
  const MatD opb = tb ? MatD(b.transpose()) : b;
  MatD out = c;
  for (Eigen::Index i = 0; i < out.rows(); ++i)
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
      double sum = 0;
      for (Eigen::Index k = 0; k < opa.cols(); ++k) sum += opa(i, k) * opb(k, j);
      out(i, j) = alpha * sum + beta * c(i, j);
    }
  return out;
}

struct Shape {
  Eigen::Index m, k, n;
};

// Sizes around the kernels' panel widths (AVX2 24×4, AVX-512 48×8), one column (B = 1), and a
// depth well beyond one depth block (the LSTM backward's W_hhᵀ is (H, 4H)).
const Shape kShapes[] = {{1, 1, 1},   {7, 5, 3},    {24, 16, 4},  {400, 100, 1},
                         {65, 33, 17}, {96, 1500, 9}, {512, 128, 32}};

TEST(Gemm, MatchesReferenceForEveryTransposeAlphaBeta) {
  for (const Shape& s : kShapes) {
    for (int mode = 0; mode < 4; ++mode) {
      const bool ta = mode & 1, tb = mode & 2;
      const MatD a = ta ? MatD::Random(s.k, s.m) : MatD::Random(s.m, s.k);
      const MatD b = tb ? MatD::Random(s.n, s.k) : MatD::Random(s.k, s.n);
      const MatD c0 = MatD::Random(s.m, s.n);
      for (double beta : {0.0, 1.0, -0.5}) {
        MatD c = c0;
        Gemm<double>(c, a, ta, b, tb, 0.75, beta);
        const MatD want = Reference(c0, a, ta, b, tb, 0.75, beta);
        EXPECT_LT((c - want).cwiseAbs().maxCoeff(), 1e-10 * static_cast<double>(s.k))
            << s.m << "x" << s.k << "x" << s.n << " ta " << ta << " tb " << tb << " beta " << beta;
      }
    }
  }
}

TEST(PackedLhs, MatchesPlainGemmAsIsAndTransposed) {
  for (const Shape& s : kShapes) {
    for (bool ta : {false, true}) {
      const MatD a = ta ? MatD::Random(s.k, s.m) : MatD::Random(s.m, s.k);
      PackedLhs<double> packed;
      packed.Pack(a, ta, s.n);
      ASSERT_EQ(packed.rows(), s.m);
      ASSERT_EQ(packed.depth(), s.k);
      EXPECT_EQ(packed.packed(), s.n > 1);
      if (packed.packed()) EXPECT_GE(packed.depth_block(), 1);
      // B and C as column blocks of wider matrices (a batch slice of the layer's state).
      const MatD b_all = MatD::Random(s.k, s.n + 5);
      const MatD c_all0 = MatD::Random(s.m, s.n + 3);
      for (double beta : {0.0, 1.0, 2.0}) {
        MatD c_all = c_all0;
        Gemm<double>(c_all.middleCols(2, s.n), packed, b_all.middleCols(3, s.n), -1.5, beta);
        MatD want = c_all0;
        want.middleCols(2, s.n) = Reference(c_all0.middleCols(2, s.n), a, ta, b_all.middleCols(3, s.n), false, -1.5, beta);
        EXPECT_LT((c_all - want).cwiseAbs().maxCoeff(), 1e-10 * static_cast<double>(s.k))
            << s.m << "x" << s.k << "x" << s.n << " ta " << ta << " beta " << beta;
        // Columns outside the slice are untouched.
        EXPECT_EQ(c_all.leftCols(2), c_all0.leftCols(2));
        EXPECT_EQ(c_all.rightCols(1), c_all0.rightCols(1));
      }
    }
  }
}

TEST(PackedLhs, FloatAgreesWithDispatchedGemm) {
  // The LSTM H=256 step shapes: forward (4H, H)(H, B) and backward (H, 4H)(4H, B).
  const MatF w = MatF::Random(1024, 256);
  const MatF h = MatF::Random(256, 32), d = MatF::Random(1024, 32);
  PackedLhs<float> packed;
  packed.Pack(w, false, 32);
  MatF got(1024, 32), want(1024, 32);
  Gemm<float>(got, packed, h, 1.0f, 0.0f);
  Gemm<float>(want, w, false, h, false, 1.0f, 0.0f);
  EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-4f);
  packed.Pack(w, true, 32);  // reuses the buffer (same size)
  MatF got_t(256, 32), want_t(256, 32);
  Gemm<float>(got_t, packed, d, 1.0f, 0.0f);
  Gemm<float>(want_t, w, true, d, false, 1.0f, 0.0f);
  EXPECT_LT((got_t - want_t).cwiseAbs().maxCoeff(), 1e-4f);
}

TEST(PackedLhs, RepacksWhenTheWeightsChangeAndCopiesStartEmpty) {
  MatD a = MatD::Random(40, 30);
  const MatD b = MatD::Random(30, 6);
  PackedLhs<double> packed;
  packed.Pack(a, false, 6);
  a *= 2.0;  // an optimizer step
  packed.Pack(a, false, 6);
  MatD c(40, 6);
  Gemm<double>(c, packed, b, 1.0, 0.0);
  EXPECT_LT((c - a * b).cwiseAbs().maxCoeff(), 1e-12);
  // A larger matrix after a smaller one grows the buffer.
  const MatD big = MatD::Random(100, 70);
  packed.Pack(big, false, 6);
  MatD c_big(100, 6);
  Gemm<double>(c_big, packed, MatD::Random(70, 6), 1.0, 0.0);
  EXPECT_TRUE(c_big.allFinite());
  const PackedLhs<double> copy = packed;  // a cache: copies hold nothing until packed
  EXPECT_EQ(copy.rows(), 0);
  EXPECT_EQ(copy.data(), nullptr);
}

TEST(AdamKernel, MatchesTheFormulaWithAndWithoutWeightDecay) {
  for (float wd : {0.0f, 0.01f}) {
    const int n = 1003;  // not a multiple of any vector width
    std::vector<float> p(n), g(n), m(n), v(n);
    for (int i = 0; i < n; ++i) {
      p[i] = std::sin(0.37f * static_cast<float>(i));
      g[i] = std::cos(1.3f * static_cast<float>(i)) * 0.1f;
      m[i] = 0.01f * static_cast<float>(i % 7);
      v[i] = 0.001f * static_cast<float>(i % 5);
    }
    const std::vector<float> p2 = p, m2 = m, v2 = v;
    const AdamCoefficients c{0.9f, 0.1f, 0.999f, 0.001f, 2e-3f, 0.05f, 1e-8f, wd};
    AdamUpdateInto(p2.data(), g.data(), m2.data(), v2.data(), p.data(), m.data(), v.data(), n, c);
    for (int i = 0; i < n; ++i) {
      const double gi = static_cast<double>(g[i]) + wd * static_cast<double>(p2[i]);
      const double mi = 0.9 * m2[i] + 0.1 * gi;
      const double vi = 0.999 * v2[i] + 0.001 * gi * gi;
      const double pi = p2[i] - 2e-3 * mi / (std::sqrt(vi) / 0.05 + 1e-8);
      ASSERT_NEAR(m[i], mi, 1e-6) << i;
      ASSERT_NEAR(v[i], vi, 1e-7) << i;
      ASSERT_NEAR(p[i], pi, 1e-5 * (1 + std::abs(pi))) << i;
    }
  }
}

}  // namespace
}  // namespace rnnscope
