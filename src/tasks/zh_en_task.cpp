// zh_en: a toy Chinese→English translation. The source is Chinese read one character per
// token (as a character-level model sees it: no word segmentation), the target is lowercase
// English, one word per token:
//
//   我爱中国 → i love china
//   现在她在北京看电影 → she watches movies in beijing now
//
// Grammar: [time] subject [在 place] verb object  →  subject verb object [in place] [time]
//   subject  我 i, 你 you, 他 he, 她 she, 我们 we, 他们 they
//   verb     爱 love, 喜欢 like, 想念 miss, 看 watch (only with 电影 movies, 足球 football,
//            熊猫 pandas); he/she take the 3rd-person -s ("he loves", "she misses")
//   object   10 places (中国 china, 北京 beijing, …) and 10 things (音乐 music, 朋友 friends, …)
//   place    在 + one of the 10 places, not the object ("i miss beijing in shanghai")
//   time     今天 today, 现在 now, 每天 every day
// The time words are the ones the English present tense can carry (昨天 "yesterday" would need
// "loved", which the grammar does not inflect). Every noun is two characters that become one
// English word, so its alignment is a span of two source positions ("china" ← 中国); "every"
// and "day" come from 每 and 天 one each. Because the time and place phrases move from before
// the verb to the end, attention is not monotone. Characters repeat with different roles: 在
// is "in" and the second half of 现在 "now", 国 ends four countries, 天 two time words, so the
// model has to read characters in context. Ground-truth alignment per target word: the span of
// the Chinese word it translates. Sentences: 6 subjects × 663 verb–object–place choices × 4
// (no time or one of 3) = 15,912; the hash split puts 12,782 in train, 1,614 in validation and
// 1,516 in test (counted by sampling until no new sentence appeared).
#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/utf8.h"
#include "tasks/seq2seq_task.h"

namespace rnnscope {
namespace {

struct Subject {
  const char* zh;
  const char* en;
  bool third_person;  // takes "loves", not "love"
};
constexpr std::array<Subject, 6> kSubjects = {{{"我", "i", false},
                                                {"你", "you", false},
                                                {"他", "he", true},
                                                {"她", "she", true},
                                                {"我们", "we", false},
                                                {"他们", "they", false}}};

struct Verb {
  const char* zh;
  const char* en;        // i love
  const char* en_third;  // he loves
};
constexpr std::array<Verb, 4> kVerbs = {{{"爱", "love", "loves"},
                                         {"喜欢", "like", "likes"},
                                         {"想念", "miss", "misses"},
                                         {"看", "watch", "watches"}}};
constexpr std::size_t kWatch = 3;  // kVerbs index of 看: takes only a watchable object

struct Noun {
  const char* zh;  // always two characters
  const char* en;  // always one word
};
// Places: objects of love/like/miss, and the place of "在 … / in …".
constexpr std::array<Noun, 10> kPlaces = {{{"中国", "china"},
                                           {"北京", "beijing"},
                                           {"上海", "shanghai"},
                                           {"日本", "japan"},
                                           {"美国", "america"},
                                           {"英国", "england"},
                                           {"法国", "france"},
                                           {"伦敦", "london"},
                                           {"巴黎", "paris"},
                                           {"东京", "tokyo"}}};
// Things: bare plurals, mass nouns and names, so no article is ever needed. The first
// kWatchable can also be watched.
constexpr std::array<Noun, 10> kThings = {{{"电影", "movies"},
                                           {"足球", "football"},
                                           {"熊猫", "pandas"},
                                           {"音乐", "music"},
                                           {"朋友", "friends"},
                                           {"妈妈", "mom"},
                                           {"爸爸", "dad"},
                                           {"咖啡", "coffee"},
                                           {"面条", "noodles"},
                                           {"苹果", "apples"}}};
constexpr std::size_t kWatchable = 3;

constexpr const char* kIn = "在";
// Time words at the front of the Chinese; each English word aligns to the characters listed.
struct Time {
  const char* zh;
  std::array<const char*, 2> en;  // second word nullptr when one
};
constexpr std::array<Time, 3> kTimes = {{{"今天", {"today", nullptr}},
                                         {"现在", {"now", nullptr}},
                                         {"每天", {"every", "day"}}}};

std::vector<std::string> Characters(const char* word) {
  std::vector<std::string> out;
  for (char32_t cp : DecodeUtf8(word, "zh_en grammar")) out.push_back(EncodeUtf8(cp));
  return out;
}

class ZhEnTask : public Seq2SeqTask {
 public:
  ZhEnTask() {
    auto add_source = [&](const char* zh) {
      for (const std::string& ch : Characters(zh)) source_.Add(ch);
    };
    for (const Subject& s : kSubjects) add_source(s.zh), target_.Add(s.en);
    for (const Verb& v : kVerbs) add_source(v.zh), target_.Add(v.en), target_.Add(v.en_third);
    for (const auto* list : {&kPlaces, &kThings})
      for (const Noun& n : *list) add_source(n.zh), target_.Add(n.en);
    add_source(kIn);
    target_.Add("in");
    for (const Time& t : kTimes) {
      add_source(t.zh);
      for (const char* w : t.en)
        if (w) target_.Add(w);
    }
  }
  std::string Name() const override { return "zh_en"; }
  // subject, verb, object, "in" place, "every day"
  int MaxTargetLength() const override { return 7; }

