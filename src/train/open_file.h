// Opening a file by what it holds (io/file_kind.h): one mechanism for `rnnscope PATH`, File ▸
// Open…, a file dropped onto the window and File ▸ Examples. A text, a TSV or CoNLL file or a
// PyTorch state_dict becomes a job spec; a checkpoint is loaded as the run it records.
#pragma once

#include <string>

#include "io/file_kind.h"
#include "train/job_factory.h"

namespace rnnscope {

// The spec a non-checkpoint file runs as: `base`'s settings and the model fields it was given
// (the command line's flags; the window passes none, so the task's defaults apply), with the
// task and file the kind names:
//   text → charlm on the text; tsv → task tsv; conll → task conll (each with the file as data);
//   state_dict → the char LM imported from it, with its vocabulary "<name>.vocab.json" beside it
//   (or base.vocab_path), on base's text (or the built-in corpus); a seq2seq-with-attention
//   state_dict (LooksLikeSeq2Seq) → seq2seq_weights with "<name>.source.vocab.json",
//   "<name>.target.vocab.json" and its training pairs "<name>.pairs.tsv" beside it (or base's
//   vocab_path, target_vocab_path, data_path).
// Throws InputError for a checkpoint (LoadJob opens those) or a state_dict without vocabulary.
JobSpec SpecForFile(const std::string& path, FileKind kind, const JobSpec& base);

// "<name>.vocab.json" beside a model file: where Export model writes the vocabulary and where
// opening a state_dict looks for it.
// `role` "source"/"target": "<name>.<role>.vocab.json", a seq2seq model's two vocabularies.
std::string VocabularyBeside(const std::string& model_path, const std::string& role = "");

// The absolute, normalised form of a path (for checkpoints, titles and messages).
std::string AbsolutePath(const std::string& path);

}  // namespace rnnscope
