"""Continue an rnnscope char-LM run in PyTorch (docs/pytorch.md, "Five minutes").

    python3 python/continue_charlm.py --ckpt run.safetensors --text corpus.txt --out more.safetensors
    python3 python/continue_charlm.py --nproc 2 ...             # DistributedDataParallel, gloo, CPU
    torchrun --nproc_per_node 2 python/continue_charlm.py ...   # the same, started by torchrun

(--nproc starts the ranks itself with torch.multiprocessing, setting the environment torchrun
sets; Debian 12's torchrun, torch 1.13 under Python 3.11, fails before starting any worker
with "unsupported operand type(s) for |: 'NoneType'", so there --nproc is the way.)

Adam on random windows of the text's first 90 % (rnnscope validates on the last 10 %), the
same batch and sequence length as the run; under torchrun each rank draws its own windows and
DDP averages the gradients. Rank 0 writes the result with to_rnnscope: `rnnscope eval`,
`sample`, `train --resume` and the window open it.
"""
import argparse
import os
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rnnscope_torch as rt  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True, help="rnnscope char-LM checkpoint or export")
    p.add_argument("--text", required=True, help="the run's training text")
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--nproc", type=int, default=1, help="processes (DDP over gloo when > 1)")
    a = p.parse_args()
    if a.nproc > 1 and "WORLD_SIZE" not in os.environ:
        import socket
        import torch.multiprocessing as mp
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        mp.spawn(_rank, args=(a.nproc, port), nprocs=a.nproc, join=True)
        return
    run(a)


def _rank(rank, world, port):
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    main()


def run(a):

    distributed = "WORLD_SIZE" in os.environ  # started by torchrun
    rank = int(os.environ.get("RANK", 0))
    if distributed:
        torch.distributed.init_process_group("gloo")
    model = rt.from_rnnscope(a.ckpt)
    meta = model.rnnscope_metadata
    settings = meta["settings"]
    B, T = settings["batch"], settings["seq_len"]
    index = {tok: i for i, tok in enumerate(model.vocab)}
    text = Path(a.text).read_text(encoding="utf-8").replace("\r\n", "\n")
    ids = torch.tensor([index[ch] for ch in text if ch in index])
    train = ids[: int(len(ids) * 0.9)]
    net = torch.nn.parallel.DistributedDataParallel(model) if distributed else model
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    g = torch.Generator().manual_seed(1 + rank)
    for step in range(1, a.steps + 1):
        start = torch.randint(0, len(train) - T - 1, (B,), generator=g)
        x = torch.stack([train[s:s + T] for s in start])
        y = torch.stack([train[s + 1:s + T + 1] for s in start])
        logits, _ = net(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), settings.get("clip", 5.0))
        opt.step()
        if rank == 0 and (step % 50 == 0 or step == a.steps):
            print(f"torch step {step}  loss {loss.item():.4f}", flush=True)
    if rank == 0:
        rt.to_rnnscope(net, a.out, step=meta["step"] + a.steps)
        print(f"wrote {a.out} (step {meta['step'] + a.steps})")
    if distributed:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