  // Chinese is shown as written (no spaces between characters), English with spaces.
  std::string JoinSource(const std::vector<std::string>& tokens) const override {
    std::string s;
    for (const auto& t : tokens) s += t;
    return s;
  }
  std::string Join(const std::vector<std::string>& tokens) const override {
    std::string s;
    for (const auto& t : tokens) s += (s.empty() ? "" : " ") + t;
    return s;
  }

 protected:
  Seq2SeqExample Generate(Rng& rng) const override {
    Seq2SeqExample ex;
    // Appends a Chinese word's characters; returns its span [begin, end).
    auto source_word = [&](const char* zh) {
      const int begin = static_cast<int>(ex.source.size());
      for (const std::string& ch : Characters(zh)) ex.source.push_back(source_.Id(ch));
      return std::pair<int, int>{begin, static_cast<int>(ex.source.size())};
    };
    auto target_word = [&](const char* en, std::pair<int, int> span) {
      ex.target.push_back(target_.Id(en));
      ex.alignment.push_back(span);
    };
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng.UniformInt(n)); };

    // Choices first, in a fixed order, so a seed gives the same sentence whatever is printed.
    const bool has_time = pick(2) == 0;
    const Time& time = kTimes[pick(kTimes.size())];
    const Subject& subject = kSubjects[pick(kSubjects.size())];
    const std::size_t verb_index = pick(kVerbs.size());
    const Verb& verb = kVerbs[verb_index];
    // An index into places then things: 看 takes one of the first kWatchable things, the other
    // verbs any of the 20 nouns.
    const std::size_t object_index =
        verb_index == kWatch ? kPlaces.size() + pick(kWatchable) : pick(kPlaces.size() + kThings.size());
    const bool object_is_place = object_index < kPlaces.size();
    const Noun& object = object_is_place ? kPlaces[object_index] : kThings[object_index - kPlaces.size()];
    const bool has_place = pick(3) != 0;  // 2 in 3: a place phrase
    // A place other than the object ("miss beijing in beijing" is not a sentence anyone says).
    std::size_t place_index = pick(object_is_place ? kPlaces.size() - 1 : kPlaces.size());
    if (object_is_place && place_index >= object_index) ++place_index;
    const Noun& place = kPlaces[place_index];

    // Chinese: [time] subject [在 place] verb object.
    std::pair<int, int> time_at, in_at, place_at;
    if (has_time) time_at = source_word(time.zh);
    const auto subject_at = source_word(subject.zh);
    if (has_place) in_at = source_word(kIn), place_at = source_word(place.zh);
    const auto verb_at = source_word(verb.zh);
    const auto object_at = source_word(object.zh);

    // English: subject verb object [in place] [time].
    target_word(subject.en, subject_at);
    target_word(subject.third_person ? verb.en_third : verb.en, verb_at);
    target_word(object.en, object_at);
    if (has_place) target_word("in", in_at), target_word(place.en, place_at);
    if (has_time) {
      if (time.en[1] == nullptr) {
        target_word(time.en[0], time_at);
      } else {  // 每天: "every" ← 每, "day" ← 天
        target_word(time.en[0], {time_at.first, time_at.first + 1});
        target_word(time.en[1], {time_at.first + 1, time_at.second});
      }
    }
    return ex;
  }
};

}  // namespace

std::unique_ptr<Seq2SeqTask> MakeZhEnTask(const TaskOptions& /*options*/) { return std::make_unique<ZhEnTask>(); }

}  // namespace rnnscope
