#!/usr/bin/python3
"""Side-by-side training-step throughput: rnnscope vs PyTorch on identical char-LM configs.

Run with Debian's Python (the one python3-torch belongs to), not a venv's python3:
    /usr/bin/python3 bench/compare_pytorch.py --rnnscope build-perf/rnnscope

For every thread count and config it alternates one rnnscope measurement (`rnnscope bench
--json`, a subprocess) with one PyTorch measurement (in this process), --repeats times, and
reports medians and the ratio rnnscope/PyTorch. Both sides do the same step: one-hot input of
vocabulary 65, a one-layer LSTM/GRU/RNN-tanh (batch_first), a linear output layer, mean softmax
cross-entropy, backward, clip_grad_norm_(5), Adam(lr 2e-3). Model GFLOP/s use the convention of
bench/README.md. It also reports which BLAS PyTorch loaded: Debian's torch links the reference
(netlib) BLAS unless libopenblas0-openmp is installed, which makes PyTorch 9-18x slower.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

CONFIGS = {  # name: (cell, hidden, batch, seq_len); names as `rnnscope bench --config`
    "lstm100_b1": ("lstm", 100, 1, 25),
    "lstm128": ("lstm", 128, 32, 64),
    "lstm256": ("lstm", 256, 32, 64),
    "lstm512": ("lstm", 512, 64, 64),
    "gru128": ("gru", 128, 32, 64),
    "gru256": ("gru", 256, 32, 64),
    "rnn128": ("rnn_tanh", 128, 32, 64),
    "rnn256": ("rnn_tanh", 256, 32, 64),
}
VOCAB = 65
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1}
# Targets (ratio rnnscope/PyTorch) from the performance issue.
TARGETS = {"lstm100_b1": 20.0, "lstm512": 1.3}
DEFAULT_TARGET = 2.0


def step_flops(cell, H, B, T):
    """Model FLOPs of one training step: forward gates + output layer, backward = 2x forward."""
    bt = B * T
    forward = 2 * GATES[cell] * H * (VOCAB + H) * bt + 2 * VOCAB * H * bt
    return 3 * forward


def blas_check():
    """Which BLAS shared object the process mapped after a matmul (the honest answer)."""
    import torch

    a = torch.randn(256, 256)
    (a @ a).sum().item()
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if "/" in line else ""
            base = os.path.basename(path)
            if any(k in base for k in ("blas", "mkl", "lapack", "gomp", "blis")):
                libs.add(path)
    blas = sorted(p for p in libs if "blas" in os.path.basename(p) or "mkl" in p or "blis" in p)
    if any("openblas" in p for p in blas):
        verdict = "OpenBLAS"
    elif any("mkl" in p for p in blas):
        verdict = "MKL"
    elif any("/blas/" in p or p.endswith("libblas.so.3") for p in blas):
        verdict = "netlib reference BLAS (SLOW: apt-get install libopenblas0-openmp)"
    else:
        verdict = "unknown"
    return verdict, blas


class TorchBench:
    def __init__(self, cell, H, B, T, threads):
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        self.torch, self.F = torch, F
        torch.manual_seed(1)
        torch.set_num_threads(threads)
        rnn_cls = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn_tanh": nn.RNN}[cell]
        self.rnn = rnn_cls(VOCAB, H, batch_first=True)
        self.fc = nn.Linear(H, VOCAB)
        self.params = list(self.rnn.parameters()) + list(self.fc.parameters())
        self.opt = torch.optim.Adam(self.params, lr=2e-3)
        g = torch.Generator().manual_seed(2)
        self.inp = torch.randint(0, VOCAB, (B, T), generator=g)
        self.tgt = torch.randint(0, VOCAB, (B, T), generator=g)
        self.B, self.T, self.threads = B, T, threads

    def step(self):
        torch, F = self.torch, self.F
        x = F.one_hot(self.inp, VOCAB).float()  # one-hot input, as rnnscope's default char LM
        out, _ = self.rnn(x)
        logits = self.fc(out)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), self.tgt.reshape(-1))
        self.opt.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 5.0)
        self.opt.step()

    def measure(self, min_time):
        self.torch.set_num_threads(self.threads)
        for _ in range(2):
            self.step()
        steps, t0 = 0, time.perf_counter()
        while True:
            self.step()
            steps += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= min_time and steps >= 2:
                return self.B * self.T * steps / elapsed


def run_rnnscope(exe, config, threads, min_time, record):
    cmd = [exe, "bench", "--json", "--config", config, "--threads", str(threads), "--repeats", "1",
           "--min-time", str(min_time), "--no-gemm"]
    if not record:
        cmd.append("--no-record")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["results"][0]


def run_gemm(exe, threads):
    cmd = [exe, "bench", "--json", "--threads", ",".join(map(str, threads)), "--config", "rnn128",
           "--repeats", "3", "--min-time", "0.05", "--no-record"]
    out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return {e["threads"]: e["gflops"] for e in out["eigen_gemm"]}, out.get("isa", "?")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rnnscope", default=os.path.join(here, "..", "build", "rnnscope"),
                    help="path to the rnnscope binary (default: build/rnnscope)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--repeats", type=int, default=3, help="alternating measurements per side")
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds per measurement")
    ap.add_argument("--record", action="store_true",
                    help="also report rnnscope with recording on + the UI's snapshots (20 Hz, <= 5%% of the time)")
    ap.add_argument("--json", help="also write the raw results here")
    args = ap.parse_args()

    import torch

    threads = [int(t) for t in args.threads.split(",")]
    configs = args.configs.split(",")
    for c in configs:
        if c not in CONFIGS:
            sys.exit(f"unknown config {c}; known: {', '.join(CONFIGS)}")
    verdict, libs = blas_check()
    load_start = os.getloadavg()
    print(f"# {datetime.datetime.now():%Y-%m-%d %H:%M}  {platform.node()}  {os.cpu_count()} CPUs  "
          f"{platform.processor() or platform.machine()}")
    print(f"# PyTorch {torch.__version__}, BLAS: {verdict}")
    for lib in libs:
        print(f"#   mapped: {lib}")
    gemm, isa = run_gemm(args.rnnscope, threads)
    print(f"# rnnscope GEMM kernel: {isa}; Eigen GEMM (2048x512 . 512x2048): " +
          ", ".join(f"{gemm[t]:.0f} GFLOP/s on {t} thr" for t in threads))
    print(f"# load average at start: {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}")
    sys.stdout.flush()

    rows = []
    for n in threads:
        for name in configs:
            cell, H, B, T = CONFIGS[name]
            tb = TorchBench(cell, H, B, T, n)
            ours, theirs, rec, snap = [], [], [], []
            for _ in range(args.repeats):  # alternate: load from other processes hits both alike
                r = run_rnnscope(args.rnnscope, name, n, args.min_time, args.record)
                ours.append(r["tokens_per_s"])
                if args.record:
                    rec.append(r["record_tokens_per_s"])
                    snap.append(r["snapshot_tokens_per_s"])
                theirs.append(tb.measure(args.min_time))
            row = {"config": name, "cell": cell, "hidden": H, "batch": B, "seq_len": T, "threads": n,
                   "rnnscope": statistics.median(ours), "pytorch": statistics.median(theirs),
                   "rnnscope_samples": ours, "pytorch_samples": theirs}
            row["ratio"] = row["rnnscope"] / row["pytorch"]
            row["gflops"] = row["rnnscope"] / (B * T) * step_flops(cell, H, B, T) * 1e-9
            row["gemm_fraction"] = row["gflops"] / gemm[n]
            if args.record:
                row["record"] = statistics.median(rec)
                row["snapshot"] = statistics.median(snap)
            rows.append(row)
            print(f"{name:11s} {n} thr  rnnscope {row['rnnscope']:9.0f}  pytorch {row['pytorch']:9.0f}"
                  f"  x{row['ratio']:.2f}", flush=True)
            del tb

    load_end = os.getloadavg()
    print()
    hdr = "| config | threads | rnnscope tok/s | PyTorch tok/s | ratio | target | rnnscope GFLOP/s | % of Eigen GEMM |"
    if args.record:
        hdr += " recording on (+ snapshots) |"
    print(hdr)
    print("|" + "|".join(["---"] * (hdr.count("|") - 1)) + "|")
    for r in rows:
        target = TARGETS.get(r["config"], DEFAULT_TARGET)
        ok = "ok" if r["ratio"] >= target else "MISS"
        cell, H, B, T = CONFIGS[r["config"]]
        line = (f"| {cell} H={H} B={B} T={T} | {r['threads']} | {r['rnnscope']:,.0f} | {r['pytorch']:,.0f} | "
                f"{r['ratio']:.2f}x | >= {target:g}x {ok} | {r['gflops']:.0f} | {100 * r['gemm_fraction']:.0f}% |")
        if args.record:
            line += (f" {r['record']:,.0f} ({100 * (r['record'] / r['rnnscope'] - 1):+.1f}%), "
                     f"{r['snapshot']:,.0f} ({100 * (r['snapshot'] / r['rnnscope'] - 1):+.1f}%) |")
        print(line)
    print(f"\nload average at end: {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}; "
          f"medians of {args.repeats} alternating runs of >= {args.min_time} s each")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"blas": verdict, "gemm": gemm, "isa": isa, "load": [load_start, load_end],
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
