// slots: short travel requests tagged with from / to / date slots, e.g.
//   leave    taipei  on  may    3       and  arrive  in  new   york
//   O        B-from  O   B-date I-date  O    O       O   B-to  I-to
// The same city is a departure or an arrival depending on the verb ("leave taipei" vs "arrive
// in taipei"), and in some templates the deciding word comes after the city ("taipei to tokyo"
// vs "tokyo from taipei"), which only a bidirectional encoder can see when it tags the city.
#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "tasks/tagging_task.h"

namespace rnnscope {
namespace {

constexpr std::array kCities = {"taipei", "tokyo",  "paris",  "london",   "boston",   "denver",
                                "seoul",  "berlin", "madrid", "rome",     "sydney",   "chicago",
                                "seattle", "new york", "san francisco", "hong kong"};
constexpr std::array kDays = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
constexpr std::array kMonths = {"january", "february", "march", "april", "may", "june", "july",
                                "august", "september", "october", "november", "december"};

// Templates: words, with {F} (from city), {T} (to city) and {D} (a date phrase, sometimes left
// out). Where the deciding word follows the city is marked "right context".
constexpr std::array kTemplates = {
    "i want to leave {F} {D}",
    "leave {F} on {D} and arrive in {T}",
    "arrive in {T} {D}",
    "i need to arrive in {T} after leaving {F}",
    "flights from {F} to {T} {D}",
    "{F} to {T} {D}",                       // right context: "to" after the first city
    "{T} from {F} {D}",                     // right context: "from" after the first city
    "fly to {T} from {F} on {D}",
    "depart {F} {D} arriving in {T}",
    "show me flights leaving {F} and arriving in {T} {D}",
    "book a trip to {T} leaving {F} {D}",
    "i arrive in {T} on {D} and leave {F} later",
    "{F} departure to {T} please",          // right context
    "{T} arrival from {F} on {D}",          // right context
};

class SlotTask : public TaggingTask {
 public:
  explicit SlotTask(TagScheme scheme) : scheme_(scheme) {
    AddTag("O");
    for (const char* type : {"from", "to", "date"}) {
      if (scheme_ == TagScheme::kBio) AddTag(std::string("B-") + type), AddTag(std::string("I-") + type);
      else AddTag(type);
    }
    // Every word the generator can produce, in a fixed order (deterministic ids).
    auto add_words = [&](const std::string& phrase) {
      std::istringstream in(phrase);
      std::string w;
      while (in >> w) {
        if (w.front() != '{') words_.Add(w);
      }
    };
    for (const char* t : kTemplates) add_words(t);
    for (const char* c : kCities) add_words(c);
    for (const char* d : kDays) add_words(d);
    for (const char* m : kMonths) add_words(m);
    add_words("tomorrow today next on");
    for (int n = 1; n <= 28; ++n) words_.Add(std::to_string(n));
  }
  std::string Name() const override { return "slots"; }
  nlohmann::json Options() const override { return {{"tags", TagSchemeName(scheme_)}}; }

  TaggingExample Sample(Rng& rng, Split split) const override {
    return SampleOfSplit([this](Rng& r) { return Generate(r); }, rng, split, "slots");
  }

 private:
  void Emit(const std::string& phrase, const char* type, TaggingExample& ex) const {
    std::istringstream in(phrase);
    std::string w;
    bool first = true;
    while (in >> w) {
      ex.words.push_back(words_.Id(w));
      std::string tag = "O";
      if (type) tag = scheme_ == TagScheme::kBio ? std::string(first ? "B-" : "I-") + type : std::string(type);
      ex.tags.push_back(TagId(tag));
      first = false;
    }
  }

  std::string DatePhrase(Rng& rng) const {
    switch (rng.UniformInt(4)) {
      case 0: return kDays[rng.UniformInt(kDays.size())];
      case 1: return std::string("next ") + kDays[rng.UniformInt(kDays.size())];
      case 2: return rng.UniformInt(2) ? "tomorrow" : "today";
      default: return std::string(kMonths[rng.UniformInt(kMonths.size())]) + " " + std::to_string(1 + rng.UniformInt(28));
    }
  }

  TaggingExample Generate(Rng& rng) const {
    const std::string tmpl = kTemplates[rng.UniformInt(kTemplates.size())];
    const std::size_t f = rng.UniformInt(kCities.size());
    std::size_t t = rng.UniformInt(kCities.size() - 1);
    if (t >= f) ++t;  // never the same city twice
    // A date slot written with "on" in the template must be there; a bare {D} is optional.
    const bool with_on = tmpl.find("on {D}") != std::string::npos;
    const bool date = with_on || rng.UniformInt(3) != 0;
    TaggingExample ex;
    std::istringstream in(tmpl);
    std::string w;
    while (in >> w) {
      if (w == "{F}") Emit(kCities[f], "from", ex);
      else if (w == "{T}") Emit(kCities[t], "to", ex);
      else if (w == "{D}") {
        if (date) Emit(DatePhrase(rng), "date", ex);
      } else {
        Emit(w, nullptr, ex);
      }
    }
    return ex;
  }

  TagScheme scheme_;
};

}  // namespace

std::unique_ptr<TaggingTask> MakeSlotTask(TagScheme scheme) { return std::make_unique<SlotTask>(scheme); }

}  // namespace rnnscope
