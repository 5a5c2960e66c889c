// dates: many human formats → ISO 8601. "3 May 1987", "Sunday, May 3rd 1987", "03/05/87"
// (day first), "1987/05/03", "3rd of May, 1987", ... → "1987-05-03". Years 1950–2049 (two-digit
// years: 50–99 → 19xx, 00–49 → 20xx). Alignment: each output character spans the source field
// (year, month or day, as written) it is read from; the dashes have none.
#include <array>
#include <cctype>
#include <memory>
#include <string>

#include "tasks/seq2seq_task.h"

namespace rnnscope {
namespace {

constexpr std::array<const char*, 12> kMonths = {"January", "February", "March",     "April",
                                                 "May",     "June",     "July",      "August",
                                                 "September", "October", "November", "December"};
constexpr std::array<const char*, 7> kWeekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                  "Thursday", "Friday", "Saturday"};
constexpr int kFormats = 12;

int DaysIn(int year, int month) {
  static constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[static_cast<std::size_t>(month - 1)];
}

// Sakamoto's method: 0 = Sunday.
int Weekday(int y, int m, int d) {
  static constexpr std::array<int, 12> t = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  if (m < 3) y -= 1;
  return (y + y / 4 - y / 100 + y / 400 + t[static_cast<std::size_t>(m - 1)] + d) % 7;
}

std::string Ordinal(int d) {
  const char* suffix = (d % 10 == 1 && d != 11) ? "st" : (d % 10 == 2 && d != 12) ? "nd"
                       : (d % 10 == 3 && d != 13) ? "rd" : "th";
  return std::to_string(d) + suffix;
}

std::string Two(int v) {
  const char digits[3] = {static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10), 0};
  return digits;
}

// Where each field landed in the source text: begin and number of characters.
struct Field {
  int begin = -1, size = 0;
  bool numeric = true;
};

class DateTask : public Seq2SeqTask {
 public:
  DateTask() {
    for (char ch = 32; ch < 127; ++ch) source_.Add(std::string(1, ch));
    for (char ch = '0'; ch <= '9'; ++ch) target_.Add(std::string(1, ch));
    target_.Add("-");
  }
  std::string Name() const override { return "dates"; }
  int MaxTargetLength() const override { return 10; }

 protected:
  Seq2SeqExample Generate(Rng& rng) const override {
    const int year = 1950 + static_cast<int>(rng.UniformInt(100));
    const int month = 1 + static_cast<int>(rng.UniformInt(12));
    const int day = 1 + static_cast<int>(rng.UniformInt(static_cast<uint64_t>(DaysIn(year, month))));
    const int format = static_cast<int>(rng.UniformInt(kFormats));
    std::string s;
    Field fy, fm, fd;
    auto put = [&](Field* f, const std::string& text, bool numeric) {
      if (f) *f = {static_cast<int>(s.size()), static_cast<int>(text.size()), numeric};
      s += text;
    };
    const std::string full = kMonths[static_cast<std::size_t>(month - 1)];
    const std::string abbr = full.substr(0, 3);
    std::string upper = abbr, lower = full;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const std::string wd = kWeekdays[static_cast<std::size_t>(Weekday(year, month, day))];
    const std::string y4 = std::to_string(year), y2 = Two(year % 100);
    // Ordinal day "3rd": the field is the digits only.
    auto put_ordinal = [&] {
      const std::string o = Ordinal(day);
      put(&fd, std::to_string(day), true);
      s += o.substr(std::to_string(day).size());
    };
    switch (format) {
      case 0: put(&fd, std::to_string(day), true), s += " ", put(&fm, full, false), s += " ", put(&fy, y4, true); break;
      case 1: put(&fd, Two(day), true), s += " ", put(&fm, abbr, false), s += " ", put(&fy, y4, true); break;
      case 2: put(&fm, full, false), s += " ", put(&fd, std::to_string(day), true), s += ", ", put(&fy, y4, true); break;
      case 3: s += wd + ", ", put(&fm, full, false), s += " ", put_ordinal(), s += " ", put(&fy, y4, true); break;
      case 4: put(&fd, Two(day), true), s += "/", put(&fm, Two(month), true), s += "/", put(&fy, y2, true); break;
      case 5: put(&fd, std::to_string(day), true), s += ".", put(&fm, std::to_string(month), true), s += ".", put(&fy, y4, true); break;
      case 6: put(&fy, y4, true), s += "/", put(&fm, Two(month), true), s += "/", put(&fd, Two(day), true); break;
      case 7: put_ordinal(), s += " of ", put(&fm, full, false), s += ", ", put(&fy, y4, true); break;
      case 8: s += wd.substr(0, 3) + " ", put(&fd, std::to_string(day), true), s += " ", put(&fm, abbr, false), s += " ", put(&fy, y2, true); break;
      case 9: put(&fm, upper, false), s += " ", put(&fd, std::to_string(day), true), s += " ", put(&fy, y4, true); break;
      case 10: put(&fd, std::to_string(day), true), s += " ", put(&fm, lower, false), s += " ", put(&fy, y4, true); break;
      default: put(&fm, abbr, false), s += " ", put(&fd, Two(day), true), s += " ", put(&fy, y4, true); break;
    }
    Seq2SeqExample ex;
    for (char ch : s) ex.source.push_back(source_.Id(std::string(1, ch)));
    const std::string iso = y4 + "-" + Two(month) + "-" + Two(day);
    for (char ch : iso) ex.target.push_back(target_.Id(std::string(1, ch)));
    // Every output character aligns to the whole source field it is read from: the century of
    // "1987" is implied by "87", and "05" by "May", so no finer ground truth exists.
    auto span = [](const Field& f) { return std::pair<int, int>{f.begin, f.begin + f.size}; };
    for (int k = 0; k < 4; ++k) ex.alignment.push_back(span(fy));
    ex.alignment.emplace_back(-1, -1);
    ex.alignment.push_back(span(fm));
    ex.alignment.push_back(span(fm));
    ex.alignment.emplace_back(-1, -1);
    ex.alignment.push_back(span(fd));
    ex.alignment.push_back(span(fd));
    return ex;
  }
};

}  // namespace

std::unique_ptr<Seq2SeqTask> MakeDateTask(const TaskOptions& /*options*/) {
  return std::make_unique<DateTask>();
}

}  // namespace rnnscope
