// The two published seq2seq-with-attention PyTorch layouts → one Seq2SeqConfig (model/seq2seq.h)
// and rnnscope's canonical Seq2SeqParams names (Seq2SeqParams::ForEach), and back. The
// char-LM/tagger/classifier layouts are model/pytorch_layout.h; this is its seq2seq sibling and
// shares its first step (StripWrappersAndMap: `module.`/`_orig_mod.` prefixes, --map).
//
//   pytorch_tutorial  pytorch.org tutorial "NLP From Scratch: Translation with a Sequence to
//                     Sequence Network and Attention": EncoderRNN (embedding, gru) and
//                     AttnDecoderRNN (embedding, attention = BahdanauAttention(Wa, Ua, Va:
//                     nn.Linear with bias), gru over cat(embedded, context), out on the GRU
//                     output). Names: encoder.{embedding.weight, gru.*}, decoder.{embedding.weight,
//                     attention.{Wa,Ua,Va}.{weight,bias}, gru.*, out.{weight,bias}}.
//   d2l_seq2seq       d2l.ai "Bahdanau Attention": Seq2SeqEncoder + Seq2SeqAttentionDecoder in
//                     an EncoderDecoder. Names: encoder.{embedding.weight, rnn.rnn.* (d2l 1.0's
//                     d2l.GRU wrapper) or rnn.*}, decoder.{embedding.weight,
//                     attention.{W_q,W_k,w_v}.weight, rnn.* or rnn.rnn.*, dense.{weight,bias}};
//                     GRU input cat(context, embedding); L_e = L_d layers; attention masked at
//                     positions ≥ the source length.
// Both: GRU, the decoder starts from the encoder's final state (ContextMode::kCopy), the encoder
// runs over the padding (unpacked nn.GRU), the output layer sees the decoder state only.
//
// The tutorial saves two state_dicts. Either as one dict {"encoder": …, "decoder": …}
// (io/tensor_file_reader.h flattens it to encoder.*/decoder.*) or as two files: MergeEncoderDecoder
// tells them apart by content (the decoder is the one with attention.*) and prefixes their names
// with `encoder.` / `decoder.`, so both forms resolve alike and gradients of two files are written
// under `encoder.<encoder file's name>` and `decoder.<decoder file's name>` in the one output.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "model/pytorch_layout.h"
#include "model/seq2seq.h"

namespace rnnscope {

bool IsSeq2SeqLayoutName(const std::string& layout);  // pytorch_tutorial | d2l_seq2seq

// Whether `files` are a seq2seq model: two files, a seq2seq --layout, or an attention module.
bool LooksLikeSeq2Seq(const std::vector<TensorFile>& files, const LayoutOptions& options);

// One file as is; two files as one with `encoder.`/`decoder.` prefixes (decoder = the file with
// `attention.` tensors), adding a report line per file. Throws InputError when neither or both
// have an attention module, or for more than two files.
TensorFile MergeEncoderDecoder(const std::vector<TensorFile>& files, std::vector<std::string>& report);

struct Seq2SeqLayout {
  std::string name;     // "pytorch_tutorial" or "d2l_seq2seq"
  std::string wrapper;  // stripped prefixes ("module.", "encoder.module.", ...), "" if none
  Seq2SeqConfig config;
  std::map<std::string, std::string> to_file;  // canonical name → the (merged) file's own name
  std::vector<std::string> report;             // what matched what, one line each

  std::string FileName(const std::string& canonical) const;
};

// Matches a (merged) file to a layout and infers the config from the shapes. Throws InputError
// (a name fitting no layout, missing tensors, --layout contradicting the names) and ShapeError
// (two tensors that contradict each other, naming both: encoder and decoder hidden sizes,
// source and target embedding widths, layer counts, the GRU's input width ...).
Seq2SeqLayout ResolveSeq2SeqLayout(const TensorFile& file, const LayoutOptions& options = {});

// The same tensors under canonical names, and back (round trip: same names, same tensors).
TensorFile ToCanonical(const TensorFile& file, const Seq2SeqLayout& layout);
TensorFile FromCanonical(const TensorFile& canonical, const Seq2SeqLayout& layout);

// Fills `params` (allocated here for layout.config) from canonical tensors: each present, shaped
// as PyTorch shapes it, finite; messages name the file's own tensor.
void LoadSeq2SeqParams(const TensorFile& canonical, const Seq2SeqLayout& layout,
                       Seq2SeqParams<double>& params);

}  // namespace rnnscope
