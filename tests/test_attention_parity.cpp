// Attention against PyTorch: one masked step of additive, dot and general attention, forward
// (weights, context) and every gradient (query, keys, parameters), compared tensor by tensor
// with goldens written by tests/parity/make_attention_goldens.py.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "model/attention.h"

namespace rnnscope {
namespace {

MatD FromRows(const nlohmann::json& rows) {
  MatD m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.at(0).size()));
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c) m(r, c) = rows.at(static_cast<std::size_t>(r)).at(static_cast<std::size_t>(c)).get<double>();
  return m;
}

void ExpectClose(const MatD& got, const MatD& want, const std::string& what) {
  ASSERT_EQ(got.rows(), want.rows()) << what;
  ASSERT_EQ(got.cols(), want.cols()) << what;
  EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-10) << what << "\ngot\n" << got << "\nwant\n" << want;
}

TEST(AttentionParity, MatchesPyTorch) {
  std::ifstream in(std::string(RNNSCOPE_SOURCE_DIR) + "/tests/parity/attention_goldens.json");
  ASSERT_TRUE(in) << "missing goldens: run /usr/bin/python3 tests/parity/make_attention_goldens.py";
  const nlohmann::json goldens = nlohmann::json::parse(in);
  ASSERT_EQ(goldens.at("cases").size(), 3u);
  for (const auto& g : goldens.at("cases")) {
    const std::string name = g.at("kind");
    const AttentionKind kind = ParseAttentionKind(name);
    const int Ts = g.at("Ts"), B = g.at("B"), C = g.at("C"), Hq = g.at("Hq"), A = g.at("A");
    const std::vector<int> lengths = g.at("lengths");
    AttentionParams<double> p, grad;
    p.Allocate(kind, Hq, C, A);
    grad.Allocate(kind, Hq, C, A);
    const auto& ps = g.at("params");
    if (ps.contains("w_query")) p.w_query = FromRows(ps.at("w_query"));
    if (ps.contains("w_key")) p.w_key = FromRows(ps.at("w_key"));
    if (ps.contains("v")) p.v = FromRows(ps.at("v"));
    if (ps.contains("w_general")) p.w_general = FromRows(ps.at("w_general"));
    const MatD keys = FromRows(g.at("keys")), query = FromRows(g.at("query"));
    AttentionCache<double> cache;
    AttentionBegin<double>(kind, p, keys, Ts, B, 1, lengths, cache);
    MatD context(C, B), dq(Hq, B);
    AttentionStep<double>(kind, p, keys, query, 0, cache, context);
    ExpectClose(cache.alpha, FromRows(g.at("alpha")), name + " alpha");
    ExpectClose(context, FromRows(g.at("context")), name + " context");
    AttentionBackwardBegin<double>(kind, keys, cache);
    AttentionStepBackward<double>(kind, p, grad, keys, 0, FromRows(g.at("d_context")), cache, dq);
    AttentionBackwardEnd<double>(kind, p, grad, keys, 1, cache);
    ExpectClose(dq, FromRows(g.at("d_query")), name + " d_query");
    ExpectClose(cache.d_keys, FromRows(g.at("d_keys")), name + " d_keys");
    const auto& dp = g.at("d_params");
    if (dp.contains("w_query")) ExpectClose(grad.w_query, FromRows(dp.at("w_query")), name + " d_w_query");
    if (dp.contains("w_key")) ExpectClose(grad.w_key, FromRows(dp.at("w_key")), name + " d_w_key");
    if (dp.contains("v")) ExpectClose(grad.v, FromRows(dp.at("v")), name + " d_v");
    if (dp.contains("w_general")) ExpectClose(grad.w_general, FromRows(dp.at("w_general")), name + " d_w_general");
  }
}

}  // namespace
}  // namespace rnnscope
