#!/usr/bin/python3
"""PyTorch goldens for the seq2seq layouts (model/seq2seq_pytorch_layouts.h, tests/test_seq2seq_layouts.cpp).

    /usr/bin/python3 tests/parity/make_seq2seq_layout_goldens.py                  # committed goldens
    /usr/bin/python3 tests/parity/make_seq2seq_layout_goldens.py --out DIR --seed 7 --random

Per case DIR/<name>/ gets the weights as users save them (weights.pt = {"encoder": enc.state_dict(),
"decoder": dec.state_dict()}, or encoder.* / decoder.* files, .pt by torch.save or safetensors), F32;
batch.safetensors (source_ids, decoder_input_ids, target_ids with -100, optional source_lengths: I64);
expected.safetensors (F64: loss, logits [B,T,V], attention [B,T,S], encoder_output [B,S,H],
decoder_hidden [B,T,H], h_n [L,B,H], grad.<name> per parameter under rnnscope's output names:
encoder.<name> / decoder.<name>; metadata layout, weights = the files in --weights order).
The modules are the published ones (dropout 0), run in float64 from F32-rounded weights:
  tutorial  pytorch.org/tutorials/intermediate/seq2seq_translation_tutorial.html EncoderRNN,
            BahdanauAttention, AttnDecoderRNN (forward_step), teacher forcing, NLLLoss(log_softmax)
  d2l       d2l.ai "Bahdanau Attention": Seq2SeqEncoder (d2l.GRU wrapper: rnn.rnn.*),
            AdditiveAttention (masked_softmax -1e6), Seq2SeqAttentionDecoder, in an EncoderDecoder
"""
import argparse
import os
import random
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_goldens import write_safetensors  # noqa: E402  (one writer for every golden script)


# ---------------------------------------------------------------- the tutorial's modules
class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)

    def forward(self, input):
        output, hidden = self.gru(self.embedding(input))
        return output, hidden


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size):
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, encoder_outputs, encoder_hidden, decoder_inputs):  # teacher forcing
        decoder_hidden = encoder_hidden
        outputs, attentions, hiddens = [], [], []
        for i in range(decoder_inputs.size(1)):
            out, decoder_hidden, attn, h = self.forward_step(decoder_inputs[:, i].unsqueeze(1), decoder_hidden,
                                                             encoder_outputs)
            outputs.append(out), attentions.append(attn), hiddens.append(h)
        return torch.cat(outputs, 1), torch.cat(attentions, 1), torch.cat(hiddens, 1), decoder_hidden

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.embedding(input)
        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        input_gru = torch.cat((embedded, context), dim=2)
        output, hidden = self.gru(input_gru, hidden)
        return self.out(output), hidden, attn_weights, output


# ---------------------------------------------------------------- d2l's modules
def masked_softmax(X, valid_lens):
    shape = X.shape
    valid_lens = torch.repeat_interleave(valid_lens, shape[1])
    X = X.reshape(-1, shape[-1]).clone()
    mask = torch.arange(X.size(1))[None, :] < valid_lens[:, None]
    X[~mask] = -1e6
    return F.softmax(X.reshape(shape), dim=-1)


class AdditiveAttention(nn.Module):
    def __init__(self, key_size, query_size, num_hiddens):
        super().__init__()
        self.W_k = nn.Linear(key_size, num_hiddens, bias=False)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=False)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        features = torch.tanh(queries.unsqueeze(2) + keys.unsqueeze(1))
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.attention_weights, values)


class D2lGRU(nn.Module):  # d2l.GRU: the nn.GRU sits at .rnn
    def __init__(self, num_inputs, num_hiddens, num_layers):
        super().__init__()
        self.rnn = nn.GRU(num_inputs, num_hiddens, num_layers)

    def forward(self, X, H=None):
        return self.rnn(X, H)


class Seq2SeqEncoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = D2lGRU(embed_size, num_hiddens, num_layers)

    def forward(self, X):
        return self.rnn(self.embedding(X.t()))


class Seq2SeqAttentionDecoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers):
        super().__init__()
        self.attention = AdditiveAttention(num_hiddens, num_hiddens, num_hiddens)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def forward(self, X, enc_outputs, hidden_state, enc_valid_lens):
        enc_outputs = enc_outputs.permute(1, 0, 2)
        X = self.embedding(X).permute(1, 0, 2)
        outputs, attn = [], []
        for x in X:
            query = torch.unsqueeze(hidden_state[-1], dim=1)
            context = self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)
            x = torch.cat((context, torch.unsqueeze(x, dim=1)), dim=-1)
            out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)
            outputs.append(out)
            attn.append(self.attention.attention_weights)
        hid = torch.cat(outputs, dim=0)
        return self.dense(hid).permute(1, 0, 2), torch.cat(attn, 1), hid.permute(1, 0, 2), hidden_state


