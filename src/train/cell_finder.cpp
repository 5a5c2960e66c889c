// Table of contents: validation trace · ranking · regex signal · LSTMVis query · CellFinder.
#include "train/cell_finder.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include <re2/re2.h>

#include "core/error.h"
#include "tasks/procedural_corpus.h"
#include "train/char_lm_job.h"

namespace rnnscope {

// ---------------------------------------------------------------- validation trace

ValidationTrace RunValidationTrace(const RnnModel<float>& model, const std::vector<int32_t>& ids,
                                   int B, int T, const std::vector<std::string>& tokens) {
  const std::size_t N = static_cast<std::size_t>(B) * static_cast<std::size_t>(T);
  if (B < 1 || T < 1 || ids.size() < N)
    throw ConfigError("cell finder: need " + std::to_string(N) + " validation characters, have " +
                      std::to_string(ids.size()));
  ValidationTrace trace;
  trace.T = T;
  trace.B = B;
  trace.ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(N));
  if (tokens.size() >= N) trace.tokens.assign(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(N));
  // The model wants time-major columns (t*B + b); positions here are sequence-major (b*T + t)
  // so that consecutive positions are consecutive characters of the text.
  TokenBatch batch;
  batch.T = T;
  batch.B = B;
  batch.input.resize(N);
  batch.target.assign(N, -1);
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < T; ++t)
      batch.input[static_cast<std::size_t>(t * B + b)] = ids[static_cast<std::size_t>(b * T + t)];
  ForwardPass<float> pass;
  model.Forward(batch, nullptr, pass);

  const ModelConfig& c = model.config();
  const int D = c.Directions(), H = c.hidden;
  const bool has_c = HasCellState(c.cell);
  for (int l = 0; l < c.layers; ++l)
    for (int d = 0; d < D; ++d)
      for (int kind = 0; kind < (has_c ? 2 : 1); ++kind)
        for (int u = 0; u < H; ++u) trace.units.push_back({l, d, u, kind == 1});
  trace.values.resize(static_cast<Eigen::Index>(trace.units.size()), static_cast<Eigen::Index>(N));
  Eigen::Index row = 0;
  for (int l = 0; l < c.layers; ++l) {
    for (int d = 0; d < D; ++d) {
      const LayerCache<float>& k = pass.layers[static_cast<std::size_t>(l * D + d)];
      for (int kind = 0; kind < (has_c ? 2 : 1); ++kind) {
        // h_t / c_t for every t as (H, T*B), time-major.
        const Eigen::Index first = d == 1 ? 0 : B;
        const MatF& store = kind == 0 ? k.h : k.c;
        for (int b = 0; b < B; ++b)
          for (int t = 0; t < T; ++t)
            trace.values.block(row, b * T + t, H, 1) =
                store.col(first + static_cast<Eigen::Index>(t) * B + b);
        row += H;
      }
    }
  }
  return trace;
}

// ---------------------------------------------------------------- ranking

std::vector<UnitCorrelation> RankUnits(const ValidationTrace& trace, const std::vector<float>& signal,
                                       int burn_in, int top_k) {
  const Eigen::Index N = trace.values.cols();
  if (static_cast<Eigen::Index>(signal.size()) != N)
    throw ShapeError("cell finder: signal has " + std::to_string(signal.size()) + " values for " +
                     std::to_string(N) + " positions");
  // Positions that count: past the burn-in of their sequence.
  std::vector<Eigen::Index> use;
  for (int b = 0; b < trace.B; ++b)
    for (int t = std::min(burn_in, trace.T - 1); t < trace.T; ++t) use.push_back(static_cast<Eigen::Index>(b) * trace.T + t);
  const double n = static_cast<double>(use.size());
  double sm = 0, ss = 0;
  for (Eigen::Index p : use) sm += signal[static_cast<std::size_t>(p)];
  sm /= n;
  for (Eigen::Index p : use) ss += (signal[static_cast<std::size_t>(p)] - sm) * (signal[static_cast<std::size_t>(p)] - sm);
  std::vector<UnitCorrelation> all;
  all.reserve(trace.units.size());
  for (Eigen::Index r = 0; r < trace.values.rows(); ++r) {
    double um = 0;
    for (Eigen::Index p : use) um += trace.values(r, p);
    um /= n;
    double su = 0, cov = 0;
    for (Eigen::Index p : use) {
      const double du = trace.values(r, p) - um;
      su += du * du;
      cov += du * (signal[static_cast<std::size_t>(p)] - sm);
    }
    // A constant unit or signal has no correlation to speak of (r would be 0/0).
    const double denom = std::sqrt(su * ss);
    const float corr = denom > 1e-12 ? static_cast<float>(cov / denom) : 0.0f;
    all.push_back({trace.units[static_cast<std::size_t>(r)], corr});
  }
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(std::max(top_k, 0)), all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(),
                    [](const UnitCorrelation& a, const UnitCorrelation& b) {
                      return std::abs(a.correlation) > std::abs(b.correlation);
                    });
  all.resize(k);
  return all;
}

