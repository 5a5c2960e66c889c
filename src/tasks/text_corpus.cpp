#include "tasks/text_corpus.h"

#include <cstring>

#include "core/error.h"
#include "core/utf8.h"
#include "io/atomic_file.h"

namespace rnnscope {

TextCorpus MakeTextCorpus(std::string text, std::string_view source, const TextCorpusOptions& options) {
  const std::string src(source);
  if (!(options.validation_fraction >= 0.0 && options.validation_fraction <= 0.5)) {
    throw ConfigError("validation fraction " + std::to_string(options.validation_fraction) +
                      " is outside [0, 0.5]");
  }
  if (text.empty()) throw InputError(src + ": file is empty");
  // Binary files are usually caught by the UTF-8 check, but NUL is valid UTF-8 and is the
  // clearest sign of a binary file (and no text a person wants to model contains it).
  if (const void* nul = std::memchr(text.data(), 0, text.size())) {
    const auto offset = static_cast<std::size_t>(static_cast<const char*>(nul) - text.data());
    throw InputError(src + ": byte offset " + std::to_string(offset) +
                     ": NUL byte; this looks like a binary file, expected UTF-8 text");
  }
  // Validate before normalizing so that reported offsets are offsets in the file.
  const Utf8Error err = ValidateUtf8(text);
  if (!err.ok()) {
    throw InputError(src + ": " + err.Describe(text) + "; expected UTF-8 text (binary file, or " +
                     "another encoding such as Latin-1 or UTF-16?)");
  }
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  if (!options.keep_crlf && text.find('\r') != std::string::npos) {
    std::size_t w = 0;
    for (std::size_t r = 0; r < text.size(); ++r) {
      if (text[r] == '\r' && r + 1 < text.size() && text[r + 1] == '\n') continue;
      text[w++] = text[r];
    }
    text.resize(w);
  }
  if (text.empty()) throw InputError(src + ": file holds only a byte order mark, no text");

  TextCorpus corpus;
  corpus.source = src;
  corpus.bytes = text.size();
  corpus.vocab = Vocab::FromText(text, src);
  if (corpus.vocab.Size() < 2) {
    throw InputError(src + ": the text uses a single distinct character ('" + corpus.vocab.Token(0) +
                     "'); a language model needs at least two");
  }
  std::vector<int32_t> ids = corpus.vocab.Encode(text, UnknownPolicy::kError, src);
  text = std::string();  // release before the split copies
  const std::size_t n = ids.size();
  auto held_out = static_cast<std::size_t>(static_cast<double>(n) * options.validation_fraction);
  if (held_out < 2) held_out = 0;  // a 0- or 1-character validation set measures nothing
  if (n - held_out < 2) {
    throw InputError(src + ": only " + std::to_string(n - held_out) +
                     " training characters; need at least two (one input, one target)");
  }
  corpus.validation.assign(ids.end() - static_cast<std::ptrdiff_t>(held_out), ids.end());
  ids.resize(n - held_out);
  corpus.train = std::move(ids);
  return corpus;
}

TextCorpus LoadTextCorpus(const std::filesystem::path& path, const TextCorpusOptions& options) {
  return MakeTextCorpus(ReadFileChecked(path, options.max_bytes), path.string(), options);
}

}  // namespace rnnscope
