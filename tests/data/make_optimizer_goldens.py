#!/usr/bin/python3
"""Writes tests/data/optimizer_goldens.json: torch.optim applied to fixed tensors and gradients.

Run with Debian's interpreter, which has PyTorch:  /usr/bin/python3 tests/data/make_optimizer_goldens.py
tests/test_optimizer.cpp replays every case with rnnscope's optimizers and compares each tensor
after each step (and test_clipping.cpp checks clip_grad_norm_ against the "clip_norm" cases).

Shapes follow a GRU ModelConfig {vocab 3, embed 2, hidden 2, layers 1}, named as its state_dict.
Tensors are flattened row-major (PyTorch order); biases are 1-D. Every hyperparameter is rounded
to float32 first, so both sides run with bit-identical scalars.
"""
import json
import os
import sys

import numpy as np
import torch

SHAPES = [
    ("embedding.weight", (3, 2)),
    ("rnn.weight_ih_l0", (6, 2)),
    ("rnn.weight_hh_l0", (6, 2)),
    ("rnn.bias_ih_l0", (6,)),
    ("rnn.bias_hh_l0", (6,)),
    ("fc.weight", (3, 2)),
    ("fc.bias", (3,)),
]
STEPS = 5


def f32(x):
    return float(np.float32(x))


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def make_tensors():
    gen = torch.Generator().manual_seed(1234)
    init = {n: torch.randn(s, generator=gen, dtype=torch.float32) * 0.5 for n, s in SHAPES}
    # Gradients differ per step and per tensor in scale (one tensor small) so that Adam's and
    # Adagrad's per-element normalisation actually matters.
    grads = []
    for step in range(STEPS):
        g = {}
        for k, (n, s) in enumerate(SHAPES):
            scale = 1e-3 if n == "rnn.bias_hh_l0" else 0.3 * (k + 1) / len(SHAPES)
            g[n] = torch.randn(s, generator=gen, dtype=torch.float32) * scale
        grads.append(g)
    return init, grads


def make_optimizer(kind, params, hp):
    if kind == "sgd":
        return torch.optim.SGD(params, lr=hp["lr"], weight_decay=hp["weight_decay"])
    if kind == "momentum":
        return torch.optim.SGD(params, lr=hp["lr"], momentum=hp["momentum"],
                               weight_decay=hp["weight_decay"])
    if kind == "adagrad":
        return torch.optim.Adagrad(params, lr=hp["lr"], weight_decay=hp["weight_decay"], eps=1e-10)
    if kind == "adam":
        return torch.optim.Adam(params, lr=hp["lr"], betas=(hp["momentum"], hp["beta2"]),
                                weight_decay=hp["weight_decay"], eps=1e-8)
    raise ValueError(kind)


def hyper(lr, momentum=0.0, beta2=0.0, weight_decay=0.0):
    return {"lr": f32(lr), "momentum": f32(momentum), "beta2": f32(beta2),
            "weight_decay": f32(weight_decay)}


def schedule(first, second=None, switch_at=3):
    """Hyperparameters per step; `second` from step `switch_at` on (1-based), as an edit in the UI."""
    return [second if second is not None and s + 1 >= switch_at else first for s in range(STEPS)]


CASES = [
    ("sgd", "sgd", schedule(hyper(0.1))),
    ("sgd_weight_decay", "sgd", schedule(hyper(0.1, weight_decay=0.01))),
    ("momentum", "momentum", schedule(hyper(0.05, momentum=0.9))),
    ("momentum_weight_decay", "momentum", schedule(hyper(0.05, momentum=0.9, weight_decay=0.01))),
    ("momentum_lr_change", "momentum",
     schedule(hyper(0.05, momentum=0.9), hyper(0.2, momentum=0.5))),
    ("adagrad", "adagrad", schedule(hyper(0.1))),
    ("adagrad_weight_decay", "adagrad", schedule(hyper(0.1, weight_decay=0.05))),
    ("adam", "adam", schedule(hyper(0.01, momentum=0.9, beta2=0.999))),
    ("adam_weight_decay", "adam", schedule(hyper(0.01, momentum=0.8, beta2=0.99, weight_decay=0.01))),
    ("adam_hyper_change", "adam",
     schedule(hyper(0.01, momentum=0.9, beta2=0.999), hyper(0.003, momentum=0.5, beta2=0.99))),
]


def run_case(kind, hps, init, grads):
    params = [init[n].clone().requires_grad_(True) for n, _ in SHAPES]
    opt = make_optimizer(kind, params, hps[0])
    steps = []
    for s in range(STEPS):
        for group in opt.param_groups:  # what editing a setting between steps does
            group["lr"] = hps[s]["lr"]
            group["weight_decay"] = hps[s]["weight_decay"]
            if kind == "momentum":
                group["momentum"] = hps[s]["momentum"]
            if kind == "adam":
                group["betas"] = (hps[s]["momentum"], hps[s]["beta2"])
        for p, (n, _) in zip(params, SHAPES):
            p.grad = grads[s][n].clone()
        opt.step()
        steps.append({"hyper": hps[s], "expected": {n: flat(p) for p, (n, _) in zip(params, SHAPES)}})
    return steps


def clip_cases(grads):
    cases = []
    for max_norm in (0.5, 100.0):
        g = [grads[0][n].clone() for n, _ in SHAPES]
        params = [torch.zeros_like(t, requires_grad=True) for t in g]
        for p, t in zip(params, g):
            p.grad = t
        total = torch.nn.utils.clip_grad_norm_(params, max_norm=f32(max_norm))
        cases.append({"max_norm": f32(max_norm), "total_norm": float(total),
                      "clipped": {n: flat(p.grad) for p, (n, _) in zip(params, SHAPES)}})
    return cases


def main():
    init, grads = make_tensors()
    out = {
        "generator": "tests/data/make_optimizer_goldens.py, torch " + torch.__version__,
        "model": {"cell": "gru", "vocab": 3, "embed": 2, "hidden": 2, "layers": 1},
        "tensors": [{"name": n, "shape": list(s), "init": flat(init[n])} for n, s in SHAPES],
        "grads": [{n: flat(g[n]) for n, _ in SHAPES} for g in grads],
        "cases": [{"name": name, "optimizer": kind, "steps": run_case(kind, hps, init, grads)}
                  for name, kind, hps in CASES],
        "clip_norm": clip_cases(grads),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizer_goldens.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main()