// ---------------------------------------------------------------- regex signal

namespace {

// RE2 rather than std::regex: the pattern is typed by the user and std::regex backtracks, so
// "(x+x+)+y" over a few thousand characters would stall the trainer thread. RE2 runs in time
// linear in the text (no backreferences or lookaround, which need backtracking). Quiet: the
// error reaches the user through the thrown message, not RE2's log on stderr.
std::unique_ptr<RE2> CompileRegex(const std::string& pattern) {
  auto re = std::make_unique<RE2>(pattern, RE2::Quiet);
  if (!re->ok())
    throw ConfigError("cell finder: regular expression /" + pattern + "/ does not compile: " + re->error());
  return re;
}

// Bytes of the UTF-8 sequence that starts with `lead` (1 for a stray continuation byte, so
// the scan always moves on).
std::size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

}  // namespace

void CheckRegex(const std::string& pattern) { CompileRegex(pattern); }

std::vector<float> RegexSignal(const std::vector<std::string>& tokens, const std::string& pattern) {
  const std::unique_ptr<RE2> re = CompileRegex(pattern);
  // Match over the UTF-8 text (RE2's default encoding), then map byte offsets back to
  // character positions.
  std::string text;
  std::vector<std::size_t> offset;  // byte offset of each character
  offset.reserve(tokens.size());
  for (const std::string& t : tokens) {
    offset.push_back(text.size());
    text += t;
  }
  std::vector<float> signal(tokens.size(), 0.0f);
  const re2::StringPiece whole(text);
  std::size_t pos = 0;
  re2::StringPiece match;
  // Every non-overlapping leftmost match, as std::sregex_iterator would. Each search is
  // linear; a pattern that matches empty at every position costs one search per character,
  // which the finder's bounded text (kSequences × kLength) keeps small.
  while (pos <= text.size() && re->Match(whole, pos, text.size(), RE2::UNANCHORED, &match, 1)) {
    const std::size_t begin = static_cast<std::size_t>(match.data() - text.data());
    const std::size_t end = begin + match.size();
    // Characters whose bytes overlap [begin, end): the last one starting at or before begin
    // (a token of several code points may be entered mid-way), then the rest up to end.
    auto c = std::upper_bound(offset.begin(), offset.end(), begin);
    if (c != offset.begin()) --c;
    for (; c != offset.end() && *c < end; ++c) {
      const std::size_t i = static_cast<std::size_t>(c - offset.begin());
      if (*c + tokens[i].size() > begin) signal[i] = 1.0f;
    }
    // An empty match would be found again at the same place: step over one character.
    pos = end > begin ? end : end + (end < text.size() ? Utf8Length(static_cast<unsigned char>(text[end])) : 1);
  }
  return signal;
}

// ---------------------------------------------------------------- LSTMVis query

std::vector<UnitRef> UnitsOnThroughout(const std::vector<LayerTrace>& layers, int t0, int t1,
                                       float threshold) {
  std::vector<UnitRef> on;
  for (const LayerTrace& trace : layers) {
    const MatF& h = trace.hidden;  // (H, T)
    if (t0 < 0 || t1 < t0 || t1 >= h.cols()) continue;
    for (Eigen::Index u = 0; u < h.rows(); ++u)
      if ((h.row(u).segment(t0, t1 - t0 + 1).array() > threshold).all())
        on.push_back({trace.layer, trace.direction, static_cast<int>(u), false});
  }
  return on;
}

std::vector<TextSpan> FindSpansWhereOn(const ValidationTrace& trace, const std::vector<UnitRef>& units,
                                       float threshold, int min_length) {
  std::vector<Eigen::Index> rows;
  for (const UnitRef& u : units) {
    const auto it = std::find(trace.units.begin(), trace.units.end(), u);
    if (it == trace.units.end())
      throw ConfigError("cell finder: unit l" + std::to_string(u.layer) + " u" + std::to_string(u.unit) +
                        " is not in the model");
    rows.push_back(it - trace.units.begin());
  }
  std::vector<TextSpan> spans;
  if (rows.empty()) return spans;
  for (int b = 0; b < trace.B; ++b) {
    int start = -1;
    for (int t = 0; t <= trace.T; ++t) {
      bool all_on = t < trace.T;
      for (std::size_t k = 0; all_on && k < rows.size(); ++k)
        all_on = trace.values(rows[k], static_cast<Eigen::Index>(b) * trace.T + t) > threshold;
      if (all_on && start < 0) start = t;
      if (!all_on && start >= 0) {
        if (t - start >= min_length) {
          TextSpan span{b, start, t, {}};
          for (int s = start; s < t && !trace.tokens.empty(); ++s)
            span.text += trace.tokens[static_cast<std::size_t>(b * trace.T + s)];
          spans.push_back(std::move(span));
        }
        start = -1;
      }
    }
  }
  return spans;
}

