"""The learning rates torch.optim.lr_scheduler gives for the cases tests/test_lr_schedule.cpp
checks rnnscope's schedules against (printed as JSON, one list per case; entry i is the rate
the (i+1)-th step / evaluation leaves in force).

  plateau  ReduceLROnPlateau(mode="min", factor=1/F, patience=K, threshold=0, min_lr=M):
           rnnscope's plateau (÷F after more than K evaluations without a new best)
  step     StepLR(step_size=N, gamma=G): the rate used at steps 0..S-1
  cosine   SequentialLR(LinearLR(1/W → 1 over W-1 steps), CosineAnnealingLR(T_max=total-W,
           eta_min=M), milestones=[W]): the rate used at steps 0..total
"""
import json
import math
import sys

import torch


def opt(lr):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def plateau(lr, factor, patience, min_lr, losses):
    o = opt(lr)
    s = torch.optim.lr_scheduler.ReduceLROnPlateau(o, mode="min", factor=1.0 / factor, patience=patience,
                                                   threshold=0, min_lr=min_lr)
    out = []
    for v in losses:
        s.step(v)
        out.append(o.param_groups[0]["lr"])
    return out


def used_rates(o, s, steps):
    out = []
    for _ in range(steps):
        out.append(o.param_groups[0]["lr"])
        o.step()
        s.step()
    return out


def step(lr, n, gamma, steps):
    o = opt(lr)
    return used_rates(o, torch.optim.lr_scheduler.StepLR(o, step_size=n, gamma=gamma), steps)


def cosine(lr, warmup, total, min_lr):
    o = opt(lr)
    warm = torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0 / warmup, end_factor=1.0, total_iters=warmup - 1)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=total - warmup, eta_min=min_lr)
    s = torch.optim.lr_scheduler.SequentialLR(o, [warm, cos], milestones=[warmup])
    return used_rates(o, s, total + 1)


nan = float("nan")
json.dump({
    "plateau_a": plateau(0.002, 4.0, 0, 1e-5, [5.0, 4.0, 4.5, 3.9, 3.9, 4.0, 4.0, 3.0, 3.5]),
    "plateau_b": plateau(0.01, 10.0, 2, 1e-8, [1.0, 2.0, nan, 1.0, 0.5, 0.6, 0.6, 0.7, 0.4]),
    "step": step(0.1, 10, 0.5, 35),
    "cosine": cosine(1.0, 4, 14, 0.1),
}, sys.stdout)
