// The float training path (RnnModel<float>, what CharLmJob trains: the fused per-instruction-set
// cell kernels and the dispatched GEMM) against an independent double reference written here
// from the cell equations: plain loops and Eigen products, no engine cell, layer or kernel code.
// Every cell (and the LSTM peephole variant), hidden sizes with and without a packet tail
// (13, 16, 19, 32, 37 against 4-, 8- and 16-float packets), one-hot and embedding input, one
// and two layers, one and two directions; forward states, logits, loss and every parameter
// gradient. The reference's own backward is checked against central finite differences of the
// reference forward, so a shared misunderstanding of an equation cannot hide there.
//
// ctest also runs this executable with RNNSCOPE_SIMD=baseline (tests/CMakeLists.txt), so both
// the SSE2 copy and the copy this CPU dispatches to are compared.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "model/gemm.h"
#include "model/rnn_model.h"

#include "token_batch_test_util.h"

namespace rnnscope {
namespace {

using MD = MatD;

// ------------------------------------------------------------------ the double reference

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// W x + b for every column of x.
MD Affine(const MD& w, const MD& x, const MD& b) {
  MD out = w * x;
  out.colwise() += b.col(0);
  return out;
}

// One layer in one direction, everything the backward needs, indexed by timestep t.
struct RefCache {
  bool reverse = false;
  MD h0, c0;                 // (H, B) initial state
  std::vector<MD> pre;       // (G*H, B) W_ih x + b_ih (+ W_hh h + b_hh except for the GRU)
  std::vector<MD> hh;        // GRU: (3H, B) W_hh h_{t-1} + b_hh
  std::vector<MD> act;       // (G*H, B) LSTM i,f,g,o; GRU r,z,n; Elman h; Jordan u
  std::vector<MD> h, c;      // (H, B) h_t (Jordan: y_t), c_t

