#!/usr/bin/python3
"""PyTorch's answer for a model trained with dropout, given rnnscope's masks (tests/test_dropout.cpp).

    /usr/bin/python3 tests/parity/dropout_parity.py DIR

DIR/weights.safetensors  rnnscope's names: embedding.weight, rnn.*_l{k}[_reverse], fc.weight, fc.bias
DIR/batch.safetensors    input_ids, target_ids: I64 [batch, time]
DIR/masks.safetensors    F64, each [units, time*batch] (column t*batch + b, as rnnscope lays them
                         out): embedding, between_l{k} (the input of layer k >= 1), output;
                         absent = no dropout there
writes DIR/expected.safetensors: loss [] and grad.<name> for every weight, F64.

The model is PyTorch's word-language-model RNNModel with the masks in place of nn.Dropout:
drop(encoder(x)) -> nn.LSTM/GRU/RNN whose dropout=p between layers -> drop(output) -> decoder.
nn.LSTM(dropout=p) draws its own masks, so the stack runs one single-layer module per layer
with the given mask multiplied in between — the same computation with chosen masks.
"""
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_goldens import read_safetensors, write_safetensors  # noqa: E402

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn_tanh": nn.RNN}


def main(d):
    w = read_safetensors(os.path.join(d, "weights.safetensors"))
    meta = w.pop("__metadata__", {})
    batch = read_safetensors(os.path.join(d, "batch.safetensors"))
    masks = read_safetensors(os.path.join(d, "masks.safetensors"))
    masks.pop("__metadata__", None)
    cell, layers, bidir = meta["cell"], int(meta["layers"]), meta["bidirectional"] == "1"
    params = {k: v.double().clone().requires_grad_(True) for k, v in w.items()}
    ids, targets = batch["input_ids"].long(), batch["target_ids"].long()
    B, T = ids.shape

    def mask(name):  # [units, T*B] with column t*B + b -> [B, T, units]
        m = masks.get(name)
        return None if m is None else m.double().reshape(m.shape[0], T, B).permute(2, 1, 0)

    x = F.embedding(ids, params["embedding.weight"])
    if mask("embedding") is not None:
        x = x * mask("embedding")
    hidden = params["rnn.weight_hh_l0"].shape[1]
    for k in range(layers):
        if k > 0 and mask(f"between_l{k}") is not None:
            x = x * mask(f"between_l{k}")
        rnn = CELLS[cell](x.shape[2], hidden, 1, batch_first=True, bidirectional=bidir).double()
        names = {}
        for suffix in ([""] + (["_reverse"] if bidir else [])):
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                names[f"{kind}_l0{suffix}"] = params[f"rnn.{kind}_l{k}{suffix}"]
        for n in names:
            delattr(rnn, n)
            setattr(rnn, n, names[n])
        rnn._flat_weights = [names[n] for n in rnn._flat_weights_names]
        x, _ = rnn(x)
    if mask("output") is not None:
        x = x * mask("output")
    logits = x @ params["fc.weight"].T + params["fc.bias"]
    loss = F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(-1), ignore_index=-100)
    loss.backward()
    out = {"loss": loss.detach().reshape(())}
    for k, v in params.items():
        out["grad." + k] = v.grad
    write_safetensors(os.path.join(d, "expected.safetensors"), out)


if __name__ == "__main__":
    main(sys.argv[1])
