#include "tasks/procedural_corpus.h"

#include <array>
#include <cmath>

#include "core/error.h"

namespace rnnscope {
namespace {

// SplitMix64: tiny, fast, fully specified, so the corpus for a seed never changes.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  int Range(int lo, int hi) {  // [lo, hi]; modulo bias is irrelevant at these sizes
    return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  uint64_t state_;
};

// Ordered by frequency rank (Zipf weights 1/(rank+1)).
constexpr std::array<const char*, 60> kWords = {
    "the",    "of",     "and",    "to",     "a",      "in",     "was",    "it",     "he",
    "that",   "she",    "for",    "on",     "with",   "as",     "his",    "her",    "at",
    "by",     "they",   "from",   "but",    "not",    "we",     "all",    "when",   "there",
    "river",  "stone",  "light",  "garden", "quick",  "brown",  "fox",    "jumps",  "over",
    "lazy",   "dog",    "king",   "queen",  "zebra",  "violet", "yellow", "jazz",   "quiet",
    "mixed",  "wax",    "knight", "sphinx", "voyage", "marble", "orbit",  "cloud",  "winter",
    "bright", "valley", "whisper", "frozen", "ember", "journey"};

// Words spoken inside quotes: a separate lexicon, so knowing "am I inside quotes?" helps
// predict the next word and an LSTM has a reason to keep a quote cell.
constexpr std::array<const char*, 16> kQuoteWords = {
    "hello", "yes", "no", "wait", "look", "run", "help", "stop",
    "now", "please", "never", "always", "maybe", "indeed", "alas", "hooray"};

constexpr std::array<char, 3> kOpen = {'(', '[', '{'};
constexpr std::array<char, 3> kClose = {')', ']', '}'};

// A piece of text and whether it sticks to its neighbours (no space): "(" sticks right,
// ")" "," "." stick left.
struct Atom {
  std::string text;
  bool glue_left = false;
  bool glue_right = false;
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {
    double total = 0;
    for (std::size_t i = 0; i < kWords.size(); ++i) total += 1.0 / static_cast<double>(i + 1);
    double acc = 0;
    for (std::size_t i = 0; i < kWords.size(); ++i) {
      acc += 1.0 / static_cast<double>(i + 1) / total;
      cdf_[i] = acc;
    }
  }

  std::vector<Atom> Sentence() {
    std::vector<Atom> atoms;
    Phrases(&atoms, 0, rng_.Range(4, 10));
    std::string& first = atoms.front().text;  // a sentence never starts with a bracket or quote
    first[0] = static_cast<char>(first[0] - 'a' + 'A');
    const double r = rng_.Uniform();
    atoms.push_back({r < 0.7 ? "." : r < 0.85 ? "!" : "?", true, false});
    return atoms;
  }

 private:
  const char* Word() {
    const double u = rng_.Uniform();
    for (std::size_t i = 0; i < kWords.size(); ++i)
      if (u < cdf_[i]) return kWords[i];
    return kWords.back();
  }

  void Phrases(std::vector<Atom>* atoms, int depth, int count) {
    for (int i = 0; i < count; ++i) {
      const double r = rng_.Uniform();
      const bool first = atoms->empty();
      if (!first && depth < kProceduralMaxDepth && r < 0.12) {
        const int kind = rng_.Range(0, 2);
        atoms->push_back({std::string(1, kOpen[static_cast<std::size_t>(kind)]), false, true});
        Phrases(atoms, depth + 1, rng_.Range(1, 4));
        atoms->push_back({std::string(1, kClose[static_cast<std::size_t>(kind)]), true, false});
      } else if (!first && r < 0.20) {
        atoms->push_back({"\"", false, true});
        const int n = rng_.Range(1, 5);
        for (int k = 0; k < n; ++k)
          atoms->push_back({kQuoteWords[static_cast<std::size_t>(rng_.Range(0, 15))], false, false});
        if (rng_.Uniform() < 0.3) atoms->push_back({rng_.Uniform() < 0.5 ? "!" : "?", true, false});
        atoms->push_back({"\"", true, false});
      } else {
        atoms->push_back({Word(), false, false});
        if (i + 1 < count && rng_.Uniform() < 0.08) atoms->push_back({",", true, false});
      }
    }
  }

  Rng rng_;
  std::array<double, kWords.size()> cdf_{};
};

}  // namespace

ProceduralCorpus GenerateProceduralCorpus(const ProceduralCorpusOptions& options) {
  if (options.target_chars < 1000 || options.target_chars > (64u << 20)) {
    throw ConfigError("procedural corpus size " + std::to_string(options.target_chars) +
                      " is outside [1000, 67108864] characters");
  }
  if (options.line_width < 20 || options.line_width > 200) {
    throw ConfigError("procedural corpus line width " + std::to_string(options.line_width) +
                      " is outside [20, 200]");
  }
  Generator gen(options.seed);
  const auto width = static_cast<std::size_t>(options.line_width);
  ProceduralCorpus out;
  std::string& text = out.text;
  text.reserve(options.target_chars + 200);
  std::size_t line_len = 0;
  Rng para_rng(options.seed ^ 0x5EEDull);
  while (text.size() < options.target_chars) {
    // Join glued atoms into space-free units, then wrap units greedily.
    const std::vector<Atom> atoms = gen.Sentence();
    std::vector<std::string> units;
    for (std::size_t i = 0; i < atoms.size(); ++i) {
      if (i > 0 && (atoms[i].glue_left || atoms[i - 1].glue_right)) units.back() += atoms[i].text;
      else units.push_back(atoms[i].text);
    }
    for (const std::string& unit : units) {
      if (line_len == 0) {
        text += unit;
        line_len = unit.size();
      } else if (line_len + 1 + unit.size() <= width) {
        text += ' ';
        text += unit;
        line_len += 1 + unit.size();
      } else {
        text += '\n';
        text += unit;
        line_len = unit.size();
      }
    }
    if (para_rng.Uniform() < 0.08) {  // paragraph break: a blank line
      text += "\n\n";
      line_len = 0;
    }
  }
  if (line_len > 0) text += '\n';

  const std::size_t n = text.size();
  out.inside_quotes.resize(n);
  out.bracket_depth.resize(n);
  out.position_in_line.resize(n);
  uint8_t quote = 0;
  int32_t depth = 0, pos = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[i];
    if (c == '"') quote = static_cast<uint8_t>(1 - quote);
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    pos = c == '\n' ? 0 : pos + 1;
    out.inside_quotes[i] = quote;
    out.bracket_depth[i] = depth;
    out.position_in_line[i] = pos;
  }
  return out;
}

TextCorpus MakeProceduralTextCorpus(const ProceduralCorpus& corpus, uint64_t seed,
                                    double validation_fraction) {
  TextCorpusOptions options;
  options.validation_fraction = validation_fraction;
  return MakeTextCorpus(corpus.text, "procedural corpus (seed " + std::to_string(seed) + ")", options);
}

}  // namespace rnnscope
