// copy: "abcd" → "abcd"; alignment is the diagonal.
#include <memory>

#include "tasks/seq2seq_task.h"

namespace rnnscope {
namespace {

class CopyTask : public Seq2SeqTask {
 public:
  explicit CopyTask(const TaskOptions& o) : options_(o) {
    for (char ch = 'a'; ch <= 'z'; ++ch) source_.Add(std::string(1, ch)), target_.Add(std::string(1, ch));
  }
  std::string Name() const override { return "copy"; }
  int MaxTargetLength() const override { return options_.max_length; }

 protected:
  Seq2SeqExample Generate(Rng& rng) const override {
    const int n = options_.min_length +
                  static_cast<int>(rng.UniformInt(static_cast<uint64_t>(options_.max_length - options_.min_length + 1)));
    Seq2SeqExample ex;
    for (int i = 0; i < n; ++i) {
      const auto id = static_cast<int32_t>(3 + rng.UniformInt(26));
      ex.source.push_back(id);
      ex.target.push_back(id);
      ex.alignment.emplace_back(i, i + 1);
    }
    return ex;
  }

 private:
  TaskOptions options_;
};

}  // namespace

std::unique_ptr<Seq2SeqTask> MakeCopyTask(const TaskOptions& options) {
  return std::make_unique<CopyTask>(options);
}

}  // namespace rnnscope
