#!/usr/bin/python3
"""Writes tests/parity/structure_goldens.json: PyTorch reference values for the three
single-network structure types (src/model/tagger.h, classifier.h, generator.h), for
tests/test_structures_parity.cpp: the loss and the gradient of every parameter.

  tagger      embedding → 2-layer bidirectional GRU over packed sequences → fc per token
  classifier  embedding → bidirectional LSTM over packed sequences → readout → fc
              last: [h_n forward ; h_n reverse]  mean: mean of the outputs over real tokens
  generator   GRU over x_t = [m_t · onehot(k) ; emb(y_{t-1})] → fc, m_t = (t == 0) or 1

Parameters use the C++ names (PyTorch state_dict names of a module with attributes embedding,
rnn, fc); matrices are lists of rows, biases lists. Batches are time-major (index t*B + b).
Run with Debian's torch: /usr/bin/python3 tests/parity/make_structure_goldens.py
"""
import json
import os

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
V, E, H, K, T = 7, 3, 4, 3, 5
lengths = [5, 3, 1]
B = len(lengths)


def tolist(t):
    return t.detach().tolist()


def tokens_and_labels(per_token):
    tokens = torch.zeros(T, B, dtype=torch.long)  # pad id 0
    labels = torch.full((T, B) if per_token else (B,), -1, dtype=torch.long)
    for b, n in enumerate(lengths):
        tokens[:n, b] = torch.randint(1, V, (n,))
        if per_token:
            labels[:n, b] = torch.randint(0, K, (n,))
        else:
            labels[b] = torch.randint(0, K, ())
    return tokens, labels


def params_of(modules):
    out = {}
    for prefix, m in modules.items():
        for name, p in m.named_parameters():
            out[prefix + "." + name] = p
    return out


def dump(params):
    return ({k: tolist(p) for k, p in params.items()}, {k: tolist(p.grad) for k, p in params.items()})


def encoder_case(kind, cell, readout=None):
    emb = torch.nn.Embedding(V, E)
    rnn_cls = torch.nn.GRU if cell == "gru" else torch.nn.LSTM
    layers = 2 if kind == "tagger" else 1
    rnn = rnn_cls(E, H, num_layers=layers, bidirectional=True)
    fc = torch.nn.Linear(2 * H, K)
    tokens, labels = tokens_and_labels(kind == "tagger")
    packed = pack_padded_sequence(emb(tokens), torch.tensor(lengths), enforce_sorted=False)
    out_packed, state = rnn(packed)
    out, _ = pad_packed_sequence(out_packed, total_length=T)  # [T, B, 2H], zeros at padding
    if kind == "tagger":
        logits = fc(out)  # [T, B, K]
        loss = torch.nn.functional.cross_entropy(logits.reshape(T * B, K), labels.reshape(T * B), ignore_index=-1)
    else:
        if readout == "last":
            h_n = state if cell == "gru" else state[0]  # [layers*2, B, H]
            r = torch.cat([h_n[-2], h_n[-1]], dim=1)
        else:
            r = out.sum(0) / torch.tensor(lengths, dtype=torch.float64).unsqueeze(1)
        loss = torch.nn.functional.cross_entropy(fc(r), labels)
    loss.backward()
    params = params_of({"embedding": emb, "rnn": rnn, "fc": fc})
    p, g = dump(params)
    return {"kind": kind, "cell": cell, "readout": readout or "last", "layers": layers, "T": T, "B": B,
            "lengths": lengths, "tokens": tokens.reshape(-1).tolist(), "labels": labels.reshape(-1).tolist(),
            "loss": loss.item(), "params": p, "grads": g}


def generator_case(condition):
    Kc = 3
    emb = torch.nn.Embedding(V, E)
    rnn = torch.nn.GRU(Kc + E, H)
    fc = torch.nn.Linear(H, V)
    classes = torch.tensor([2, 0, 1])
    n_out = [4, 2, 3]  # target lengths incl. <eos> (id 2)
    target = torch.full((T, B), -1, dtype=torch.long)
    for b, n in enumerate(n_out):
        target[: n - 1, b] = torch.randint(3, V, (n - 1,))
        target[n - 1, b] = 2
    fed = torch.zeros(T, B, dtype=torch.long)
    fed[0] = 1  # <sos>
    fed[1:] = target[:-1].clamp(min=0)  # <pad> (0) after a target ends
    onehot = torch.nn.functional.one_hot(classes, Kc).to(torch.float64)  # [B, Kc]
    mask = torch.ones(T, 1, 1) if condition == "every" else (torch.arange(T) == 0).to(torch.float64).view(T, 1, 1)
    x = torch.cat([mask * onehot.unsqueeze(0), emb(fed)], dim=2)  # [T, B, Kc+E]
    out, _ = rnn(x)
    logits = fc(out)
    loss = torch.nn.functional.cross_entropy(logits.reshape(T * B, V), target.reshape(T * B), ignore_index=-1)
    loss.backward()
    params = params_of({"embedding": emb, "rnn": rnn, "fc": fc})
    p, g = dump(params)
    return {"kind": "generator", "cell": "gru", "condition": condition, "classes_count": Kc, "T": T, "B": B,
            "classes": classes.tolist(), "target": target.reshape(-1).tolist(), "loss": loss.item(),
            "params": p, "grads": g}


cases = [encoder_case("tagger", "gru"), encoder_case("tagger", "lstm"),
         encoder_case("classifier", "lstm", "last"), encoder_case("classifier", "lstm", "mean"),
         encoder_case("classifier", "gru", "mean"),
         generator_case("first"), generator_case("every")]
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "structure_goldens.json")
with open(path, "w") as f:
    json.dump({"V": V, "E": E, "H": H, "K": K, "cases": cases}, f)
print("wrote", path)