  const MD& HPrev(int t) const {
    const int p = reverse ? t + 1 : t - 1;
    return p < 0 || p >= static_cast<int>(h.size()) ? h0 : h[static_cast<std::size_t>(p)];
  }
  const MD& CPrev(int t) const {
    const int p = reverse ? t + 1 : t - 1;
    return p < 0 || p >= static_cast<int>(c.size()) ? c0 : c[static_cast<std::size_t>(p)];
  }
};

// x (X, T*B), column t*B + b.
void RefLayerForward(CellKind kind, const LayerParams<double>& p, const MD& x, int T, int B,
                     bool reverse, RefCache& k) {
  const Eigen::Index H = p.w_hh.cols();
  const bool peep = p.w_peep.size() > 0;
  k.reverse = reverse;
  k.pre.assign(T, MD());
  k.hh.assign(T, MD());
  k.act.assign(T, MD());
  k.h.assign(T, MD());
  k.c.assign(T, MD());
  for (int s = 0; s < T; ++s) {
    const int t = reverse ? T - 1 - s : s;
    const MD xt = x.middleCols(static_cast<Eigen::Index>(t) * B, B);
    const MD& hp = k.HPrev(t);
    const std::size_t ti = static_cast<std::size_t>(t);
    MD& a = k.pre[ti];
    MD& g = k.act[ti];
    MD& h = k.h[ti];
    h.resize(H, B);
    switch (kind) {
      case CellKind::kRnnTanh:
      case CellKind::kRnnRelu:  // h = act(W_ih x + b_ih + W_hh h + b_hh)
        a = Affine(p.w_ih, xt, p.b_ih) + Affine(p.w_hh, hp, p.b_hh);
        g.resize(H, B);
        for (Eigen::Index b = 0; b < B; ++b)
          for (Eigen::Index u = 0; u < H; ++u)
            g(u, b) = kind == CellKind::kRnnTanh ? std::tanh(a(u, b)) : std::max(0.0, a(u, b));
        h = g;
        break;
      case CellKind::kJordan: {  // u = tanh(W_ih x + b_ih + W_hh y_{t-1} + b_hh), y = tanh(W_hy u + b_hy)
        a = Affine(p.w_ih, xt, p.b_ih) + Affine(p.w_hh, hp, p.b_hh);
        g = a.array().tanh().matrix();
        const MD v = Affine(p.w_hy, g, p.b_hy);
        h = v.array().tanh().matrix();
        break;
      }
      case CellKind::kGru: {  // PyTorch: r, z, n; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
        a = Affine(p.w_ih, xt, p.b_ih);
        k.hh[ti] = Affine(p.w_hh, hp, p.b_hh);
        const MD& gh = k.hh[ti];
        g.resize(3 * H, B);
        for (Eigen::Index b = 0; b < B; ++b)
          for (Eigen::Index u = 0; u < H; ++u) {
            const double r = Sigmoid(a(u, b) + gh(u, b));
            const double z = Sigmoid(a(H + u, b) + gh(H + u, b));
            const double n = std::tanh(a(2 * H + u, b) + r * gh(2 * H + u, b));
            g(u, b) = r;
            g(H + u, b) = z;
            g(2 * H + u, b) = n;
            h(u, b) = (1 - z) * n + z * hp(u, b);
          }
        break;
      }
      case CellKind::kLstm: {  // PyTorch: i, f, g, o; peephole: i, f see c_{t-1}, o sees c_t
        a = Affine(p.w_ih, xt, p.b_ih) + Affine(p.w_hh, hp, p.b_hh);
        const MD& cp = k.CPrev(t);
        MD& c = k.c[ti];
        c.resize(H, B);
        g.resize(4 * H, B);
        for (Eigen::Index b = 0; b < B; ++b)
          for (Eigen::Index u = 0; u < H; ++u) {
            const double pi = peep ? p.w_peep(u, 0) : 0, pf = peep ? p.w_peep(u, 1) : 0,
                         po = peep ? p.w_peep(u, 2) : 0;
            const double i = Sigmoid(a(u, b) + pi * cp(u, b));
            const double f = Sigmoid(a(H + u, b) + pf * cp(u, b));
            const double gg = std::tanh(a(2 * H + u, b));
            c(u, b) = f * cp(u, b) + i * gg;
            const double o = Sigmoid(a(3 * H + u, b) + po * c(u, b));
            g(u, b) = i;
            g(H + u, b) = f;
            g(2 * H + u, b) = gg;
            g(3 * H + u, b) = o;
            h(u, b) = o * std::tanh(c(u, b));
          }
        break;
      }
    }
  }
}

// BPTT of one layer/direction. dy (H, T*B) = ∂L/∂h_t from above; accumulates g and dx (X, T*B).
void RefLayerBackward(CellKind kind, const LayerParams<double>& p, LayerParams<double>& grad,
                      const MD& x, const MD& dy, int T, int B, const RefCache& k, MD& dx) {
  const Eigen::Index H = p.w_hh.cols();
  const bool peep = p.w_peep.size() > 0;
  MD dh_next = MD::Zero(H, B), dc_next = MD::Zero(H, B);
  for (int s = 0; s < T; ++s) {
    const int t = k.reverse ? s : T - 1 - s;
    const std::size_t ti = static_cast<std::size_t>(t);
    const Eigen::Index col = static_cast<Eigen::Index>(t) * B;
    const MD xt = x.middleCols(col, B);
    const MD& hp = k.HPrev(t);
    const MD& g = k.act[ti];
    const MD dh = dy.middleCols(col, B) + dh_next;
    MD d_in, d_rec;  // ∂L/∂(W_ih x + b_ih), ∂L/∂(W_hh h + b_hh)
    MD dh_direct = MD::Zero(H, B);
    switch (kind) {
      case CellKind::kRnnTanh:
      case CellKind::kRnnRelu:
        d_in.resize(H, B);
        for (Eigen::Index b = 0; b < B; ++b)
          for (Eigen::Index u = 0; u < H; ++u)
            d_in(u, b) = dh(u, b) * (kind == CellKind::kRnnTanh ? 1 - g(u, b) * g(u, b)
                                                                 : (k.pre[ti](u, b) > 0 ? 1.0 : 0.0));
        d_rec = d_in;
        break;
      case CellKind::kJordan: {
        const MD& y = k.h[ti];
        MD dv(H, B);  // ∂L/∂(W_hy u + b_hy)
        for (Eigen::Index b = 0; b < B; ++b)
          for (Eigen::Index u = 0; u < H; ++u) dv(u, b) = dh(u, b) * (1 - y(u, b) * y(u, b));
        grad.w_hy += dv * g.transpose();
        grad.b_hy += dv.rowwise().sum();
        const MD du = p.w_hy.transpose() * dv;
        d_in.resize(H, B);
        for (Eigen::Index b = 0; b < B; ++b)
          for (Eigen::Index u = 0; u < H; ++u) d_in(u, b) = du(u, b) * (1 - g(u, b) * g(u, b));
        d_rec = d_in;
        break;
      }
      case CellKind::kGru: {
        const MD& gh = k.hh[ti];
        d_in.resize(3 * H, B);
        d_rec.resize(3 * H, B);
        for (Eigen::Index b = 0; b < B; ++b)
          for (Eigen::Index u = 0; u < H; ++u) {
            const double r = g(u, b), z = g(H + u, b), n = g(2 * H + u, b);
            const double dn_pre = dh(u, b) * (1 - z) * (1 - n * n);
            const double dz_pre = dh(u, b) * (hp(u, b) - n) * z * (1 - z);
            const double dr_pre = dn_pre * gh(2 * H + u, b) * r * (1 - r);
            d_in(u, b) = d_rec(u, b) = dr_pre;
            d_in(H + u, b) = d_rec(H + u, b) = dz_pre;
            d_in(2 * H + u, b) = dn_pre;
            d_rec(2 * H + u, b) = dn_pre * r;
            dh_direct(u, b) = dh(u, b) * z;
          }
        break;
      }
      case CellKind::kLstm: {
        const MD& c = k.c[ti];
        const MD& cp = k.CPrev(t);
        d_in.resize(4 * H, B);
        for (Eigen::Index b = 0; b < B; ++b)
          for (Eigen::Index u = 0; u < H; ++u) {
            const double pi = peep ? p.w_peep(u, 0) : 0, pf = peep ? p.w_peep(u, 1) : 0,
                         po = peep ? p.w_peep(u, 2) : 0;
            const double i = g(u, b), f = g(H + u, b), gg = g(2 * H + u, b), o = g(3 * H + u, b);
            const double tc = std::tanh(c(u, b));
            const double do_pre = dh(u, b) * tc * o * (1 - o);
            const double dct = dc_next(u, b) + dh(u, b) * o * (1 - tc * tc) + do_pre * po;
            const double di_pre = dct * gg * i * (1 - i);
            const double df_pre = dct * cp(u, b) * f * (1 - f);
            const double dg_pre = dct * i * (1 - gg * gg);
            dc_next(u, b) = dct * f + di_pre * pi + df_pre * pf;
            if (peep) {
              grad.w_peep(u, 0) += di_pre * cp(u, b);
              grad.w_peep(u, 1) += df_pre * cp(u, b);
              grad.w_peep(u, 2) += do_pre * c(u, b);
            }
            d_in(u, b) = di_pre;
            d_in(H + u, b) = df_pre;
            d_in(2 * H + u, b) = dg_pre;
            d_in(3 * H + u, b) = do_pre;
          }
        d_rec = d_in;
        break;
      }
    }
    grad.w_ih += d_in * xt.transpose();
    grad.b_ih += d_in.rowwise().sum();
    grad.w_hh += d_rec * hp.transpose();
    grad.b_hh += d_rec.rowwise().sum();
    dx.middleCols(col, B) += p.w_ih.transpose() * d_in;
    dh_next = p.w_hh.transpose() * d_rec + dh_direct;
  }
}

struct RefPass {
  std::vector<MD> layer_in;    // per layer: its input (X, T*B)
  std::vector<RefCache> cache; // layer * D + direction
  MD top;                      // (D*H, T*B) top layer output
  MD logits, probs;            // (V, T*B)
  double loss = 0;
  int counted = 0;
};

// init: per layer*D+direction h0 (and c0), or empty for zeros.
double RefForward(const ModelConfig& c, const ModelParams<double>& p, const TokenBatch& batch,
                  const std::vector<MD>& h0, const std::vector<MD>& c0, RefPass& pass) {
  const int T = batch.T, B = batch.B, D = c.Directions(), H = c.hidden;
  const Eigen::Index TB = static_cast<Eigen::Index>(T) * B;
  MD x;
  if (c.embed > 0) {
    x.resize(c.embed, TB);
    for (Eigen::Index j = 0; j < TB; ++j) x.col(j) = p.embedding.row(batch.input[static_cast<std::size_t>(j)]).transpose();
  } else {
    x = MD::Zero(c.vocab, TB);  // one-hot, multiplied out like any dense input
    for (Eigen::Index j = 0; j < TB; ++j) x(batch.input[static_cast<std::size_t>(j)], j) = 1;
  }
  pass.layer_in.clear();
  pass.cache.assign(static_cast<std::size_t>(c.layers * D), RefCache());
  for (int l = 0; l < c.layers; ++l) {
    pass.layer_in.push_back(x);
    MD out(D * H, TB);
    for (int d = 0; d < D; ++d) {
      const std::size_t k = static_cast<std::size_t>(l * D + d);
      RefCache& cache = pass.cache[k];
      cache.h0 = h0.empty() ? MD::Zero(H, B) : h0[k];
      cache.c0 = c0.empty() ? MD::Zero(H, B) : c0[k];
      RefLayerForward(c.cell, p.rnn[k], x, T, B, d == 1, cache);
      for (int t = 0; t < T; ++t)
        out.block(static_cast<Eigen::Index>(d) * H, static_cast<Eigen::Index>(t) * B, H, B) = cache.h[static_cast<std::size_t>(t)];
    }
    x = out;
  }
  pass.top = x;
  pass.logits = Affine(p.fc_w, pass.top, p.fc_b);
  pass.probs.resize(pass.logits.rows(), TB);
  double total = 0;
  pass.counted = 0;
  for (Eigen::Index j = 0; j < TB; ++j) {
    const double m = pass.logits.col(j).maxCoeff();
    const double lse = m + std::log((pass.logits.col(j).array() - m).exp().sum());
    pass.probs.col(j) = (pass.logits.col(j).array() - lse).exp().matrix();
    const int32_t y = batch.target[static_cast<std::size_t>(j)];
    if (y < 0) continue;
    total += lse - pass.logits(y, j);
    ++pass.counted;
  }
  pass.loss = total / pass.counted;
  return pass.loss;
}

void RefBackward(const ModelConfig& c, const ModelParams<double>& p, const TokenBatch& batch,
                 const RefPass& pass, ModelParams<double>& grad) {
  const int T = batch.T, B = batch.B, D = c.Directions(), H = c.hidden;
  const Eigen::Index TB = static_cast<Eigen::Index>(T) * B;
  MD dlogits = MD::Zero(c.vocab, TB);
  for (Eigen::Index j = 0; j < TB; ++j) {
    const int32_t y = batch.target[static_cast<std::size_t>(j)];
    if (y < 0) continue;
    dlogits.col(j) = pass.probs.col(j) / pass.counted;
    dlogits(y, j) -= 1.0 / pass.counted;
  }
  grad.fc_w += dlogits * pass.top.transpose();
  grad.fc_b += dlogits.rowwise().sum();
  MD dout = p.fc_w.transpose() * dlogits;
  for (int l = c.layers - 1; l >= 0; --l) {
    const MD& x = pass.layer_in[static_cast<std::size_t>(l)];
    MD dx = MD::Zero(x.rows(), TB);
    for (int d = 0; d < D; ++d) {
      const std::size_t k = static_cast<std::size_t>(l * D + d);
      const MD dy = dout.middleRows(static_cast<Eigen::Index>(d) * H, H);
      RefLayerBackward(c.cell, p.rnn[k], grad.rnn[k], x, dy, T, B, pass.cache[k], dx);
    }
    dout = dx;
  }
  if (c.embed > 0)
    for (Eigen::Index j = 0; j < TB; ++j) grad.embedding.row(batch.input[static_cast<std::size_t>(j)]) += dout.col(j).transpose();
}

// Every tensor of a ModelParams, in state_dict order, with its name.
template <class S>
std::vector<std::pair<std::string, Mat<S>*>> Tensors(ModelParams<S>& p) {
  std::vector<std::pair<std::string, Mat<S>*>> out;
  p.ForEach([&](const std::string& name, Mat<S>& m, bool) { out.emplace_back(name, &m); });
  return out;
}

// ------------------------------------------------------------------------- cases

struct Case {
  ModelConfig config;
  bool carried = false;  // random initial state, as a carried-over batch has
  std::string Name() const {
    const ModelConfig& c = config;
    return std::string(CellName(c.cell)) + (c.peephole ? "+peephole" : "") + " H=" + std::to_string(c.hidden) +
           (c.embed > 0 ? " embed" : " one-hot") + " layers=" + std::to_string(c.layers) +
           (c.bidirectional ? " bidir" : "") + (carried ? " carried" : "");
  }
};

std::vector<Case> Cases(const std::vector<int>& hiddens) {
  struct Cell {
    CellKind kind;
    bool peephole;
  };
  const Cell cells[] = {{CellKind::kRnnTanh, false}, {CellKind::kRnnRelu, false}, {CellKind::kJordan, false},
                        {CellKind::kGru, false},     {CellKind::kLstm, false},    {CellKind::kLstm, true}};
  std::vector<Case> cases;
  for (const Cell& cell : cells)
    for (int H : hiddens)
      for (int embed : {0, 9})
        for (int layers : {1, 2})
          for (bool bidir : {false, true}) {
            if (bidir && cell.kind == CellKind::kJordan) continue;  // Jordan has no reverse direction
            Case k;
            k.config.cell = cell.kind;
            k.config.peephole = cell.peephole;
            k.config.vocab = 11;
            k.config.embed = embed;
            k.config.hidden = H;
            k.config.layers = layers;
            k.config.bidirectional = bidir;
            k.carried = embed > 0;  // one-hot cases start from zeros, embedding cases carry a state
            cases.push_back(k);
          }
  return cases;
}

TokenBatch RandomBatch(int T, int B, int vocab, std::mt19937& rng) {
  return test::DrawTokenBatch(T, B, vocab, rng, 7, 3);  // a few ignored positions
}

// Largest |a - b| over all entries, as a fraction of `scale`.
double RelErr(const MD& a, const MD& b, double scale) {
  return a.size() == 0 ? 0.0 : (a - b).cwiseAbs().maxCoeff() / scale;
}

// Float unit roundoff: 2^-24 ≈ 6.0e-8.
constexpr double kFloatU = 5.9604644775390625e-8;

// The engine's forward states, logits, loss and gradients differ from the double reference by
// the float rounding of the chain of dependent operations (per timestep a GEMM sums up to
// D*H + X ≈ 85 products and the fast tanh/logistic approximations are within a few ulps;
// T = 6 steps of up to two layers forward, as many again in BPTT, then sums over T*B columns).
// Measured worst case over all cases: 1.6e-6 ≈ 27 u (baseline, AVX2 and AVX-512 alike; the
// test prints it). 200 u ≈ 1.2e-5, relative to the size of the quantity compared, leaves a
// margin of 7 for other CPUs and compilers; a real error (a wrong sign, a dropped term, a tail
// unit computed differently) is orders of magnitude larger.
constexpr double kForwardTol = 200 * kFloatU;
constexpr double kGradTol = 200 * kFloatU;

struct Worst {
  double forward = 0, loss = 0, grad = 0;
  std::string forward_case, grad_case;
};

void CompareCase(const Case& k, uint64_t seed, Worst& worst) {
  const ModelConfig& c = k.config;
  const int T = 6, B = 8;
  SCOPED_TRACE(k.Name());
  RnnModel<float> model(c, seed);  // the class and initialisation CharLmJob trains
  // Twice PyTorch's init range: pre-activations reach the saturating parts of tanh/logistic.
  model.params.ForEachTensor([](MatF& m) { m *= 2.0f; });
  ModelParams<double> p;
  p.Allocate(c);
  {
    auto f = Tensors(model.params);
    auto d = Tensors(p);
    ASSERT_EQ(f.size(), d.size());
    for (std::size_t i = 0; i < f.size(); ++i) {
      ASSERT_EQ(f[i].second->rows(), d[i].second->rows()) << f[i].first;
      ASSERT_EQ(f[i].second->cols(), d[i].second->cols()) << f[i].first;
      *d[i].second = f[i].second->cast<double>();  // the same weights, exactly
    }
  }
  std::mt19937 rng(static_cast<unsigned>(seed * 7919 + 1));
  const TokenBatch batch = RandomBatch(T, B, c.vocab, rng);
  RecurrentState<float> init;
  std::vector<MD> h0, c0;
  if (k.carried) {
    std::normal_distribution<float> n(0.0f, 0.5f);
    for (int i = 0; i < c.layers * c.Directions(); ++i) {
      MatF h(c.hidden, B), cs(c.hidden, B);
      for (Eigen::Index j = 0; j < h.size(); ++j) h.data()[j] = n(rng), cs.data()[j] = n(rng);
      init.h.push_back(h);
      h0.push_back(h.cast<double>());
      if (HasCellState(c.cell)) {
        init.c.push_back(cs);
        c0.push_back(cs.cast<double>());
      }
    }
  }

  ForwardPass<float> pass;
  const float loss = model.Forward(batch, k.carried ? &init : nullptr, pass);
  model.grads.SetZero();
  model.Backward(batch, pass);

  RefPass ref;
  const double ref_loss = RefForward(c, p, batch, h0, c0, ref);
  ModelParams<double> g;
  g.Allocate(c);
  RefBackward(c, p, batch, ref, g);

  // Forward: every layer/direction's h_t (and c_t), logits, loss.
  const int D = c.Directions();
  double fwd = 0;
  for (int l = 0; l < c.layers; ++l)
    for (int d = 0; d < D; ++d) {
      const std::size_t ki = static_cast<std::size_t>(l * D + d);
      const LayerCache<float>& e = pass.layers[ki];
      const RefCache& r = ref.cache[ki];
      for (int t = 0; t < T; ++t) {
        const MD h = e.h.middleCols(e.OutCol(t), B).cast<double>();
        const double scale = std::max(1.0, r.h[static_cast<std::size_t>(t)].cwiseAbs().maxCoeff());
        const double err = RelErr(h, r.h[static_cast<std::size_t>(t)], scale);
        EXPECT_LT(err, kForwardTol) << "h of layer " << l << " direction " << d << " at t=" << t;
        fwd = std::max(fwd, err);
        if (HasCellState(c.cell)) {
          const MD cs = e.c.middleCols(e.OutCol(t), B).cast<double>();
          const double cscale = std::max(1.0, r.c[static_cast<std::size_t>(t)].cwiseAbs().maxCoeff());
          const double cerr = RelErr(cs, r.c[static_cast<std::size_t>(t)], cscale);
          EXPECT_LT(cerr, kForwardTol) << "c of layer " << l << " direction " << d << " at t=" << t;
          fwd = std::max(fwd, cerr);
        }
      }
    }
  const double lerr = RelErr(pass.logits.cast<double>(), ref.logits, std::max(1.0, ref.logits.cwiseAbs().maxCoeff()));
  EXPECT_LT(lerr, kForwardTol) << "logits";
  fwd = std::max(fwd, lerr);
  EXPECT_EQ(pass.counted, ref.counted);
  const double loss_err = std::abs(static_cast<double>(loss) - ref_loss) / std::max(1.0, ref_loss);
  EXPECT_LT(loss_err, kForwardTol) << "loss " << loss << " vs " << ref_loss;

  // Gradients: each tensor relative to its own largest entry (so a small tensor's error is not
  // hidden by a large one), with a floor of 1% of the largest entry of any tensor (a tensor
  // whose gradient is tiny, e.g. dead ReLU units, is then measured against the model's scale).
  auto ge = Tensors(model.grads);
  auto gr = Tensors(g);
  ASSERT_EQ(ge.size(), gr.size());
  double global = 0;
  for (auto& [name, m] : gr) global = std::max(global, m->cwiseAbs().maxCoeff());
  ASSERT_GT(global, 0.0);
  double gw = 0;
  for (std::size_t i = 0; i < ge.size(); ++i) {
    const MD& r = *gr[i].second;
    const double scale = std::max(r.cwiseAbs().maxCoeff(), 0.01 * global);
    const double err = RelErr(ge[i].second->cast<double>(), r, scale);
    EXPECT_LT(err, kGradTol) << "gradient of " << ge[i].first << " (largest entry " << r.cwiseAbs().maxCoeff() << ")";
    gw = std::max(gw, err);
  }
  if (fwd > worst.forward) worst.forward = fwd, worst.forward_case = k.Name();
  if (gw > worst.grad) worst.grad = gw, worst.grad_case = k.Name();
  worst.loss = std::max(worst.loss, loss_err);
}

const char* IsaName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kBaseline: return "baseline (SSE2)";
    case SimdLevel::kAvx2: return "AVX2";
    case SimdLevel::kAvx512: return "AVX-512";
  }
  return "?";
}

