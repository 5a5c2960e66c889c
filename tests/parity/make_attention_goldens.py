#!/usr/bin/python3
"""Writes tests/parity/attention_goldens.json: PyTorch reference values for one attention step
(additive / dot / general) with masking, forward and gradients, for tests/test_attention_parity.cpp.

Layout matches src/model/attention.h: keys K (C, Ts*B) time-major (column j*B + b), query
q (Hq, B); the loss is L = sum(context ⊙ G) for a fixed random G (C, B), so dL/dcontext = G.
Run with Debian's torch: /usr/bin/python3 tests/parity/make_attention_goldens.py
"""
import json
import os

import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
Ts, B, C, Hq, A = 5, 3, 4, 4, 3
lengths = [5, 3, 1]


def tolist(t):
    return t.detach().tolist()


def case(kind):
    keys = torch.randn(Ts, B, C, requires_grad=True)  # [j, b, c]
    q = torch.randn(B, Hq, requires_grad=True)
    G = torch.randn(B, C)
    params = {}
    if kind == "additive":
        W = torch.nn.Linear(Hq, A, bias=False)
        U = torch.nn.Linear(C, A, bias=False)
        v = torch.nn.Linear(A, 1, bias=False)
        e = v(torch.tanh(W(q).unsqueeze(0) + U(keys))).squeeze(-1)  # [j, b]
        params = {"w_query": W.weight, "w_key": U.weight, "v": v.weight}
    elif kind == "dot":
        e = (keys * q.unsqueeze(0)).sum(-1)
    else:
        Wa = torch.nn.Linear(C, Hq, bias=False)
        e = (Wa(keys) * q.unsqueeze(0)).sum(-1)
        params = {"w_general": Wa.weight}
    mask = torch.arange(Ts).unsqueeze(1) >= torch.tensor(lengths).unsqueeze(0)  # [j, b]
    alpha = torch.softmax(e.masked_fill(mask, float("-inf")), dim=0)
    context = (alpha.unsqueeze(-1) * keys).sum(0)  # [b, c]
    loss = (context * G).sum()
    loss.backward()
    # To the C++ layout: matrices as lists of rows of the column-major (rows, cols) matrix.
    out = {
        "kind": kind,
        "Ts": Ts, "B": B, "C": C, "Hq": Hq, "A": A, "lengths": lengths,
        "keys": tolist(keys.permute(2, 0, 1).reshape(C, Ts * B)),
        "query": tolist(q.t()),
        "d_context": tolist(G.t()),
        "alpha": tolist(alpha),  # (Ts, B)
        "context": tolist(context.t()),
        "d_keys": tolist(keys.grad.permute(2, 0, 1).reshape(C, Ts * B)),
        "d_query": tolist(q.grad.t()),
        "params": {k: tolist(p) for k, p in params.items()},
        "d_params": {k: tolist(p.grad) for k, p in params.items()},
    }
    return out


goldens = {"torch_version": torch.__version__, "cases": [case(k) for k in ("additive", "dot", "general")]}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attention_goldens.json")
with open(path, "w") as f:
    json.dump(goldens, f, indent=1)
print("wrote", path)
