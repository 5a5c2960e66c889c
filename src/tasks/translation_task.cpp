// translation: a toy word-level translation whose grammar reorders, from an English-like
// subject–verb–object sentence with trailing place and time phrases into a Chinese-like order
// (subject, time, place, verb, object; pinyin words so every font can show them):
//
//   the small cat sees a dog in the park yesterday
//   → xiao de mao zuotian zai gongyuan li kanjian gou
//
// Articles have no translation; an adjective gains the particle "de"; "in the park" becomes the
// circumfix "zai … li" before the verb. Ground-truth alignment per target word: the source word
// it translates ("zai" and "li" both come from "in"); "de" has none. Because the time and
// place phrases move from the end to the middle, the attention matrix is not monotone: a model
// must look ahead and come back, which is what makes it a better alignment test than copy.
// Word counts: subject/object 96 noun phrases each, 5 verbs, 31 place phrases (or none), 4 time
// words (or none): about 5.7 million sentences, so held-out splits are new sentences.
#include <array>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "core/error.h"
#include "tasks/seq2seq_task.h"

namespace rnnscope {
namespace {

using Pair = std::pair<const char*, const char*>;  // source word, target word

constexpr std::array<const char*, 2> kArticles = {"the", "a"};
constexpr std::array<Pair, 5> kAdjectives = {{{"big", "da"}, {"small", "xiao"}, {"red", "hong"},
                                              {"old", "lao"}, {"happy", "kuaile"}}};
constexpr std::array<Pair, 8> kNouns = {{{"cat", "mao"}, {"dog", "gou"}, {"teacher", "laoshi"},
                                         {"student", "xuesheng"}, {"bird", "niao"}, {"farmer", "nongmin"},
                                         {"child", "haizi"}, {"horse", "ma"}}};
constexpr std::array<Pair, 5> kVerbs = {{{"sees", "kanjian"}, {"likes", "xihuan"}, {"helps", "bangzhu"},
                                         {"follows", "genzhe"}, {"finds", "zhaodao"}}};
// Preposition → the circumfix around the place: "in the park" → "zai gongyuan li".
struct Preposition {
  const char* source;
  const char* before;
  const char* after;
};
constexpr std::array<Preposition, 3> kPrepositions = {{{"in", "zai", "li"}, {"near", "zai", "fujin"},
                                                       {"behind", "zai", "houmian"}}};
constexpr std::array<Pair, 5> kPlaces = {{{"park", "gongyuan"}, {"garden", "huayuan"}, {"school", "xuexiao"},
                                          {"river", "he"}, {"house", "fangzi"}}};
constexpr std::array<Pair, 3> kTimes = {{{"yesterday", "zuotian"}, {"today", "jintian"}, {"tomorrow", "mingtian"}}};

template <std::size_t N, class T>
const T& Pick(Rng& rng, const std::array<T, N>& items) {
  return items[static_cast<std::size_t>(rng.UniformInt(N))];
}

class TranslationTask : public Seq2SeqTask {
 public:
  TranslationTask() {
    for (const char* a : kArticles) source_.Add(a);
    for (const auto* list : {&kAdjectives, &kVerbs})
      for (const Pair& p : *list) source_.Add(p.first), target_.Add(p.second);
    for (const Pair& p : kNouns) source_.Add(p.first), target_.Add(p.second);
    for (const Preposition& p : kPrepositions) source_.Add(p.source), target_.Add(p.before), target_.Add(p.after);
    for (const Pair& p : kPlaces) source_.Add(p.first), target_.Add(p.second);
    for (const Pair& p : kTimes) source_.Add(p.first), target_.Add(p.second);
    target_.Add("de");
  }
  std::string Name() const override { return "translation"; }
  // subject (3) + time (1) + place (3) + verb (1) + object (3)
  int MaxTargetLength() const override { return 11; }

  // Words, separated by spaces (the generated tasks are one character per token).
  std::vector<int32_t> EncodeSource(const std::string& text) const override {
    std::vector<int32_t> ids;
    std::istringstream words(text);
    int position = 1;
    for (std::string w; words >> w; ++position) {
      if (!source_.Has(w))
        throw InputError("input word " + std::to_string(position) + ": '" + w +
                         "' is not in the translation task's source vocabulary");
      ids.push_back(source_.Id(w));
    }
    if (ids.empty()) throw InputError("empty input");
    return ids;
  }
  std::string Join(const std::vector<std::string>& tokens) const override {
    std::string s;
    for (const auto& t : tokens) s += (s.empty() ? "" : " ") + t;
    return s;
  }

 protected:
  Seq2SeqExample Generate(Rng& rng) const override {
    Seq2SeqExample ex;
    auto source_word = [&](const char* w) {
      ex.source.push_back(source_.Id(w));
      return static_cast<int>(ex.source.size()) - 1;
    };
    auto target_word = [&](const char* w, int from) {
      ex.target.push_back(target_.Id(w));
      ex.alignment.emplace_back(from, from < 0 ? -1 : from + 1);
    };
    // Source first (positions), then the target in its own order.
    struct NounPhrase {
      const Pair* adjective = nullptr;
      const Pair* noun = nullptr;
      int adjective_at = -1, noun_at = -1;
    };
    auto noun_phrase = [&] {
      NounPhrase np;
      source_word(Pick(rng, kArticles));
      if (rng.UniformInt(6) != 0) {
        np.adjective = &Pick(rng, kAdjectives);
        np.adjective_at = source_word(np.adjective->first);
      }
      np.noun = &Pick(rng, kNouns);
      np.noun_at = source_word(np.noun->first);
      return np;
    };
    const NounPhrase subject = noun_phrase();
    const Pair& verb = Pick(rng, kVerbs);
    const int verb_at = source_word(verb.first);
    const NounPhrase object = noun_phrase();
    const Preposition* preposition = nullptr;
    const Pair* place = nullptr;
    int preposition_at = -1, place_at = -1;
    if (rng.UniformInt(32) != 0) {  // 31 of 32: a place phrase
      preposition = &Pick(rng, kPrepositions);
      preposition_at = source_word(preposition->source);
      source_word(Pick(rng, kArticles));
      place = &Pick(rng, kPlaces);
      place_at = source_word(place->first);
    }
    const Pair* time = nullptr;
    int time_at = -1;
    if (rng.UniformInt(4) != 0) {
      time = &Pick(rng, kTimes);
      time_at = source_word(time->first);
    }

    auto translate_np = [&](const NounPhrase& np) {
      if (np.adjective) {
        target_word(np.adjective->second, np.adjective_at);
        target_word("de", -1);
      }
      target_word(np.noun->second, np.noun_at);
    };
    translate_np(subject);
    if (time) target_word(time->second, time_at);
    if (preposition) {
      target_word(preposition->before, preposition_at);
      target_word(place->second, place_at);
      target_word(preposition->after, preposition_at);
    }
    target_word(verb.second, verb_at);
    translate_np(object);
    return ex;
  }
};

}  // namespace

std::unique_ptr<Seq2SeqTask> MakeTranslationTask(const TaskOptions& /*options*/) {
  return std::make_unique<TranslationTask>();
}

}  // namespace rnnscope
