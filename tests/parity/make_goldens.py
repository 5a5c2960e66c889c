#!/usr/bin/python3
"""PyTorch goldens for rnnscope's `grad` and `trace` (tests/test_pytorch_parity.cpp).

Run with Debian's interpreter, which has python3-torch:

    /usr/bin/python3 tests/parity/make_goldens.py                       # committed goldens
    /usr/bin/python3 tests/parity/make_goldens.py --out DIR --seed 123 --random 6   # unseen ones

Per configuration DIR/<name>/ gets
  weights.safetensors   state_dict of Net (embedding?, rnn, fc), F32 (what users save)
  batch.safetensors     input_ids, target_ids: I64 [batch, time]; target -100 = ignored
  expected.safetensors  F32 (committed) or F64 (--random): loss [], logits [B,T,V], output [B,T,D*H], h_n [L*D,B,H], c_n,
                        trace.l{k}[_reverse].{gates.<g>,h,c,grad_h_norm,grad_c_norm}
                        (names as docs/trace_format.md) and grad.<param> for every parameter;
                        __metadata__ {"cell": ..., "config": json}
The model runs in float64 from the F32-rounded weights, so both sides see identical numbers.

PyTorch does not expose gates or per-timestep cell states, so a plain Python reference of the
cell equations computes them; the script asserts that this reference reproduces nn.LSTM/GRU/RNN
(outputs, final states, loss and every autograd gradient) before writing anything, so the
gates are checked against PyTorch indirectly.
"""
import argparse
import json
import os
import random
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

CELLS = ["lstm", "gru", "rnn_tanh", "rnn_relu"]
GATES = {"lstm": ["i", "f", "g", "o"], "gru": ["r", "z", "n"], "rnn_tanh": ["h"], "rnn_relu": ["h"]}


# ---------------------------------------------------------------- safetensors by hand
DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> torch tensor (any shape, incl. 0-d). Sorted names, no padding."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # the format's recommended 8-byte alignment of the data
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


