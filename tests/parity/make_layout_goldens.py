#!/usr/bin/python3
"""PyTorch goldens for the published state_dict layouts (tests/test_pytorch_layouts.cpp).

    /usr/bin/python3 tests/parity/make_layout_goldens.py                    # committed goldens
    /usr/bin/python3 tests/parity/make_layout_goldens.py --out DIR --seed 7 --random   # unseen sizes

Per case DIR/<name>/ gets
  weights.safetensors   the module's own state_dict (its names: encoder.*, module.rnn.*, ...), F32
  batch.safetensors     input_ids, target_ids: I64 [batch, time]; a classifier: input_ids and
                        label: I64 [batch], read out as fc(output[:, -1]) (readout last) or
                        fc(output.mean(dim=1)) (readout mean)
  expected.safetensors  F64: loss [], logits [B, T, classes] (a classifier: [B, classes], the
                        readout's) and grad.<state_dict name> for every state_dict entry;
                        __metadata__ {"layout": expected layout name, "cell_flag": --cell to
                        pass ("" = none), "readout": --readout to pass ("" = none)}
The models are the published ones, rebuilt here with their attribute names:
  word_language_model  github.com/pytorch/examples/blob/main/word_language_model/model.py RNNModel:
                       encoder = nn.Embedding(ntoken, ninp); rnn = nn.LSTM/GRU(ninp, nhid, nlayers)
                       or nn.RNN(..., nonlinearity='tanh'|'relu') for RNN_TANH/RNN_RELU, time-major;
                       decoder = nn.Linear(nhid, ntoken); tie_weights: decoder.weight = encoder.weight
  d2l                  d2l.ai "Concise Implementation of Recurrent Neural Networks" RNNModel:
                       F.one_hot(inputs.T, vocab_size) -> rnn_layer -> linear =
                       nn.Linear(num_hiddens * num_directions, vocab_size)
The model runs in float64 from the F32-rounded weights, so both sides see identical numbers.
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

RNN = {"lstm": lambda *a, **k: nn.LSTM(*a, **k), "gru": lambda *a, **k: nn.GRU(*a, **k),
       "rnn_tanh": lambda *a, **k: nn.RNN(*a, nonlinearity="tanh", **k),
       "rnn_relu": lambda *a, **k: nn.RNN(*a, nonlinearity="relu", **k)}


class Net(nn.Module):
    """emb (nn.Embedding or None: one-hot) -> rnn -> out (nn.Linear), under chosen names."""

    def __init__(self, names, cell, vocab, classes, embed, hidden, layers, bidir, time_major, tied):
        super().__init__()
        self.names, self.vocab, self.time_major = names, vocab, time_major
        if embed:
            setattr(self, names[0], nn.Embedding(vocab, embed))
        setattr(self, names[1], RNN[cell](embed or vocab, hidden, layers, bidirectional=bidir,
                                          batch_first=not time_major))
        setattr(self, names[2], nn.Linear(hidden * (2 if bidir else 1), classes))
        self.embed = embed
        if tied:
            getattr(self, names[2]).weight = getattr(self, names[0]).weight

    def output(self, ids):  # ids [B, T] -> the rnn's output [B, T, D*H]
        x = getattr(self, self.names[0])(ids) if self.embed else F.one_hot(ids, self.vocab).double()
        if self.time_major:
            x = x.transpose(0, 1)
        y, _ = getattr(self, self.names[1])(x)
        return y.transpose(0, 1) if self.time_major else y

    def forward(self, ids):  # ids [B, T] -> logits [B, T, classes]
        return getattr(self, self.names[2])(self.output(ids))


def cases(rng, randomize):
    def size(lo, hi, fixed):
        return rng.randint(lo, hi) if randomize else fixed
    out = []
    wlm = ("encoder", "rnn", "decoder")
    for cell in ["lstm", "gru", "rnn_tanh", "rnn_relu"]:
        out.append(dict(name="wlm_" + cell, names=wlm, cell=cell, layers=size(1, 2, 2), bidir=False,
                        time_major=True, layout="word_language_model",
                        cell_flag="rnn_relu" if cell == "rnn_relu" else ""))
    out.append(dict(name="rnnscope_gru_bi", names=("embedding", "rnn", "fc"), cell="gru", layers=size(1, 2, 2),
                    bidir=True, layout="rnnscope"))
    out.append(dict(name="wlm_lstm_tied", names=wlm, cell="lstm", layers=1, bidir=False, time_major=True,
                    tied=True, layout="word_language_model"))
    out.append(dict(name="d2l_gru_onehot_bi", names=(None, "rnn", "linear"), cell="gru", layers=size(1, 2, 1),
                    bidir=True, embed=0, time_major=True, layout="d2l"))
    out.append(dict(name="d2l_rnn_onehot", names=(None, "rnn", "linear"), cell="rnn_tanh", layers=1,
                    bidir=False, embed=0, time_major=True, layout="d2l"))
    out.append(dict(name="ddp_wlm_lstm", names=wlm, cell="lstm", layers=size(1, 2, 2), bidir=False,
                    time_major=True, prefix="module.", layout="word_language_model"))
    out.append(dict(name="custom_lstm_bi", names=("tok_emb", "lstm", "head"), cell="lstm", layers=size(1, 2, 2),
                    bidir=True, layout="by shapes"))
    out.append(dict(name="tagger_lstm_bi", names=("embedding", "rnn", "fc"), cell="lstm", layers=size(1, 2, 1),
                    bidir=True, vocab=13, classes=4, layout="rnnscope"))
    out.append(dict(name="classifier_gru", names=("embedding", "rnn", "fc"), cell="gru", layers=size(1, 2, 2),
                    bidir=False, classes=3, classify="last", layout="rnnscope"))
    out.append(dict(name="classifier_lstm_bi_mean", names=("embedding", "rnn", "fc"), cell="lstm",
                    layers=size(1, 2, 2), bidir=True, classes=4, classify="mean", layout="rnnscope"))
    return out


def make(case, rng, out_dir):
    vocab = case.get("vocab", rng.randint(5, 12))
    classes = case.get("classes", vocab)
    hidden = rng.randint(3, 7)
    embed = case.get("embed", hidden if case.get("tied") else rng.randint(2, 6))
    torch.manual_seed(rng.randint(0, 1 << 30))
    net = Net(case["names"], case["cell"], vocab, classes, embed, hidden, case["layers"], case["bidir"],
              case.get("time_major", False), case.get("tied", False))
    # F32-rounded weights, then float64 for the computation (what rnnscope reads from F32).
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(p.float().double() if p.dtype == torch.float64 else p.float())
    net = net.double()
    B, T = rng.randint(1, 3), rng.randint(2, 5)
    ids = torch.tensor([[rng.randrange(vocab) for _ in range(T)] for _ in range(B)], dtype=torch.int64)
    targets = torch.tensor([[rng.randrange(classes) for _ in range(T)] for _ in range(B)], dtype=torch.int64)
    targets[0, 0] = -100  # ignore_index is honoured
    logits = net(ids)  # [B, T, classes]: the linear layer at every step (what `trace` writes)
    if case.get("classify"):
        # N->1: label [B], read out from the last step's output, fc(output[:, -1]), or from the
        # mean over the steps, fc(output.mean(dim=1)); `trace` writes that readout's logits [B, K].
        label = torch.tensor([rng.randrange(classes) for _ in range(B)], dtype=torch.int64)
        if case["classify"] == "mean":
            logits = getattr(net, case["names"][2])(net.output(ids).mean(dim=1))
        else:
            logits = logits[:, -1]
        loss = F.cross_entropy(logits, label)
    else:
        loss = F.cross_entropy(logits.reshape(-1, classes), targets.reshape(-1), ignore_index=-100)
    net.zero_grad()
    loss.backward()
    prefix = case.get("prefix", "")
    state = {prefix + k: v for k, v in net.state_dict(keep_vars=True).items()}  # tied: both names
    weights = {k: v.detach().float() for k, v in state.items()}
    expected = {"loss": loss.detach(), "logits": logits.detach()}
    for k, v in state.items():
        expected["grad." + k] = v.grad.detach()
    d = os.path.join(out_dir, case["name"])
    os.makedirs(d, exist_ok=True)
    write_safetensors(os.path.join(d, "weights.safetensors"), weights)
    batch = {"input_ids": ids, "label": label} if case.get("classify") else {"input_ids": ids, "target_ids": targets}
    write_safetensors(os.path.join(d, "batch.safetensors"), batch)
    write_safetensors(os.path.join(d, "expected.safetensors"), expected,
                      {"layout": case["layout"], "cell_flag": case.get("cell_flag", ""),
                       "readout": case.get("classify", "")})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "layout_goldens"))
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--random", action="store_true", help="random layer counts too")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    for case in cases(rng, a.random):
        make(case, rng, a.out)
    print("wrote", len(cases(random.Random(0), False)), "cases to", a.out)


if __name__ == "__main__":
    main()