class EncoderDecoder(nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder


# ---------------------------------------------------------------- cases
def rounded(module):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.float())
    return module.double()


def make(case, rng, out_dir):
    torch.manual_seed(rng.randint(0, 1 << 30))
    Vs, Vt = rng.randint(5, 11), rng.randint(5, 11)
    B, S, T = rng.randint(1, 3), rng.randint(2, 5), rng.randint(2, 4)
    src = torch.tensor([[rng.randrange(Vs) for _ in range(S)] for _ in range(B)])
    dec_in = torch.tensor([[rng.randrange(Vt) for _ in range(T)] for _ in range(B)])
    tgt = torch.tensor([[rng.randrange(Vt) for _ in range(T)] for _ in range(B)])
    tgt[0, -1] = -100
    batch = {"source_ids": src, "decoder_input_ids": dec_in, "target_ids": tgt}
    if case["kind"] == "tutorial":
        H = rng.randint(3, 6)
        enc, dec = rounded(EncoderRNN(Vs, H)), rounded(AttnDecoderRNN(H, Vt))
        enc_out, enc_h = enc(src)
        logits, attn, hid, h_n = dec(enc_out, enc_h, dec_in)
        modules = {"encoder": enc, "decoder": dec}
    else:
        L, H, E = case["layers"], rng.randint(3, 6), rng.randint(2, 5)
        net = rounded(EncoderDecoder(Seq2SeqEncoder(Vs, E, H, L), Seq2SeqAttentionDecoder(Vt, E, H, L)))
        lens = torch.tensor([S] + [rng.randint(1, S) for _ in range(B - 1)]) if case.get("lengths") else \
            torch.full((B,), S)
        if case.get("lengths"):
            batch["source_lengths"] = lens
        enc_out, enc_h = net.encoder(src)
        logits, attn, hid, h_n = net.decoder(dec_in, enc_out, enc_h, lens)
        enc_out = enc_out.permute(1, 0, 2)
        modules = {"encoder": net.encoder, "decoder": net.decoder}
    loss = F.nll_loss(F.log_softmax(logits, -1).reshape(-1, Vt), tgt.reshape(-1), ignore_index=-100)
    for m in modules.values():
        m.zero_grad()
    loss.backward()
    d = os.path.join(out_dir, case["name"])
    os.makedirs(d, exist_ok=True)
    expected = {"loss": loss, "logits": logits, "attention": attn, "encoder_output": enc_out,
                "decoder_hidden": hid, "h_n": h_n}
    for half, m in modules.items():
        for k, p in m.named_parameters():
            expected["grad." + half + "." + k] = p.grad
    states = {half: {k: v.float() for k, v in m.state_dict().items()} for half, m in modules.items()}
    form = case["form"]
    if form == "one_pt":
        files = ["weights.pt"]
        torch.save(states, os.path.join(d, files[0]))
    elif form == "two_pt":
        files = ["decoder.pt", "encoder.pt"]  # decoder first: told apart by content, not order
        for half in ("encoder", "decoder"):
            torch.save(states[half], os.path.join(d, half + ".pt"))
    elif form == "flat":  # d2l: the EncoderDecoder's own state_dict (encoder.*, decoder.*)
        files = ["weights.safetensors"]
        write_safetensors(os.path.join(d, files[0]), {h + "." + k: v for h, st in states.items() for k, v in st.items()})
    else:  # two_safetensors
        files = ["encoder.safetensors", "decoder.safetensors"]
        for half in ("encoder", "decoder"):
            write_safetensors(os.path.join(d, half + ".safetensors"), states[half])
    write_safetensors(os.path.join(d, "batch.safetensors"), batch)
    write_safetensors(os.path.join(d, "expected.safetensors"), {k: v.detach().double() for k, v in expected.items()},
                      {"layout": case["layout"], "weights": " ".join(files)})


def cases(randomize, rng):
    return [
        dict(name="tutorial_two_pt", kind="tutorial", form="two_pt", layout="pytorch_tutorial"),
        dict(name="tutorial_two_safetensors", kind="tutorial", form="two_safetensors", layout="pytorch_tutorial"),
        dict(name="tutorial_one_pt", kind="tutorial", form="one_pt", layout="pytorch_tutorial"),
        dict(name="d2l_1layer", kind="d2l", layers=1, form="flat", layout="d2l_seq2seq"),
        dict(name="d2l_2layers_lengths", kind="d2l", layers=rng.randint(2, 3) if randomize else 2, lengths=True,
             form="flat", layout="d2l_seq2seq"),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "seq2seq_layout_goldens"))
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--random", action="store_true", help="random layer counts too")
    a = ap.parse_args()
    torch.set_default_dtype(torch.float32)
    rng = random.Random(a.seed)
    cs = cases(a.random, rng)
    for case in cs:
        make(case, rng, a.out)
    print("wrote", len(cs), "cases to", a.out)


if __name__ == "__main__":
    main()