// ---------------------------------------------------------------- CellFinder

void CellFinder::Configure(bool enabled, const std::string& regex, int interval_ms) {
  enabled_ = enabled;
  if (regex != regex_) {
    regex_ = regex;
    // A different question: its timeline starts over.
    std::erase_if(result_.signals, [](const CellFinderSignal& s) { return s.name.rfind("regex", 0) == 0; });
  }
  interval_ms_ = std::max(interval_ms, 100);
  ran_ = false;  // run at the next opportunity with the new settings
}

void CellFinder::Reset() {
  result_ = CellFinderResult{};
  trace_ = ValidationTrace{};
  ran_ = false;
}

bool CellFinder::MaybeRun(const CharLmJob& job, int64_t step, bool force) {
  if (!enabled_) return false;
  const auto now = std::chrono::steady_clock::now();
  if (!force && ran_ && now - last_ < std::chrono::milliseconds(interval_ms_)) return false;
  last_ = now;
  ran_ = true;
  Run(job, step);
  return true;
}

CellFinderResult CellFinder::Run(const CharLmJob& job, int64_t step) {
  const std::vector<int32_t>& val = job.validation_ids();
  const int B = kSequences;
  const int T = static_cast<int>(std::min<std::size_t>(kLength, val.size() / B));
  result_.step = step;
  result_.error.clear();
  if (T <= kBurnIn) {
    result_.error = "validation text too short for the cell finder";
    return result_;
  }
  std::vector<std::string> tokens;
  tokens.reserve(static_cast<std::size_t>(B * T));
  for (int p = 0; p < B * T; ++p) tokens.push_back(job.vocab().Token(val[static_cast<std::size_t>(p)]));
  trace_ = RunValidationTrace(job.model(), val, B, T, tokens);
  result_.chars = B * T;

  std::vector<std::pair<std::string, std::vector<float>>> signals;
  // The built-in corpus's signals line up only when its text was used as is (an imported
  // model's vocabulary may have skipped characters, shifting every index).
  if (job.spec().text_path.empty() && job.spec().weights_path.empty()) {
    const uint64_t seed = job.spec().settings.seed;
    if (!have_corpus_ || corpus_seed_ != seed) {
      ProceduralCorpusOptions options;
      options.seed = seed;
      const ProceduralCorpus corpus = GenerateProceduralCorpus(options);
      quotes_.assign(corpus.inside_quotes.begin(), corpus.inside_quotes.end());
      depth_.assign(corpus.bracket_depth.begin(), corpus.bracket_depth.end());
      line_pos_.assign(corpus.position_in_line.begin(), corpus.position_in_line.end());
      corpus_seed_ = seed;
      have_corpus_ = true;
    }
    const std::size_t offset = job.train_size();  // validation character i is corpus[train + i]
    auto slice = [&](const std::vector<float>& all) {
      if (offset + static_cast<std::size_t>(B * T) > all.size()) throw ShapeError("cell finder: corpus signals shorter than the text");
      return std::vector<float>(all.begin() + static_cast<std::ptrdiff_t>(offset),
                                all.begin() + static_cast<std::ptrdiff_t>(offset) + B * T);
    };
    signals.emplace_back("inside quotes", slice(quotes_));
    signals.emplace_back("bracket depth", slice(depth_));
    signals.emplace_back("position in line", slice(line_pos_));
  }
  if (!regex_.empty()) {
    try {
      signals.emplace_back("regex /" + regex_ + "/", RegexSignal(tokens, regex_));
    } catch (const ConfigError& e) {
      result_.error = e.what();
    }
  }
  for (const auto& [name, signal] : signals) {
    // clang 14 cannot capture a structured binding in a lambda (C++20, clang 16): compare by hand.
    auto it = result_.signals.begin();
    while (it != result_.signals.end() && it->name != name) ++it;
    if (it == result_.signals.end()) {
      result_.signals.push_back({name, {}, {}, {}});
      it = result_.signals.end() - 1;
    }
    it->top = RankUnits(trace_, signal, kBurnIn, kTop);
    it->timeline_step.push_back(step);
    it->timeline_best.push_back(it->top.empty() ? 0.0f : std::abs(it->top.front().correlation));
    if (it->timeline_step.size() > kTimeline) {  // keep every other old point: bounded, whole run
      std::vector<int64_t> s;
      std::vector<float> v;
      for (std::size_t k = 0; k < it->timeline_step.size(); k += 2) {
        s.push_back(it->timeline_step[k]);
        v.push_back(it->timeline_best[k]);
      }
      it->timeline_step = std::move(s);
      it->timeline_best = std::move(v);
    }
  }
  return result_;
}

}  // namespace rnnscope
