// The cell finder: which units track a known property of the text? (Karpathy, Johnson & Fei-Fei
// 2015 found LSTM cells for "inside quotes", line position and bracket depth by eye; here they
// are ranked.) The model runs over a validation slice (B parallel sequences of T characters
// from a zero state, a few thousand characters: bounded cost), and every unit — (layer,
// direction, unit, h or c) — is ranked by |Pearson r| between its activation and the signal.
//
// Signals: the built-in corpus's latent ones (procedural_corpus.h: inside quotes, bracket
// depth, position in line; exact, from the regenerated corpus), and a user regular expression
// (RE2 syntax, linear time, so a typed pattern cannot stall the trainer thread; no
// backreferences or lookaround): 1 for characters (code points) inside any match, else 0.
//
// Also the LSTMVis query (Strobelt et al. 2017): the units that are on (h > threshold)
// throughout a span of probe timesteps, and the other spans of the validation text where all
// of those units are on together.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/rnn_model.h"
#include "train/debugger_types.h"
#include "train/snapshot.h"

namespace rnnscope {

class CharLmJob;

// Activations of every layer over the validation slice. Position p = b*T + t is character
// `start + p` of the validation text (sequences are consecutive pieces of it).
struct ValidationTrace {
  int T = 0, B = 0;
  std::vector<int32_t> ids;          // (B*T) input characters, position order
  std::vector<std::string> tokens;   // (B*T) the same as UTF-8
  std::vector<UnitRef> units;        // row r of `values` is units[r]
  MatF values;                       // (units, B*T) activation of each unit at each position
};

// Runs `model` over ids[0 .. B*T) split into B sequences of T. `tokens` may be empty.
ValidationTrace RunValidationTrace(const RnnModel<float>& model, const std::vector<int32_t>& ids,
                                   int B, int T, const std::vector<std::string>& tokens = {});

// Ranks the trace's units by |r| with `signal` (one value per position), ignoring the first
// `burn_in` timesteps of each sequence (the state has not seen enough context there). Units
// with zero variance get r = 0.
std::vector<UnitCorrelation> RankUnits(const ValidationTrace& trace, const std::vector<float>& signal,
                                       int burn_in, int top_k);

// 0/1 per character of `tokens`: inside any match of `pattern` (RE2 over the UTF-8 text).
// Throws ConfigError naming the pattern, with RE2's reason, when it does not compile.
std::vector<float> RegexSignal(const std::vector<std::string>& tokens, const std::string& pattern);
// The same check alone (a CLI flag is refused before any training starts).
void CheckRegex(const std::string& pattern);

// LSTMVis: hidden units (h) with value > threshold at every timestep t0..t1 (inclusive) of the
// probe trace in `layers` (Snapshot::layers).
std::vector<UnitRef> UnitsOnThroughout(const std::vector<LayerTrace>& layers, int t0, int t1,
                                       float threshold);
// Maximal runs of at least `min_length` timesteps where every one of `units` is > threshold.
std::vector<TextSpan> FindSpansWhereOn(const ValidationTrace& trace, const std::vector<UnitRef>& units,
                                       float threshold, int min_length);

// The trainer thread's cell finder: reruns on a timer with bounded cost and keeps a timeline
// (step → best |r| per signal) so the UI can show when a tracking unit emerged.
class CellFinder {
 public:
  static constexpr int kSequences = 8;
  static constexpr int kLength = 384;  // 8 × 384 = 3072 characters
  static constexpr int kBurnIn = 24;
  static constexpr int kTop = 12;
  static constexpr std::size_t kTimeline = 512;

  void Configure(bool enabled, const std::string& regex, int interval_ms);
  bool enabled() const { return enabled_; }
  // Runs when enabled and at least interval_ms passed since the last run (or `force`).
  bool MaybeRun(const CharLmJob& job, int64_t step, bool force = false);
  CellFinderResult Run(const CharLmJob& job, int64_t step);
  const CellFinderResult& result() const { return result_; }
  // The last validation trace (for span queries).
  const ValidationTrace& trace() const { return trace_; }
  void Reset();  // a new job: timelines restart

 private:
  bool enabled_ = true;
  std::string regex_;
  int interval_ms_ = 3000;
  std::chrono::steady_clock::time_point last_{};
  bool ran_ = false;
  CellFinderResult result_;
  ValidationTrace trace_;
  // The regenerated built-in corpus's signals, cached per seed.
  uint64_t corpus_seed_ = 0;
  bool have_corpus_ = false;
  std::vector<float> quotes_, depth_, line_pos_;  // whole corpus
};

}  // namespace rnnscope
