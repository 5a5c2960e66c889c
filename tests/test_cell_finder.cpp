// The cell finder ranks units by |Pearson r| with a signal, builds regex signals over UTF-8
// text, answers the LSTMVis span query, and runs end to end on a real char-LM job.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "tasks/procedural_corpus.h"
#include "train/cell_finder.h"
#include "train/char_lm_job.h"

namespace rnnscope {
namespace {

// Three units over 2 sequences of 50: +signal, −signal (scaled, shifted) and an unrelated one.
ValidationTrace SyntheticTrace(std::vector<float>* signal_out) {
  ValidationTrace t;
  t.B = 2;
  t.T = 50;
  const int N = t.B * t.T;
  t.units = {{0, 0, 0, false}, {0, 0, 1, false}, {0, 0, 2, true}};
  t.values.resize(3, N);
  std::vector<float> signal(static_cast<std::size_t>(N));
  for (int p = 0; p < N; ++p) {
    signal[static_cast<std::size_t>(p)] = static_cast<float>((p / 7) % 2);
    t.values(0, p) = 0.5f * signal[static_cast<std::size_t>(p)] + 3.0f;
    t.values(1, p) = -2.0f * signal[static_cast<std::size_t>(p)];
    t.values(2, p) = static_cast<float>(std::sin(p * 1.7));
  }
  *signal_out = signal;
  return t;
}

TEST(CellFinder, RanksByAbsolutePearsonWithSign) {
  std::vector<float> signal;
  const ValidationTrace t = SyntheticTrace(&signal);
  const std::vector<UnitCorrelation> top = RankUnits(t, signal, 0, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_NEAR(std::abs(top[0].correlation), 1.0f, 1e-5f);
  EXPECT_NEAR(std::abs(top[1].correlation), 1.0f, 1e-5f);
  EXPECT_LT(std::abs(top[2].correlation), 0.5f);
  EXPECT_EQ(top[2].unit.unit, 2);
  EXPECT_TRUE(top[2].unit.cell);
  for (const UnitCorrelation& u : top) {
    if (u.unit.unit == 0) {
      EXPECT_GT(u.correlation, 0.99f);
    }
    if (u.unit.unit == 1) {
      EXPECT_LT(u.correlation, -0.99f);
    }
  }
  EXPECT_EQ(RankUnits(t, signal, 0, 1).size(), 1u);
  EXPECT_THROW(RankUnits(t, std::vector<float>(3), 0, 1), ShapeError);
}

TEST(CellFinder, PearsonMatchesADirectComputationWithBurnIn) {
  std::vector<float> signal;
  const ValidationTrace t = SyntheticTrace(&signal);
  const int burn = 10;
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = 0;
  for (int b = 0; b < t.B; ++b)
    for (int s = burn; s < t.T; ++s) {
      const int p = b * t.T + s;
      const double x = t.values(2, p), y = signal[static_cast<std::size_t>(p)];
      sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; n += 1;
    }
  const double r = (sxy - sx * sy / n) / std::sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
  const std::vector<UnitCorrelation> top = RankUnits(t, signal, burn, 3);
  EXPECT_NEAR(top[2].correlation, r, 1e-5);
}

TEST(CellFinder, RegexSignalMarksCharactersInsideMatchesInUtf8) {
  const std::vector<std::string> tokens = {"a", "\"", "\xC3\xA9", "b", "\"", " ", "c", "\"", "d", "\""};
  const std::vector<float> s = RegexSignal(tokens, "\"[^\"]*\"");
  EXPECT_EQ(s, (std::vector<float>{0, 1, 1, 1, 1, 0, 0, 1, 1, 1}));
  EXPECT_THROW(RegexSignal(tokens, "(unclosed"), ConfigError);
}

// Patterns that make a backtracking engine (std::regex) take exponential time. RE2 is linear,
// so these return; the test asserts the marks, not a time (the machine may be slow).
TEST(CellFinder, RegexSignalIsLinearOnCatastrophicPatterns) {
  const std::vector<std::string> xs(100000, "x");
  const std::vector<float> none = RegexSignal(xs, "(x+x+)+y");
  EXPECT_EQ(std::count(none.begin(), none.end(), 1.0f), 0) << "no y: no match";
  // Matches only the empty string at the very end: marks nothing.
  const std::vector<float> empty_end = RegexSignal(xs, "(a*)*$");
  EXPECT_EQ(std::count(empty_end.begin(), empty_end.end(), 1.0f), 0);
  // The same shape that does match: the whole text, every character marked.
  std::vector<std::string> with_y = xs;
  with_y.push_back("y");
  const std::vector<float> all = RegexSignal(with_y, "(x+x+)+y");
  EXPECT_EQ(std::count(all.begin(), all.end(), 1.0f), static_cast<std::ptrdiff_t>(with_y.size()));
}

TEST(CellFinder, RegexSignalInvalidPatternNamesPatternAndReason) {
  const std::vector<std::string> tokens = {"a", "b"};
  for (const std::string bad : {"(unclosed", "a**", "(a)\\1"}) {
    try {
      RegexSignal(tokens, bad);
      ADD_FAILURE() << bad << " compiled";
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("/" + bad + "/"), std::string::npos) << what;
      EXPECT_NE(what.find("does not compile: "), std::string::npos) << what;
      EXPECT_GT(what.size(), what.find("does not compile: ") + 18) << "RE2's reason follows: " << what;
    }
    EXPECT_THROW(CheckRegex(bad), ConfigError) << bad;
  }
  EXPECT_NO_THROW(CheckRegex("[A-Z]\\w+"));
}

// Chinese characters are three UTF-8 bytes each: the marks must land on characters, not bytes.
TEST(CellFinder, RegexSignalMarksChineseCharacters) {
  // 我 爱 北 京 ， 北 京 很 大
  const std::vector<std::string> tokens = {"\xE6\x88\x91", "\xE7\x88\xB1", "\xE5\x8C\x97", "\xE4\xBA\xAC",
                                           "\xEF\xBC\x8C", "\xE5\x8C\x97", "\xE4\xBA\xAC", "\xE5\xBE\x88",
                                           "\xE5\xA4\xA7"};
  EXPECT_EQ(RegexSignal(tokens, "\xE5\x8C\x97\xE4\xBA\xAC"), (std::vector<float>{0, 0, 1, 1, 0, 1, 1, 0, 0}));
  // One code point per '.', not one byte: "爱." covers 爱 and 北 only.
  EXPECT_EQ(RegexSignal(tokens, "\xE7\x88\xB1."), (std::vector<float>{0, 1, 1, 0, 0, 0, 0, 0, 0}));
  // A Unicode class: the Han characters, not the full-width comma.
  EXPECT_EQ(RegexSignal(tokens, "\\p{Han}+"), (std::vector<float>{1, 1, 1, 1, 0, 1, 1, 1, 1}));
  // Empty matches mark nothing and do not stall the scan.
  EXPECT_EQ(RegexSignal(tokens, "z*"), std::vector<float>(tokens.size(), 0.0f));
}

TEST(CellFinder, LstmVisQueryFindsUnitsAndOtherSpans) {
  LayerTrace probe;
  probe.layer = 0;
  probe.hidden = MatF::Zero(3, 6);
  probe.hidden.row(1).segment(2, 3).setConstant(0.9f);  // on at t = 2..4
  probe.hidden.row(2).segment(2, 2).setConstant(0.9f);  // on at t = 2..3 only
  std::vector<UnitRef> on = UnitsOnThroughout({probe}, 2, 4, 0.5f);
  ASSERT_EQ(on.size(), 1u);
  EXPECT_EQ(on[0].unit, 1);
  EXPECT_EQ(UnitsOnThroughout({probe}, 2, 3, 0.5f).size(), 2u);
  EXPECT_TRUE(UnitsOnThroughout({probe}, 4, 9, 0.5f).empty()) << "out of range: no units";

  ValidationTrace t;
  t.B = 2;
  t.T = 10;
  t.units = {{0, 0, 0, false}, {0, 0, 1, false}, {0, 0, 2, false}};
  t.values = MatF::Zero(3, 20);
  for (int p = 0; p < 20; ++p) t.tokens.push_back(std::string(1, static_cast<char>('a' + p)));
  t.values.block(1, 3, 1, 4).setConstant(1.0f);   // sequence 0, t = 3..6
  t.values.block(1, 18, 1, 2).setConstant(1.0f);  // sequence 1, t = 8..9 (too short for 3)
  t.values.block(1, 12, 1, 3).setConstant(1.0f);  // sequence 1, t = 2..4
  const std::vector<TextSpan> spans = FindSpansWhereOn(t, on, 0.5f, 3);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].sequence, 0);
  EXPECT_EQ(spans[0].begin, 3);
  EXPECT_EQ(spans[0].end, 7);
  EXPECT_EQ(spans[0].text, "defg");
  EXPECT_EQ(spans[1].sequence, 1);
  EXPECT_EQ(spans[1].begin, 2);
  EXPECT_EQ(spans[1].end, 5);
  EXPECT_EQ(FindSpansWhereOn(t, on, 0.5f, 2).size(), 3u) << "the run at the end of a sequence counts";
  EXPECT_THROW(FindSpansWhereOn(t, {{5, 0, 0, false}}, 0.5f, 1), ConfigError);
}