READ_DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    """name -> torch tensor, plus "__metadata__" -> dict when the file has metadata."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            out[name] = info
            continue
        begin, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=READ_DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"]).clone()
    return out


# ---------------------------------------------------------------- the module users would have
class Net(nn.Module):
    def __init__(self, cell, vocab, embed, hidden, layers, bidirectional):
        super().__init__()
        self.vocab = vocab
        if embed > 0:
            self.embedding = nn.Embedding(vocab, embed)
        x = embed if embed > 0 else vocab
        kw = dict(num_layers=layers, bidirectional=bidirectional, batch_first=True)
        if cell == "lstm":
            self.rnn = nn.LSTM(x, hidden, **kw)
        elif cell == "gru":
            self.rnn = nn.GRU(x, hidden, **kw)
        else:
            self.rnn = nn.RNN(x, hidden, nonlinearity=cell[4:], **kw)
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), vocab)

    def features(self, ids):
        if hasattr(self, "embedding"):
            return self.embedding(ids)
        # One-hot input: rnnscope's weight_ih_l0 then has V columns, like this rnn's input_size.
        return F.one_hot(ids, self.vocab).to(self.fc.weight.dtype)

    def forward(self, ids):
        out, state = self.rnn(self.features(ids))
        return self.fc(out), out, state


# ---------------------------------------------------------------- explicit reference
def reference(net, cfg, ids, targets):
    """The cell equations written out step by step, on net's own parameters.

    Returns (loss, logits, output, h_n, c_n, trace) where trace maps docs/trace_format.md names
    to tensors; h_t / c_t tensors keep their grads so ‖∂L/∂h_t‖ comes from autograd."""
    cell, H, L = cfg["cell"], cfg["hidden"], cfg["layers"]
    D = 2 if cfg["bidirectional"] else 1
    B, T = ids.shape
    x = net.features(ids)  # [B, T, X]
    trace, keep, h_n, c_n = {}, [], [], []
    for l in range(L):
        outs = []
        for d in range(D):
            sfx = f"_l{l}" + ("_reverse" if d else "")
            w_ih, w_hh = getattr(net.rnn, "weight_ih" + sfx), getattr(net.rnn, "weight_hh" + sfx)
            b_ih, b_hh = getattr(net.rnn, "bias_ih" + sfx), getattr(net.rnn, "bias_hh" + sfx)
            h = torch.zeros(B, H, dtype=x.dtype)
            c = torch.zeros(B, H, dtype=x.dtype)
            hs, cs, gates = [None] * T, [None] * T, [None] * T
            for t in (reversed(range(T)) if d else range(T)):
                gi = x[:, t] @ w_ih.T + b_ih
                gh = h @ w_hh.T + b_hh
                if cell == "lstm":
                    i, f, g, o = (gi + gh).chunk(4, dim=1)
                    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
                    c = f * c + i * g
                    h = o * torch.tanh(c)
                    gates[t] = [i, f, g, o]
                elif cell == "gru":
                    ir, iz, in_ = gi.chunk(3, dim=1)
                    hr, hz, hn = gh.chunk(3, dim=1)
                    r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
                    n = torch.tanh(in_ + r * hn)
                    h = (1 - z) * n + z * h
                    gates[t] = [r, z, n]
                else:
                    pre = gi + gh
                    h = torch.tanh(pre) if cell == "rnn_tanh" else torch.relu(pre)
                    gates[t] = [h]
                h.retain_grad()
                hs[t] = h
                if cell == "lstm":
                    c.retain_grad()
                    cs[t] = c
            name = f"trace.l{l}" + ("_reverse" if d else "")
            for gi_, g in enumerate(GATES[cell]):
                trace[f"{name}.gates.{g}"] = torch.stack([gates[t][gi_] for t in range(T)], 1)
            trace[f"{name}.h"] = torch.stack(hs, 1)
            keep.append((name, hs, cs))
            if cell == "lstm":
                trace[f"{name}.c"] = torch.stack(cs, 1)
            h_n.append(h)
            c_n.append(c)
            outs.append(torch.stack(hs, 1))
        x = torch.cat(outs, 2)
    logits = net.fc(x)
    loss = F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(-1))
    return loss, logits, x, torch.stack(h_n), torch.stack(c_n), trace, keep


def close(a, b, what, tol=1e-10):
    err = (a - b).abs().max().item() if a.numel() else 0.0
    scale = max(b.abs().max().item() if b.numel() else 0.0, 1.0)
    if not err <= tol * scale:
        sys.exit(f"make_goldens: reference disagrees with torch on {what}: max abs diff {err:g}")


# ---------------------------------------------------------------- one configuration
def make(cfg, seed, out_dir, expected_dtype):
    torch.manual_seed(seed)
    V, E, H = cfg["vocab"], cfg["embed"], cfg["hidden"]
    B, T = cfg["batch"], cfg["time"]
    net = Net(cfg["cell"], V, E, H, cfg["layers"], cfg["bidirectional"])
    with torch.no_grad():  # the file holds F32; compute in F64 from exactly those values
        for p in net.parameters():
            p.copy_(p.float())
    net = net.double()
    ids = torch.randint(0, V, (B, T))
    targets = torch.randint(0, V, (B, T))
    if cfg["ignore"] and B * T >= 3:  # never all: PyTorch's mean over no positions is NaN
        targets[0, T // 2] = -100  # PyTorch's default ignore_index
        targets[B - 1, 0] = -100

    # The oracle: nn.LSTM/GRU/RNN with autograd.
    logits, output, state = net(ids)
    h_n, c_n = state if cfg["cell"] == "lstm" else (state, None)
    loss = F.cross_entropy(logits.reshape(B * T, V), targets.reshape(-1))
    net.zero_grad()
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in net.named_parameters()}

    # The reference, checked against the oracle on everything both compute.
    net.zero_grad()
    r_loss, r_logits, r_out, r_hn, r_cn, trace, keep = reference(net, cfg, ids, targets)
    r_loss.backward()
    close(r_loss, loss, "loss")
    close(r_logits, logits, "logits")
    close(r_out, output, "output")
    close(r_hn, h_n, "h_n")
    if c_n is not None:
        close(r_cn, c_n, "c_n")
    for n, p in net.named_parameters():
        close(p.grad, grads[n], "grad " + n)

    expected = {"loss": loss, "logits": logits, "output": output, "h_n": h_n}
    if c_n is not None:
        expected["c_n"] = c_n
    expected.update(trace)
    for name, hs, cs in keep:
        expected[name + ".grad_h_norm"] = torch.stack([h.grad.norm() for h in hs])
        if cfg["cell"] == "lstm":
            expected[name + ".grad_c_norm"] = torch.stack([c.grad.norm() for c in cs])
    for n, g in grads.items():
        expected["grad." + n] = g

    os.makedirs(out_dir, exist_ok=True)
    meta = {"cell": cfg["cell"], "config": json.dumps(cfg, sort_keys=True), "seed": seed,
            "torch": torch.__version__}
    write_safetensors(os.path.join(out_dir, "weights.safetensors"),
                      {n: p.float() for n, p in net.state_dict().items()}, meta)
    write_safetensors(os.path.join(out_dir, "batch.safetensors"),
                      {"input_ids": ids, "target_ids": targets})
    write_safetensors(os.path.join(out_dir, "expected.safetensors"),
                      {n: t.detach().to(expected_dtype) for n, t in expected.items()}, meta)


def config_name(cfg):
    return "{}_{}_l{}_{}".format(cfg["cell"], "emb" if cfg["embed"] else "onehot", cfg["layers"],
                                 "bi" if cfg["bidirectional"] else "uni")


def fixed_configs():
    """Every cell × input × depth × direction, small enough for a few KB per set."""
    cfgs = []
    for n, cell in enumerate(CELLS):
        for embed in (0, 5):
            for layers in (1, 2):
                for bidir in (False, True):
                    cfgs.append(dict(cell=cell, vocab=7, embed=embed, hidden=6 if layers == 1 else 4,
                                     layers=layers, bidirectional=bidir, batch=3, time=5,
                                     ignore=(layers + int(bidir) + n) % 2 == 1))
    return cfgs


def random_configs(rng, count):
    """Shapes and seeds the committed goldens never used (the "unseen configuration" check)."""
    cfgs = []
    for _ in range(count):
        cfgs.append(dict(cell=rng.choice(CELLS), vocab=rng.randint(2, 11),
                         embed=rng.choice([0, rng.randint(1, 8)]), hidden=rng.randint(1, 9),
                         layers=rng.randint(1, 3), bidirectional=rng.random() < 0.5,
                         batch=rng.randint(1, 4), time=rng.randint(1, 7), ignore=rng.random() < 0.5))
    return cfgs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens"))
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--random", type=int, default=0, metavar="N",
                    help="write N random configurations instead of the fixed set")
    ap.add_argument("--expected-dtype", choices=["f32", "f64"],
                    help="dtype of expected.safetensors (default: f32 for the committed set, "
                         "which keeps it small and is still 100x finer than the test's 1e-5, "
                         "f64 for --random)")
    args = ap.parse_args()
    dtype = args.expected_dtype or ("f64" if args.random else "f32")
    expected_dtype = torch.float64 if dtype == "f64" else torch.float32
    if args.random:
        rng = random.Random(args.seed)
        cfgs = random_configs(rng, args.random)
        names = [f"r{i}_" + config_name(c) for i, c in enumerate(cfgs)]
    else:
        cfgs = fixed_configs()
        names = [config_name(c) for c in cfgs]
    for i, (cfg, name) in enumerate(zip(cfgs, names)):
        make(cfg, args.seed + 7919 * i, os.path.join(args.out, name), expected_dtype)
    print(f"make_goldens: wrote {len(cfgs)} configurations to {args.out}")


if __name__ == "__main__":
    main()
