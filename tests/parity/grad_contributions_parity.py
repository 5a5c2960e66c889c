#!/usr/bin/python3
"""PyTorch's answer for rnnscope's gradient contributions (tests/test_gradient_contributions.cpp).

    /usr/bin/python3 tests/parity/grad_contributions_parity.py DIR

DIR/weights.safetensors  rnnscope's names (embedding.weight optional, rnn.*_l{k}, fc.*), metadata
                         cell (lstm | gru | rnn_tanh) and layers; one direction
DIR/batch.safetensors    input_ids, target_ids: I64 [batch, time]
writes DIR/expected.safetensors, F64 [batch, time, time]: grad_contributions
(‖∂L_t/∂h_t'‖), grad_contributions_c (LSTM, ‖∂L_t/∂c_t'‖) and input_saliency (‖∂L_t/∂x_t'‖,
x = the embedding output, or the one-hot column without an embedding), with
L_t = cross_entropy(logits[b, t], target[b, t]) of one position alone.

The stack is unrolled by hand with nn.RNNCell / GRUCell / LSTMCell on the same weights, so
every h_t and c_t of the top layer is a tensor of its own in the graph: h_t's gradient is what
flows into it (from fc and from step t+1, c_t held as its own state), c_t's is everything
downstream of c_t, including through h_t — the δh and δc that BPTT carries.
"""
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_goldens import read_safetensors, write_safetensors  # noqa: E402

CELLS = {"lstm": nn.LSTMCell, "gru": nn.GRUCell, "rnn_tanh": nn.RNNCell}


def main(d):
    w = read_safetensors(os.path.join(d, "weights.safetensors"))
    meta = w.pop("__metadata__", {})
    batch = read_safetensors(os.path.join(d, "batch.safetensors"))
    cell_name, layers = meta["cell"], int(meta["layers"])
    w = {k: v.double() for k, v in w.items()}
    ids, targets = batch["input_ids"].long(), batch["target_ids"].long()
    B, T = ids.shape
    hidden = w["rnn.weight_hh_l0"].shape[1]
    V = w["rnn.weight_ih_l0"].shape[1] if "embedding.weight" not in w else w["embedding.weight"].shape[0]
    if "embedding.weight" in w:
        x = F.embedding(ids, w["embedding.weight"])
    else:
        x = F.one_hot(ids, V).double()
    xs = [x[:, t].clone().requires_grad_(True) for t in range(T)]
    cells = []
    for k in range(layers):
        cell = CELLS[cell_name](w[f"rnn.weight_ih_l{k}"].shape[1], hidden).double()
        with torch.no_grad():
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, kind).copy_(w[f"rnn.{kind}_l{k}"])
        cells.append(cell)
    lstm = cell_name == "lstm"
    state = [(torch.zeros(B, hidden, dtype=torch.float64),) * (2 if lstm else 1) for _ in range(layers)]
    hs, cs = [], []
    for t in range(T):
        inp = xs[t]
        for k in range(layers):
            if lstm:
                h, c = cells[k](inp, state[k])
                state[k] = (h, c)
            else:
                h = cells[k](inp, state[k][0])
                state[k] = (h,)
            inp = h
        hs.append(state[-1][0])
        if lstm:
            cs.append(state[-1][1])
    logits = [h @ w["fc.weight"].T + w["fc.bias"] for h in hs]
    g = torch.zeros(B, T, T, dtype=torch.float64)
    gc = torch.zeros(B, T, T, dtype=torch.float64)
    s = torch.zeros(B, T, T, dtype=torch.float64)
    for b in range(B):
        for t in range(T):
            if targets[b, t] < 0:
                continue
            loss = F.cross_entropy(logits[t][b:b + 1], targets[b, t:t + 1])
            wrt = hs + cs + xs
            grads = torch.autograd.grad(loss, wrt, retain_graph=True, allow_unused=True)
            norm = [0.0 if gr is None else gr[b].norm().item() for gr in grads]
            g[b, t] = torch.tensor(norm[:T], dtype=torch.float64)
            if lstm:
                gc[b, t] = torch.tensor(norm[T:2 * T], dtype=torch.float64)
            s[b, t] = torch.tensor(norm[len(hs) + len(cs):], dtype=torch.float64)
    out = {"grad_contributions": g, "input_saliency": s}
    if lstm:
        out["grad_contributions_c"] = gc
    write_safetensors(os.path.join(d, "expected.safetensors"), out)


if __name__ == "__main__":
    main(sys.argv[1])