JobSpec SmallSpec() {
  JobSpec spec;
  spec.model.cell = CellKind::kLstm;
  spec.model.hidden = 16;
  spec.settings.batch = 8;
  spec.settings.seq_len = 32;
  return spec;
}

TEST(CellFinder, RunsOnTheBuiltInCorpusWithAUserRegex) {
  CharLmJob job(SmallSpec());
  for (int i = 0; i < 20; ++i) job.Step(SmallSpec().settings);
  CellFinder finder;
  finder.Configure(true, "[()\\[\\]{}]", 1000);
  ASSERT_TRUE(finder.MaybeRun(job, job.StepCount()));
  EXPECT_FALSE(finder.MaybeRun(job, job.StepCount())) << "not due yet";
  const CellFinderResult& r = finder.result();
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.step, 20);
  EXPECT_EQ(r.chars, CellFinder::kSequences * CellFinder::kLength);
  ASSERT_EQ(r.signals.size(), 4u);
  EXPECT_EQ(r.signals[0].name, "inside quotes");
  EXPECT_EQ(r.signals[1].name, "bracket depth");
  EXPECT_EQ(r.signals[2].name, "position in line");
  EXPECT_EQ(r.signals[3].name, "regex /[()\\[\\]{}]/");
  for (const CellFinderSignal& s : r.signals) {
    ASSERT_EQ(s.top.size(), static_cast<std::size_t>(CellFinder::kTop)) << s.name;
    EXPECT_GT(std::abs(s.top[0].correlation), 0.0f) << s.name;
    EXPECT_LE(std::abs(s.top[0].correlation), 1.0f) << s.name;
    for (std::size_t k = 1; k < s.top.size(); ++k)
      EXPECT_GE(std::abs(s.top[k - 1].correlation), std::abs(s.top[k].correlation));
    ASSERT_EQ(s.timeline_best.size(), 1u);
    EXPECT_EQ(s.timeline_best[0], std::abs(s.top[0].correlation));
  }
  // 16 h + 16 c units.
  EXPECT_EQ(finder.trace().units.size(), 32u);
  // The built-in signals are read at corpus index train_size() + position: that index must
  // hold the very characters the trace ran over.
  ProceduralCorpusOptions options;
  options.seed = SmallSpec().settings.seed;
  const ProceduralCorpus corpus = GenerateProceduralCorpus(options);
  std::string traced;
  for (const std::string& tok : finder.trace().tokens) traced += tok;
  EXPECT_EQ(corpus.text.substr(job.train_size(), traced.size()), traced);
  finder.Configure(true, "(bad", 1000);
  finder.MaybeRun(job, job.StepCount());
  EXPECT_NE(finder.result().error.find("(bad"), std::string::npos);
  EXPECT_EQ(finder.result().signals.size(), 3u) << "a changed regex drops the old one";
}