TEST(FloatPathReference, RunsOnTheInstructionSetAsked) {
  const char* cap = std::getenv("RNNSCOPE_SIMD");
  std::printf("float path on %s%s%s\n", IsaName(GemmIsa()), cap ? ", RNNSCOPE_SIMD=" : "", cap ? cap : "");
  if (cap && std::strcmp(cap, "baseline") == 0) EXPECT_EQ(GemmIsa(), SimdLevel::kBaseline);
}

TEST(FloatPathReference, EveryCellSizeAndStackMatchesTheDoubleReference) {
  // 13: less than one 16-float packet, 8 + 5 tail; 16: whole packets of 4, 8, 16; 19: a 3-float
  // tail for every packet width; 32: whole packets; 37: 32 + 5 / 36 + 1 tails.
  const std::vector<Case> cases = Cases({13, 16, 19, 32, 37});
  // Two engine threads whatever the machine: with B = 8 the time loops run as two batch slices
  // (recurrent_layer.cpp), as training does with B = 32 on a multi-core machine.
  SetEngineThreadsForThisThread(2);
  Worst worst;
  uint64_t seed = 1;
  for (const Case& k : cases) CompareCase(k, seed++, worst);
  SetEngineThreadsForThisThread(0);
  std::printf("%zu cases on %s: worst forward %.2e (%s), loss %.2e, gradient %.2e (%s); tolerance %.2e\n",
              cases.size(), IsaName(GemmIsa()), worst.forward, worst.forward_case.c_str(), worst.loss,
              worst.grad, worst.grad_case.c_str(), kGradTol);
}

