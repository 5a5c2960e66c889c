#include "model/recurrent_layer.h"

#include <algorithm>
#include <type_traits>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "model/cell.h"
#include "model/gemm.h"

namespace rnnscope {

namespace {

// W_ih x_t + b_ih for all timesteps of a dense input: one GEMM.
template <class S>
void ProjectDenseInput(const LayerParams<S>& p, const LayerInput<S>& input, Mat<S>& gates) {
  Gemm<S>(gates, p.w_ih, false, *input.dense, false, S(1), S(0));  // (G*H, T*B) = (G*H, X)(X, T*B)
  gates.colwise() += p.b_ih.col(0);
}

// W_ih x_t + b_ih for one-hot input, columns [first, first + count): a gather and the bias in
// one pass. Done per timestep, just before that step's recurrent GEMM adds W_hh h_{t-1}, so the
// GEMM finds the block in cache; gathering all T*B columns up front wrote the whole (G*H, T*B)
// matrix (8 MB for an LSTM H=256, B=32, T=64) only for every step to read it back from memory.
template <class S>
void GatherTokenInput(const LayerParams<S>& p, const LayerInput<S>& input, Mat<S>& gates,
                      Eigen::Index first, Eigen::Index count) {
  for (Eigen::Index j = first; j < first + count; ++j)
    gates.col(j) = p.w_ih.col(input.tokens[static_cast<std::size_t>(j)]) + p.b_ih.col(0);
}

// Threads across the batch: with EngineThreads() = n > 1 (model/gemm.h), the time loops run as n
// independent column slices of the batch, one per thread, with no synchronisation per timestep
// (splitting each step's small GEMM instead costs a fork/join per step, and a preempted thread
// on a busy machine stalls every step). Sequences in a batch are independent, so the result is
// the same up to GEMM rounding. A slice keeps at least kMinSlice columns.
constexpr int kMinSlice = 4;

int BatchSlices(int B) {
#ifdef _OPENMP
  if (omp_in_parallel()) return 1;
  return std::max(1, std::min(EngineThreads(), B / kMinSlice));
#else
  (void)B;
  return 1;
#endif
}

// Runs fn(i, b0, nb) for each slice i of `slices` column ranges [b0, b0 + nb) of a batch of B,
// in parallel.
template <class F>
void ForEachSlice(int B, int slices, const F& fn) {
  if (slices <= 1) {
    fn(0, 0, B);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(slices) schedule(static, 1)
#endif
  for (int i = 0; i < slices; ++i) {
    const int b0 = B * i / slices, b1 = B * (i + 1) / slices;
    fn(i, b0, b1 - b0);
  }
}

constexpr int kPinPasses = 4;

// Which pass of Intervene/MaskInterventionGradients a clamp or pin belongs to: GRU r pins
// first (they recompute n, which a later n pin may then replace), other gate pins, cell
// clamps, hidden clamps last (what the next layer and timestep see is the clamped h).
template <class S, class Cell>
int PinPass(const UnitIntervention& iv) {
  if (iv.target == InterventionTarget::kGate) return std::is_same_v<Cell, GruCell<S>> && iv.gate == 0 ? 0 : 1;
  return iv.target == InterventionTarget::kCell ? 2 : 3;
}

// Applies k.interventions at timestep t (see model/intervention.h for what each pin means),
// recomputing what depends on the pinned value within the step.
template <class S, class Cell>
void Intervene(const LayerParams<S>& p, LayerCache<S>& k, int t) {
  const Eigen::Index H = k.h.rows(), B = k.B, col = static_cast<Eigen::Index>(t) * B;
  const Eigen::Index out = k.OutCol(t), prev = k.PrevCol(t);
  constexpr bool kLstm = std::is_same_v<Cell, LstmCell<S>>;
  constexpr bool kGru = std::is_same_v<Cell, GruCell<S>>;
  constexpr bool kJordan = std::is_same_v<Cell, JordanCell<S>>;
  const Eigen::Index G = k.gates.rows() / H;
  for (int pass = 0; pass < kPinPasses; ++pass) {
    for (const UnitIntervention& iv : k.interventions) {
      if (PinPass<S, Cell>(iv) != pass || iv.unit >= H) continue;
      const Eigen::Index u0 = iv.unit < 0 ? 0 : iv.unit, n = iv.unit < 0 ? H : 1;
      const S v = static_cast<S>(iv.value);
      auto gate = [&](Eigen::Index g) { return k.gates.block(g * H + u0, col, n, B).array(); };
      auto h = k.h.block(u0, out, n, B).array();
      if (pass <= 1) {
        if (iv.gate < 0 || iv.gate >= G) continue;
        gate(iv.gate).setConstant(v);
        if constexpr (kLstm) {  // c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
          auto c = k.c.block(u0, out, n, B).array();
          c = gate(1) * k.c.block(u0, prev, n, B).array() + gate(0) * gate(2);
          h = gate(3) * c.tanh();
        } else if constexpr (kGru) {
          // r: n = tanh(W_in x + b_in + r ⊙ (W_hn h_{t-1} + b_hn)) from the stashed input part
          // and aux; then h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}.
          if (iv.gate == 0) gate(2) = (k.pin_input.middleRows(u0, n).array() + v * k.aux.block(u0, col, n, B).array()).tanh();
          h = (1 - gate(1)) * gate(2) + gate(1) * k.h.block(u0, prev, n, B).array();
        } else if constexpr (kJordan) {  // y_t = tanh(W_hy u_t + b_hy): every output sees u
          auto y = k.h.middleCols(out, B);
          y.noalias() = p.w_hy * k.gates.middleCols(col, B);
          y.colwise() += p.b_hy.col(0);
          y = y.array().tanh().matrix();
        } else {  // Elman: the gate is h
          h = gate(0);
        }
      } else if (pass == 2) {
        if constexpr (kLstm) {
          auto c = k.c.block(u0, out, n, B).array();
          c.setConstant(v);
          h = gate(3) * c.tanh();
        }
      } else {
        h.setConstant(v);
      }
    }
  }
}

// GRU r pins: saves the step's W_in x + b_in (the n rows of `gates` before the cell runs), the
// part of n's pre-activation that the cell does not keep.
template <class S, class Cell>
void StashPinInput(LayerCache<S>& k, int t) {
  if constexpr (std::is_same_v<Cell, GruCell<S>>) {
    const bool r_pin = std::any_of(k.interventions.begin(), k.interventions.end(), [](const UnitIntervention& iv) {
      return iv.target == InterventionTarget::kGate && iv.gate == 0;
    });
    if (!r_pin) return;
    const Eigen::Index H = k.h.rows();
    k.pin_input = k.gates.block(2 * H, static_cast<Eigen::Index>(t) * k.B, H, k.B);
  }
}

// Backward through the pins, exactly: a pinned value is a constant, so nothing that computed
// it gets a gradient from it. Before the cell's backward (`before`): a clamped h_t passes no
// ∂L/∂h_t into its cell. After it: a pinned gate's pre-activation gradient is zero (GRU: an n
// pin also cuts r, which acts only through n); a clamped LSTM c_t passes nothing to i, f, g or
// c_{t-1} (o still gets tanh(c_t) ⊙ ∂L/∂h_t). Columns [b0, b0 + nb) of the batch. Peephole
// LSTMs are the exception: their peephole weights see a gate's gradient inside the cell's
// backward, before this mask, so pins on them are approximate there.
template <class S, class Cell>
void MaskPinnedGradients(LayerCache<S>& k, int t, Eigen::Index b0, Eigen::Index nb, bool before) {
  const Eigen::Index H = k.h.rows(), col = static_cast<Eigen::Index>(t) * k.B + b0;
  constexpr bool kLstm = std::is_same_v<Cell, LstmCell<S>>;
  constexpr bool kGru = std::is_same_v<Cell, GruCell<S>>;
  const Eigen::Index G = k.gates.rows() / H;
  for (const UnitIntervention& iv : k.interventions) {
    if (iv.unit >= H) continue;
    const Eigen::Index u0 = iv.unit < 0 ? 0 : iv.unit, n = iv.unit < 0 ? H : 1;
    auto cut = [&](Eigen::Index g) {
      k.d_ih.block(g * H + u0, col, n, nb).setZero();
      if constexpr (kGru) k.d_hh.block(g * H + u0, col, n, nb).setZero();
    };
    if (iv.target == InterventionTarget::kHidden) {
      if (before) k.dh.block(u0, b0, n, nb).setZero();
    } else if (before) {
      continue;
    } else if (iv.target == InterventionTarget::kGate) {
      if (iv.gate < 0 || iv.gate >= G) continue;
      cut(iv.gate);
      if (kGru && iv.gate == 2) cut(0);
    } else if constexpr (kLstm) {  // cell clamp
      for (Eigen::Index g : {0, 1, 2}) cut(g);
      k.dc.block(u0, b0, n, nb).setZero();
    }
  }
}

template <class S, class Cell>
void ForwardWith(const LayerParams<S>& p, const LayerInput<S>& input, const Mat<S>* h0,
                 const Mat<S>* c0, LayerCache<S>& k) {
  const int T = k.T, B = k.B;
  const bool one_hot = input.dense == nullptr;
  if (!one_hot) ProjectDenseInput(p, input, k.gates);
  if (h0) k.h.middleCols(k.InitCol(), B) = *h0;
  else k.h.middleCols(k.InitCol(), B).setZero();
  if (k.c.size() > 0) {
    if (c0) k.c.middleCols(k.InitCol(), B) = *c0;
    else k.c.middleCols(k.InitCol(), B).setZero();
  }
  const bool has_c = k.c.size() > 0;
  // Non-LSTM cells ignore c; hand them the h blocks so every Ref binds to valid memory.
  Mat<S>& cstore = has_c ? k.c : k.h;
  const bool has_aux = k.aux.size() > 0;
  // Interventions act on the whole batch at a timestep: keep those runs on one thread.
  const int slices = k.interventions.empty() ? BatchSlices(B) : 1;
  k.w_hh_packed.Pack(p.w_hh, false, B / slices);  // (G*H, H), read by every timestep of every slice
  ForEachSlice(B, slices, [&](int /*slice*/, Eigen::Index b0, Eigen::Index nb) {
    for (int s = 0; s < T; ++s) {
      const int t = k.reverse ? T - 1 - s : s;
      const Eigen::Index col = static_cast<Eigen::Index>(t) * B + b0;
      if (one_hot) GatherTokenInput(p, input, k.gates, col, nb);
      if (!k.interventions.empty()) StashPinInput<S, Cell>(k, t);
      Cell::Forward(p, k.h.middleCols(k.PrevCol(t) + b0, nb), cstore.middleCols(k.PrevCol(t) + b0, nb),
                    k.gates.middleCols(col, nb), k.aux.middleCols(has_aux ? col : 0, has_aux ? nb : 0),
                    k.h.middleCols(k.OutCol(t) + b0, nb), cstore.middleCols(k.OutCol(t) + b0, nb),
                    &k.w_hh_packed);
      if (!k.interventions.empty()) Intervene<S, Cell>(p, k, t);
    }
  });
}

template <class S, class Cell>
void BackwardWith(const LayerParams<S>& p, LayerParams<S>& grad, const LayerInput<S>& input,
                  const Mat<S>* dy, const Mat<S>* dh_final, const Mat<S>* dc_final,
                  LayerCache<S>& k, Mat<S>* dx, Mat<S>* dh0, Mat<S>* dc0) {
  const int T = k.T, B = k.B;
  const Eigen::Index H = p.w_hh.cols();
  const bool has_c = k.c.size() > 0;
  if (dh_final) k.dh = *dh_final;
  else k.dh.setZero(H, B);
  if (dc_final && has_c) k.dc = *dc_final;
  else k.dc.setZero(H, B);
  k.dh_direct.resize(H, B);
  Mat<S>& d_hh_store = Cell::kSeparateHh ? k.d_hh : k.d_ih;
  Mat<S>& cstore = has_c ? k.c : k.h;
  const bool has_aux = k.aux.size() > 0;
  // Cells that accumulate parameter gradients inside Backward (Jordan's W_hy, LSTM peepholes)
  // would race across slices: those run on one thread.
  const bool step_grads = p.w_peep.size() > 0 || p.w_hy.size() > 0;
  const int slices = step_grads ? 1 : BatchSlices(B);
  k.w_hh_packed.Pack(p.w_hh, true, B / slices);  // W_hhᵀ (H, G*H) for ∂L/∂h_{t-1} at every timestep
  // Per-slice squared norms (T, 2·slices): dh in column i, dc in column slices + i.
  k.norm_sq.resize(T, 2 * slices);
  // Per-slice bias-gradient sums: d_ih in column i, GRU's d_hh in column slices + i.
  k.bias_partial.setZero(k.d_ih.rows(), Cell::kSeparateHh ? 2 * slices : slices);
  // One-hot input: ∂L/∂W_ih is a scatter of d_ih's columns into the tokens' columns. On one
  // thread it runs per timestep while the step's d_ih is in cache; gathering it after the loop
  // re-read the whole (G*H, T*B) d_ih (8 MB for an LSTM H=256, B=32, T=64). Slices would race
  // on a token both of them see, so with several the scatter stays after the loop.
  const bool scatter_per_step = input.dense == nullptr && slices == 1;
  ForEachSlice(B, slices, [&](int slice, Eigen::Index b0, Eigen::Index nb) {
    auto dh = k.dh.middleCols(b0, nb);
    auto dc = k.dc.middleCols(b0, nb);
    auto dh_direct = k.dh_direct.middleCols(b0, nb);
    auto add_columns = [nb](const auto& block, auto sum) {
      for (Eigen::Index j = 0; j < nb; ++j) sum += block.col(j);
    };
    for (int s = 0; s < T; ++s) {
      const int t = k.reverse ? s : T - 1 - s;  // reverse of the processing order
      const Eigen::Index col = static_cast<Eigen::Index>(t) * B + b0;
      if (dy) dh += dy->middleCols(col, nb);
      k.norm_sq(t, slice) = dh.squaredNorm();
      StepNorms<S> norms;
      if (!k.interventions.empty()) MaskPinnedGradients<S, Cell>(k, t, b0, nb, /*before=*/true);
      Cell::Backward(p, grad, k.h.middleCols(k.PrevCol(t) + b0, nb), cstore.middleCols(k.PrevCol(t) + b0, nb),
                     k.gates.middleCols(col, nb), k.aux.middleCols(has_aux ? col : 0, has_aux ? nb : 0),
                     k.h.middleCols(k.OutCol(t) + b0, nb), cstore.middleCols(k.OutCol(t) + b0, nb), dh, dc,
                     k.d_ih.middleCols(col, nb), d_hh_store.middleCols(col, nb), dh_direct, norms);
      if (!k.interventions.empty()) MaskPinnedGradients<S, Cell>(k, t, b0, nb, /*before=*/false);
      k.norm_sq(t, slices + slice) = norms.dc_norm * norms.dc_norm;
      add_columns(k.d_ih.middleCols(col, nb), k.bias_partial.col(slice));
      // GRU: d_hh's r and z rows are d_ih's (W_ih x and W_hh h enter r and z as a plain sum);
      // only the n rows (r ⊙ dn) need a sum of their own.
      if (Cell::kSeparateHh)
        add_columns(k.d_hh.middleCols(col, nb).bottomRows(H), k.bias_partial.col(slices + slice).bottomRows(H));
      if (scatter_per_step)
        for (Eigen::Index j = col; j < col + nb; ++j)
          grad.w_ih.col(input.tokens[static_cast<std::size_t>(j)]) += k.d_ih.col(j);
      // ∂L/∂h_{t-1} = W_hhᵀ d_hh (+ the GRU's direct z ⊙ dh path, which the GEMM adds to)
      if (Cell::kSeparateHh) dh = dh_direct;
      Gemm<S>(dh, k.w_hh_packed, d_hh_store.middleCols(col, nb), S(1), Cell::kSeparateHh ? S(1) : S(0));  // (H, nb)
    }
  });
  // ‖∂L/∂h_t‖, ‖∂L/∂c_t‖ over the whole batch from the slices' squared norms.
  k.dh_norm = k.norm_sq.leftCols(slices).rowwise().sum().cwiseSqrt();
  if (has_c) k.dc_norm = k.norm_sq.rightCols(slices).rowwise().sum().cwiseSqrt();
  // Parameter gradients for all timesteps at once.
  Gemm<S>(grad.w_hh, d_hh_store, false, k.Previous(), true, S(1), S(1));  // (G*H, H) += (G*H, TB)(TB, H)
  // LSTM/Elman: d_hh is d_ih, so both bias gradients are the same sum.
  k.bias_sum = k.bias_partial.leftCols(slices).rowwise().sum();  // (G*H) Σ d_ih
  if (Cell::kSeparateHh) {
    const Eigen::Index GH = k.d_ih.rows();
    grad.b_hh.topRows(GH - H) += k.bias_sum.topRows(GH - H);
    grad.b_hh.bottomRows(H) += k.bias_partial.rightCols(slices).bottomRows(H).rowwise().sum();
  }
  if (input.dense != nullptr) {
    Gemm<S>(grad.w_ih, k.d_ih, false, *input.dense, true, S(1), S(1));  // (G*H, X) += (G*H, TB)(TB, X)
    if (dx) Gemm<S>(*dx, p.w_ih, true, k.d_ih, false, S(1), S(0));       // (X, TB) = (X, G*H)(G*H, TB)
  } else if (!scatter_per_step) {
    for (Eigen::Index j = 0; j < k.d_ih.cols(); ++j)
      grad.w_ih.col(input.tokens[static_cast<std::size_t>(j)]) += k.d_ih.col(j);
  }
  grad.b_ih += k.bias_sum;
  if (!Cell::kSeparateHh) grad.b_hh += k.bias_sum;  // ∂L/∂b_ih = ∂L/∂b_hh
  if (dh0) *dh0 = k.dh;
  if (dc0) {
    if (has_c) *dc0 = k.dc;
    else dc0->setZero(H, B);
  }
}

template <class S>
void Allocate(CellKind kind, const LayerParams<S>& p, int T, int B, bool reverse, LayerCache<S>& k) {
  const Eigen::Index GH = p.w_hh.rows(), H = p.w_hh.cols();
  const Eigen::Index TB = static_cast<Eigen::Index>(T) * B;
  k.T = T;
  k.B = B;
  k.reverse = reverse;
  // Eigen's resize is a no-op when the size is unchanged: steady-state training never allocates.
  k.gates.resize(GH, TB);
  k.h.resize(H, TB + B);
  if (kind == CellKind::kLstm) k.c.resize(H, TB + B);
  else k.c.resize(0, 0);
  if (kind == CellKind::kGru) k.aux.resize(H, TB);
  else k.aux.resize(0, 0);
}

}  // namespace

template <class S>
void LayerForward(CellKind kind, const LayerParams<S>& p, const LayerInput<S>& input, int T, int B,
                  bool reverse, const Mat<S>* h0, const Mat<S>* c0, LayerCache<S>& cache) {
  Allocate(kind, p, T, B, reverse, cache);
  switch (kind) {
    case CellKind::kLstm: ForwardWith<S, LstmCell<S>>(p, input, h0, c0, cache); break;
    case CellKind::kGru: ForwardWith<S, GruCell<S>>(p, input, h0, c0, cache); break;
    case CellKind::kRnnTanh: ForwardWith<S, ElmanCell<S, false>>(p, input, h0, c0, cache); break;
    case CellKind::kRnnRelu: ForwardWith<S, ElmanCell<S, true>>(p, input, h0, c0, cache); break;
    case CellKind::kJordan: ForwardWith<S, JordanCell<S>>(p, input, h0, c0, cache); break;
  }
}

template <class S>
void LayerBackward(CellKind kind, const LayerParams<S>& p, LayerParams<S>& grad,
                   const LayerInput<S>& input, const Mat<S>* dy, const Mat<S>* dh_final,
                   const Mat<S>* dc_final, LayerCache<S>& cache, Mat<S>* dx, Mat<S>* dh0,
                   Mat<S>* dc0) {
  const Eigen::Index TB = static_cast<Eigen::Index>(cache.T) * cache.B;
  cache.d_ih.resize(cache.gates.rows(), TB);
  if (kind == CellKind::kGru) cache.d_hh.resize(cache.gates.rows(), TB);
  cache.dh_norm.resize(cache.T);
  if (kind == CellKind::kLstm) cache.dc_norm.resize(cache.T);
  else cache.dc_norm.resize(0);
  if (dx) dx->resize(p.w_ih.cols(), TB);
  switch (kind) {
    case CellKind::kLstm:
      BackwardWith<S, LstmCell<S>>(p, grad, input, dy, dh_final, dc_final, cache, dx, dh0, dc0);
      break;
    case CellKind::kGru:
      BackwardWith<S, GruCell<S>>(p, grad, input, dy, dh_final, dc_final, cache, dx, dh0, dc0);
      break;
    case CellKind::kRnnTanh:
      BackwardWith<S, ElmanCell<S, false>>(p, grad, input, dy, dh_final, dc_final, cache, dx, dh0, dc0);
      break;
    case CellKind::kRnnRelu:
      BackwardWith<S, ElmanCell<S, true>>(p, grad, input, dy, dh_final, dc_final, cache, dx, dh0, dc0);
      break;
    case CellKind::kJordan:
      BackwardWith<S, JordanCell<S>>(p, grad, input, dy, dh_final, dc_final, cache, dx, dh0, dc0);
      break;
  }
}

template void LayerForward<float>(CellKind, const LayerParams<float>&, const LayerInput<float>&, int,
                                  int, bool, const MatF*, const MatF*, LayerCache<float>&);
template void LayerForward<double>(CellKind, const LayerParams<double>&, const LayerInput<double>&,
                                   int, int, bool, const MatD*, const MatD*, LayerCache<double>&);
template void LayerBackward<float>(CellKind, const LayerParams<float>&, LayerParams<float>&,
                                   const LayerInput<float>&, const MatF*, const MatF*, const MatF*,
                                   LayerCache<float>&, MatF*, MatF*, MatF*);
template void LayerBackward<double>(CellKind, const LayerParams<double>&, LayerParams<double>&,
                                    const LayerInput<double>&, const MatD*, const MatD*,
                                    const MatD*, LayerCache<double>&, MatD*, MatD*, MatD*);

}  // namespace rnnscope