// Measurement, not a check: train the app's default model (LSTM, H = 64, one layer, default
// settings) for RNNSCOPE_CELL_FINDER_SECONDS (default 300) and print the best correlations.
// Run with --gtest_also_run_disabled_tests --gtest_filter='*Measure*'.
TEST(CellFinder, DISABLED_MeasureDefaultLstm) {
  JobSpec spec;
  spec.model.cell = CellKind::kLstm;
  spec.model.hidden = 64;
  CharLmJob job(spec);
  CellFinder finder;
  const char* env = std::getenv("RNNSCOPE_CELL_FINDER_SECONDS");
  const double seconds = env ? std::atof(env) : 300.0;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  double next = 0;
  float loss = 0;
  while (elapsed() < seconds) {
    loss = job.Step(spec.settings).loss;
    if (elapsed() >= next) {
      finder.Run(job, job.StepCount());
      std::printf("t=%5.0fs step %6lld loss %.3f", elapsed(), static_cast<long long>(job.StepCount()), static_cast<double>(loss));
      for (const CellFinderSignal& s : finder.result().signals)
        std::printf(" | %s %.3f (l%d u%d %s)", s.name.c_str(), static_cast<double>(s.top[0].correlation),
                    s.top[0].unit.layer, s.top[0].unit.unit, s.top[0].unit.cell ? "c" : "h");
      std::printf("\n");
      std::fflush(stdout);
      next += 30;
    }
  }
  finder.Run(job, job.StepCount());
  EXPECT_GT(std::abs(finder.result().signals[0].top[0].correlation), 0.3f);
}

}  // namespace
}  // namespace rnnscope