// The reference's hand-written BPTT against central differences of the reference forward, every
// parameter entry, for every cell, stack and input kind at a small size (H = 3: the equations,
// not the sizes, are what is checked here). eps = 1e-5 in double: truncation ~eps² and rounding
// ~1e-16/eps are both below 1e-9; measured worst 1.6e-7 relative (printed), bound 1e-6.
TEST(FloatPathReference, ReferenceBackwardMatchesFiniteDifferences) {
  double worst = 0;
  uint64_t seed = 100;
  for (Case k : Cases({3})) {
    SCOPED_TRACE(k.Name());
    const ModelConfig& c = k.config;
    const int T = 4, B = 2;
    ModelParams<double> p;
    p.InitRandom(c, seed);
    p.ForEachTensor([](MD& m) { m *= 2.0; });
    std::mt19937 rng(static_cast<unsigned>(seed++));
    const TokenBatch batch = RandomBatch(T, B, c.vocab, rng);
    std::vector<MD> h0, c0;
    if (k.carried) {
      std::normal_distribution<double> n(0.0, 0.5);
      for (int i = 0; i < c.layers * c.Directions(); ++i) {
        MD h(c.hidden, B), cs(c.hidden, B);
        for (Eigen::Index j = 0; j < h.size(); ++j) h.data()[j] = n(rng), cs.data()[j] = n(rng);
        h0.push_back(h);
        if (HasCellState(c.cell)) c0.push_back(cs);
      }
    }
    RefPass pass;
    RefForward(c, p, batch, h0, c0, pass);
    ModelParams<double> g;
    g.Allocate(c);
    RefBackward(c, p, batch, pass, g);
    auto pt = Tensors(p);
    auto gt = Tensors(g);
    for (std::size_t i = 0; i < pt.size(); ++i) {
      MD& w = *pt[i].second;
      for (Eigen::Index j = 0; j < w.size(); ++j) {
        const double eps = 1e-5, keep = w.data()[j];
        RefPass scratch;
        w.data()[j] = keep + eps;
        const double up = RefForward(c, p, batch, h0, c0, scratch);
        w.data()[j] = keep - eps;
        const double down = RefForward(c, p, batch, h0, c0, scratch);
        w.data()[j] = keep;
        const double fd = (up - down) / (2 * eps), an = gt[i].second->data()[j];
        const double err = std::abs(fd - an) / (1e-3 + std::abs(fd));
        EXPECT_LT(err, 1e-6) << pt[i].first << "[" << j << "] fd " << fd << " bptt " << an;
        worst = std::max(worst, err);
      }
    }
  }
  std::printf("reference BPTT vs finite differences: worst relative error %.2e\n", worst);
}

}  // namespace
}  // namespace rnnscope
