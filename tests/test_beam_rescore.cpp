// Beam search with width > 1 against the ordinary teacher-forced forward: each returned
// hypothesis's score must be the log-probability the model gives exactly that output sequence
// when it is fed as the target. The score is the plain sum over the hypothesis's tokens of
// log softmax(logits)[token] (no length normalisation), <eos> included when the hypothesis ends
// with it; a hypothesis cut off at max_len has max_len tokens and no <eos>. Also: the beam is
// sorted best first, its hypotheses are distinct, <eos> only ever ends one, and each one's
// attention rows are those of the teacher-forced pass.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "model/seq2seq.h"

namespace rnnscope {
namespace {

struct Case {
  std::string name;
  Seq2SeqConfig config;
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (CellKind cell : {CellKind::kGru, CellKind::kLstm})
    for (AttentionKind a : {AttentionKind::kNone, AttentionKind::kAdditive, AttentionKind::kDot,
                            AttentionKind::kGeneral})
      for (ContextMode m : {ContextMode::kInit, ContextMode::kBoth})
        for (bool bidir : {false, true}) {
          Seq2SeqConfig c;
          c.encoder_cell = c.decoder_cell = cell;
          c.source_vocab = 9;
          c.target_vocab = 10;
          c.embed = 6;
          c.encoder_hidden = 7;
          c.decoder_hidden = a == AttentionKind::kDot ? (bidir ? 14 : 7) : 11;  // dot: Hd = C
          c.bidirectional = bidir;
          c.attention = a;
          c.attention_size = 5;
          c.context = m;
          c.tie_embeddings = bidir && m == ContextMode::kBoth;  // both output layers
          cases.push_back({std::string(CellName(cell)) + "_" + std::string(AttentionName(a)) + "_" +
                               ContextModeName(m) + (bidir ? "_bi" : "") + (c.tie_embeddings ? "_tied" : ""),
                           c});
        }
  return cases;
}

// Σ_i log softmax(logits_i)[y_i] of the teacher-forced pass over exactly `tokens`, in double.
template <class S>
double TeacherForcedLogProb(const Seq2SeqModel<S>& model, const std::vector<int32_t>& source,
                            const std::vector<int32_t>& tokens, Seq2SeqPass<S>& pass) {
  Seq2SeqBatch batch;
  batch.Ts = static_cast<int>(source.size());
  batch.B = 1;
  batch.source = source;
  batch.source_length = {batch.Ts};
  batch.To = static_cast<int>(tokens.size());
  batch.target = tokens;
  model.Forward(batch, 1.0f, nullptr, pass);
  double total = 0;
  for (int i = 0; i < batch.To; ++i) {
    const Vec<double> z = pass.logits.col(i).template cast<double>();
    const double m = z.maxCoeff();
    total += z(tokens[static_cast<std::size_t>(i)]) - (m + std::log((z.array() - m).exp().sum()));
  }
  return total;
}

struct Counts {
  int finished = 0, cut = 0, mixed = 0;  // hypotheses ending in <eos>, at max_len; beams with both
  double worst = 0;                      // largest |score − teacher-forced log-probability|
};

// tol: on the score (a sum of up to max_len log-probabilities) and on attention weights.
template <class S>
void CheckBeams(const Case& k, double tol, Counts& counts) {
  SCOPED_TRACE(k.name);
  const Seq2SeqConfig& c = k.config;
  Seq2SeqModel<S> model(c, 17);
  Rng rng(5);
  const int max_len = 7;
  const S eos_bias = model.params.fc_b(c.eos_id, 0);
  for (int s = 0; s < 6; ++s) {
    // <eos>'s bias shifted per source so that beams end early, run into max_len, or both
    // (finished hypotheses then compete with live ones).
    const S eos_shift[] = {S(1.5), S(0), S(-1), S(-2), S(-1.5), S(0.5)};
    model.params.fc_b(c.eos_id, 0) = eos_bias + eos_shift[s];
    std::vector<int32_t> source;
    const int len = 2 + s % 4;
    for (int t = 0; t < len; ++t) source.push_back(3 + static_cast<int32_t>(rng.UniformInt(static_cast<uint64_t>(c.source_vocab - 3))));
    for (int width : {3, 5}) {
      SCOPED_TRACE("source " + std::to_string(s) + " width " + std::to_string(width));
      const std::vector<BeamHypothesis> beam = model.Beam(source, width, max_len);
      int finished = 0, cut = 0;
      ASSERT_EQ(static_cast<int>(beam.size()), width);
      std::set<std::vector<int32_t>> seen;
      for (std::size_t h = 0; h < beam.size(); ++h) {
        const BeamHypothesis& hyp = beam[h];
        ASSERT_FALSE(hyp.tokens.empty());
        EXPECT_TRUE(seen.insert(hyp.tokens).second) << "hypothesis " << h << " repeats an earlier one";
        if (h > 0) EXPECT_GE(beam[h - 1].score, hyp.score) << "not sorted at " << h;
        const auto eos = std::find(hyp.tokens.begin(), hyp.tokens.end(), c.eos_id);
        if (eos != hyp.tokens.end()) {
          EXPECT_EQ(eos + 1, hyp.tokens.end()) << "<eos> inside hypothesis " << h;
          ++finished;
        } else {
          EXPECT_EQ(static_cast<int>(hyp.tokens.size()), max_len) << "unfinished hypothesis " << h << " stopped early";
          ++cut;
        }
        Seq2SeqPass<S> pass;
        const double rescored = TeacherForcedLogProb(model, source, hyp.tokens, pass);
        counts.worst = std::max(counts.worst, std::abs(hyp.score - rescored));
        EXPECT_NEAR(hyp.score, rescored, tol) << "hypothesis " << h << " of " << hyp.tokens.size() << " tokens";
        if (c.attention != AttentionKind::kNone) {
          ASSERT_EQ(hyp.attention.rows(), static_cast<Eigen::Index>(hyp.tokens.size()));
          ASSERT_EQ(hyp.attention.cols(), len);
          for (Eigen::Index i = 0; i < hyp.attention.rows(); ++i)
            for (int j = 0; j < len; ++j)
              EXPECT_NEAR(hyp.attention(i, j), static_cast<double>(pass.attention.alpha(j, i)), tol)
                  << "attention of hypothesis " << h << " token " << i << " position " << j;
        }
      }
      counts.finished += finished;
      counts.cut += cut;
      counts.mixed += finished > 0 && cut > 0;
    }
  }
}

// Float: the model the seq2seq job decodes with. The beam runs K columns at once and the rescore
// one, so GEMM rounding differs; a score is a sum of ≤ 7 log-probabilities of size ~2 computed
// to ~1e-6 each, and the score itself is stored as float. Measured worst 1.1e-6 (printed); 1e-4
// leaves room for other CPUs, and a wrong score is off by a log-probability, ~0.1 or more.
TEST(BeamRescore, FloatScoresAreTheTeacherForcedLogProbability) {
  Counts counts;
  for (const Case& k : Cases()) CheckBeams<float>(k, 1e-4, counts);
  // Every kind of beam occurs, or part of the checks above checked nothing.
  EXPECT_GT(counts.finished, 0);
  EXPECT_GT(counts.cut, 0);
  EXPECT_GT(counts.mixed, 0);
  std::printf("%zu configs x 6 sources x widths {3, 5}: %d hypotheses ended with <eos>, %d at max_len, "
              "%d beams with both; worst score difference %.2e\n",
              Cases().size(), counts.finished, counts.cut, counts.mixed, counts.worst);
}

// Double: the same up to the float the score is stored in (BeamHypothesis::score is a float:
// ~6e-8 relative of a score below 20).
TEST(BeamRescore, DoubleScoresAreTheTeacherForcedLogProbability) {
  Counts counts;
  for (const Case& k : Cases()) CheckBeams<double>(k, 5e-6, counts);
  EXPECT_GT(counts.mixed, 0);
  std::printf("double: worst score difference %.2e\n", counts.worst);
}

// A forced decoder prefix (Seq2Seq-Vis's "what if", `translate --prefix`): every hypothesis
// starts with it verbatim, its score is still the teacher-forced log-probability of the whole
// output (prefix included), greedy (width 1) continues it too, and the forcing changes outputs
// (the unforced best starts otherwise for some sources, or the check would prove nothing).
TEST(BeamRescore, AForcedPrefixIsKeptVerbatimAndScoredAsTeacherForced) {
  int forced_differs = 0, hypotheses = 0;
  double worst = 0;
  for (const Case& k : Cases()) {
    SCOPED_TRACE(k.name);
    const Seq2SeqConfig& c = k.config;
    Seq2SeqModel<double> model(c, 23);
    Rng rng(9);
    for (int s = 0; s < 4; ++s) {
      std::vector<int32_t> source, prefix;
      for (int t = 0; t < 3 + s; ++t) source.push_back(3 + static_cast<int32_t>(rng.UniformInt(static_cast<uint64_t>(c.source_vocab - 3))));
      for (int t = 0; t < 1 + s % 3; ++t) prefix.push_back(3 + static_cast<int32_t>(rng.UniformInt(static_cast<uint64_t>(c.target_vocab - 3))));
      const std::vector<BeamHypothesis> free = model.Beam(source, 3, 7);
      forced_differs += !std::equal(prefix.begin(), prefix.end(), free.front().tokens.begin(),
                                    free.front().tokens.begin() + std::min(free.front().tokens.size(), prefix.size()));
      for (int width : {1, 3}) {
        const std::vector<BeamHypothesis> beam = model.Beam(source, width, 7, nullptr, prefix);
        ASSERT_FALSE(beam.empty());
        for (const BeamHypothesis& h : beam) {
          ASSERT_GE(h.tokens.size(), prefix.size() + 1) << "the search continues after the prefix";
          EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), h.tokens.begin())) << "prefix not kept verbatim";
          Seq2SeqPass<double> pass;
          const double rescored = TeacherForcedLogProb(model, source, h.tokens, pass);
          worst = std::max(worst, std::abs(h.score - rescored));
          EXPECT_NEAR(h.score, rescored, 5e-6);
          ++hypotheses;
        }
      }
    }
  }
  EXPECT_GT(forced_differs, 0);
  std::printf("forced prefixes: %d hypotheses, worst score difference %.2e; %d of %zu sources' free best began "
              "otherwise\n", hypotheses, worst, forced_differs, Cases().size() * 4);
  Seq2SeqModel<double> model(Cases().front().config, 1);
  EXPECT_THROW(model.Beam({3, 4}, 2, 5, nullptr, {99}), ShapeError) << "a prefix token outside the vocabulary";
}

}  // namespace
}  // namespace rnnscope
