#!/usr/bin/python3
"""A PyTorch seq2seq model as a user hands it to rnnscope (tests/test_seq2seq_import.cpp):

    /usr/bin/python3 tests/parity/make_seq2seq_import_case.py --out DIR --kind tutorial|d2l [--seed N]

DIR/model.pt (tutorial: {"encoder": ..., "decoder": ...}; d2l: the EncoderDecoder's state_dict),
model.source.vocab.json / model.target.vocab.json (word-level; tutorial SOS=0 EOS=1, d2l <unk>=0
<pad>=1 <bos>=2 <eos>=3), model.pairs.tsv (one pair) and expected.json: the loss of that pair,
and a padded batch of id pairs with its loss, batched as the modules' own code does (source +
EOS padded with 0 / <pad>, d2l valid_lens = length + 1; decoder input SOS/<bos> + target; labels
target + EOS then ignored). Modules: make_seq2seq_layout_goldens.py's (the published ones), in
float64 from F32-rounded weights.
"""
import argparse
import json
import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_seq2seq_layout_goldens import (EncoderRNN, AttnDecoderRNN, Seq2SeqEncoder,  # noqa: E402
                                         Seq2SeqAttentionDecoder, EncoderDecoder, rounded)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--kind", choices=["tutorial", "d2l"], required=True)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    torch.manual_seed(a.seed)
    tutorial = a.kind == "tutorial"
    specials = ["SOS", "EOS"] if tutorial else ["<unk>", "<pad>", "<bos>", "<eos>"]
    src_words = ["ich", "bin", "du", "bist", "gut", "hier"]
    tgt_words = ["i", "am", "you", "are", "good", "here", "ok"]
    src_vocab, tgt_vocab = specials + src_words, specials + tgt_words
    sos, eos = (0, 1) if tutorial else (2, 3)
    pad = 0 if tutorial else 1
    H = 6
    if tutorial:
        enc, dec = rounded(EncoderRNN(len(src_vocab), H)), rounded(AttnDecoderRNN(H, len(tgt_vocab)))
        state = {"encoder": {k: v.float() for k, v in enc.state_dict().items()},
                 "decoder": {k: v.float() for k, v in dec.state_dict().items()}}
    else:
        net = rounded(EncoderDecoder(Seq2SeqEncoder(len(src_vocab), 5, H, 2), Seq2SeqAttentionDecoder(len(tgt_vocab), 5, H, 2)))
        state = {k: v.float() for k, v in net.state_dict().items()}
    os.makedirs(a.out, exist_ok=True)
    torch.save(state, os.path.join(a.out, "model.pt"))
    for side, vocab in (("source", src_vocab), ("target", tgt_vocab)):
        with open(os.path.join(a.out, "model.%s.vocab.json" % side), "w") as f:
            json.dump(vocab, f)

    def loss_of(pairs):  # pairs of id lists without EOS
        S = max(len(s) for s, _ in pairs) + 1
        T = max(len(t) for _, t in pairs) + 1
        src = torch.full((len(pairs), S), pad)
        dec_in = torch.full((len(pairs), T), pad)
        tgt = torch.full((len(pairs), T), -100)
        for b, (s, t) in enumerate(pairs):
            src[b, :len(s) + 1] = torch.tensor(s + [eos])
            dec_in[b, :len(t) + 1] = torch.tensor([sos] + t)
            tgt[b, :len(t) + 1] = torch.tensor(t + [eos])
        if tutorial:
            enc_out, enc_h = enc(src)
            logits = dec(enc_out, enc_h, dec_in)[0]
        else:
            lens = torch.tensor([len(s) + 1 for s, _ in pairs])
            enc_out, enc_h = net.encoder(src)
            logits = net.decoder(dec_in, enc_out, enc_h, lens)[0]
        return F.nll_loss(F.log_softmax(logits, -1).reshape(-1, len(tgt_vocab)), tgt.reshape(-1), ignore_index=-100).item()

    n = len(specials)
    pair = ([n + 0, n + 1, n + 4], [n + 0, n + 1, n + 4, n + 6])  # "ich bin gut" → "i am good ok"
    with open(os.path.join(a.out, "model.pairs.tsv"), "w") as f:
        f.write(" ".join(src_vocab[i] for i in pair[0]) + "\t" + " ".join(tgt_vocab[i] for i in pair[1]) + "\n")
    batch = []
    for _ in range(4):
        s = [rng.randrange(n, len(src_vocab)) for _ in range(rng.randint(1, 5))]
        t = [rng.randrange(n, len(tgt_vocab)) for _ in range(rng.randint(1, 4))]
        batch.append((s, t))
    with torch.no_grad():
        expected = {"pair_loss": loss_of([pair]), "batch": batch, "batch_loss": loss_of(batch)}
    with open(os.path.join(a.out, "expected.json"), "w") as f:
        json.dump(expected, f)
    print(json.dumps(expected))


if __name__ == "__main__":
    main()
