#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regenerates tests/goldens/optim-golden.safetensors: what torch.optim (1.13)
does to a few small tensors, for tests/test-optim.c. Deterministic (fixed seed,
one thread); computed in float64 from F32-rounded starting values and gradients,
stored F32 (learning rates F64).

    /usr/bin/python3 tools/make_optim_goldens.py [--out tests/goldens]

The layout (the C test declares the same, in this order, one flat array):
  fc.weight [4,3]   decay
  fc.bias [4]       no decay (1-D)
  bn.running_mean [3]  a buffer: never trained, no gradient
  ln.weight [3]     no decay (1-D)
  vit.cls_token [1,1,3]  no decay (by name)
  frozen.weight [2,3]  frozen (prefix "frozen."): not given to torch at all

Tensors
  init.<name>                  starting values (all six)
  grad.<k>.<name>              gradient of step k = 0..4 (the C side also gets
                               junk gradients for the buffer and the frozen tensor)
  <run>.lr                     [5] learning rate of each step (F64)
  <run>.norm                   [5] clip_grad_norm_'s result (clipping runs)
  <run>.step<k>.<name>         trained tensors after step k = 1..5
  <run>.state.<state>.<name>   torch's optimizer state after the last step
runs: sgd, sgd_clip (SGD momentum 0.9, wd 1e-4, the warmup+cosine lrs),
      adamw, adamw_clip (AdamW lr 1e-3, wd 0.05); *_clip clip to norm 1.0 first.
Schedules (lr at steps 0..n-1, F64): sched.cosine (base 0.1, warmup 3, total 20,
min 1e-4, 25 steps), sched.cosine_nowarm (warmup 0, total 10, 11 steps, from
torch's CosineAnnealingLR), sched.piecewise (base 0.1, milestones 4, 8, gamma
0.1, warmup 2, 12 steps), sched.multistep (no warmup, from torch's MultiStepLR),
sched.constant (base 0.01, warmup 4, 7 steps).
"""

import argparse
import collections
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transfer_ref as ref  # noqa: E402

SEED = 20240601
STEPS = 5
SHAPES = collections.OrderedDict([
    ("fc.weight", (4, 3)),
    ("fc.bias", (4,)),
    ("bn.running_mean", (3,)),
    ("ln.weight", (3,)),
    ("vit.cls_token", (1, 1, 3)),
    ("frozen.weight", (2, 3)),
])
BUFFERS = {"bn.running_mean"}
FROZEN = {"frozen.weight"}
NO_DECAY = {"fc.bias", "ln.weight", "vit.cls_token"}
# gradient scale per step: the clipped norm straddles 1.0
GRAD_SCALES = [0.6, 0.05, 0.3, 0.1, 1.0]


def f32(t):
    return t.to(torch.float32).to(torch.float64)


def warmup_factor(step, warmup):
    return (step + 1) / warmup if step < warmup else 1.0


def cosine_lr(step, base, warmup, total, min_lr):
    if step < warmup:
        return base * warmup_factor(step, warmup)
    t = min(1.0, (step - warmup) / (total - warmup))
    return min_lr + (base - min_lr) * (1.0 + math.cos(math.pi * t)) / 2.0


def piecewise_lr(step, base, milestones, gamma, warmup):
    k = sum(1 for m in milestones if step >= m)
    return base * gamma ** k * warmup_factor(step, warmup)


def torch_lrs(make_sched, n, base):
    """Runs a torch scheduler for n steps on a dummy optimizer."""
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=base)
    sched = make_sched(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def schedules(golden):
    # warmup + cosine through torch's LambdaLR with the documented formula
    base, warmup, total, min_lr = 0.1, 3, 20, 1e-4
    lam = lambda s: cosine_lr(s, base, warmup, total, min_lr) / base  # noqa: E731
    lrs = torch_lrs(lambda o: torch.optim.lr_scheduler.LambdaLR(o, lam), 25, base)
    golden["sched.cosine"] = torch.tensor(lrs, dtype=torch.float64)

    # with no warmup the formula is torch's CosineAnnealingLR (T_max = total)
    lrs = torch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=1e-4),
                    11, base)
    for s, v in enumerate(lrs):
        assert abs(v - cosine_lr(s, base, 0, 10, 1e-4)) < 1e-12, (s, v)
    golden["sched.cosine_nowarm"] = torch.tensor(lrs, dtype=torch.float64)

    lam = lambda s: piecewise_lr(s, base, [4, 8], 0.1, 2) / base  # noqa: E731
    lrs = torch_lrs(lambda o: torch.optim.lr_scheduler.LambdaLR(o, lam), 12, base)
    golden["sched.piecewise"] = torch.tensor(lrs, dtype=torch.float64)

    lrs = torch_lrs(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[4, 8], gamma=0.1),
                    12, base)
    for s, v in enumerate(lrs):
        assert abs(v - piecewise_lr(s, base, [4, 8], 0.1, 0)) < 1e-12 * base, (s, v)
    golden["sched.multistep"] = torch.tensor(lrs, dtype=torch.float64)

    lam = lambda s: warmup_factor(s, 4)  # noqa: E731
    lrs = torch_lrs(lambda o: torch.optim.lr_scheduler.LambdaLR(o, lam), 7, 0.01)
    golden["sched.constant"] = torch.tensor(lrs, dtype=torch.float64)


def run(golden, name, init, grads, kind, clip):
    params = collections.OrderedDict(
        (n, torch.nn.Parameter(init[n].clone())) for n in SHAPES if n not in BUFFERS | FROZEN)
    decay = [p for n, p in params.items() if n not in NO_DECAY]
    no_decay = [p for n, p in params.items() if n in NO_DECAY]
    if kind == "sgd":
        wd = 1e-4
        opt = torch.optim.SGD([{"params": decay, "weight_decay": wd},
                               {"params": no_decay, "weight_decay": 0.0}],
                              lr=0.1, momentum=0.9, foreach=False)
        lrs = [cosine_lr(s, 0.1, 2, STEPS, 1e-3) for s in range(STEPS)]
    else:
        wd = 0.05
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=1e-3, betas=(0.9, 0.999), eps=1e-8, foreach=False)
        lrs = [1e-3] * STEPS

    norms = []
    for k in range(STEPS):
        for n, p in params.items():
            p.grad = grads[k][n].clone()
        if clip:
            norms.append(float(torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)))
        for group in opt.param_groups:
            group["lr"] = lrs[k]
        opt.step()
        for n, p in params.items():
            golden["%s.step%d.%s" % (name, k + 1, n)] = p.detach().clone()

    golden[name + ".lr"] = torch.tensor(lrs, dtype=torch.float64)
    if clip:
        golden[name + ".norm"] = torch.tensor(norms, dtype=torch.float64)
    state_names = ["momentum_buffer"] if kind == "sgd" else ["exp_avg", "exp_avg_sq"]
    c_names = {"momentum_buffer": "momentum", "exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq"}
    for n, p in params.items():
        for s in state_names:
            golden["%s.state.%s.%s" % (name, c_names[s], n)] = opt.state[p][s].detach().clone()
    print("%-10s norms %s" % (name, " ".join("%.3f" % v for v in norms)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "tests", "goldens"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(SEED)

    golden = collections.OrderedDict()
    init = collections.OrderedDict()
    for n, shape in SHAPES.items():
        t = torch.randn(shape, dtype=torch.float64) * 0.5
        if n == "ln.weight":
            t = t * 0.2 + 1.0
        init[n] = f32(t)
        golden["init." + n] = init[n]
    grads = []
    for k in range(STEPS):
        g = collections.OrderedDict()
        for n, shape in SHAPES.items():
            g[n] = f32(torch.randn(shape, dtype=torch.float64) * GRAD_SCALES[k])
            golden["grad.%d.%s" % (k, n)] = g[n]
        grads.append(g)

    for name, kind, clip in (("sgd", "sgd", False), ("sgd_clip", "sgd", True),
                             ("adamw", "adamw", False), ("adamw_clip", "adamw", True)):
        run(golden, name, init, grads, kind, clip)
    schedules(golden)

    out = collections.OrderedDict()
    for n, t in golden.items():
        out[n] = t.to(torch.float64) if n.endswith(".lr") or n.endswith(".norm") or n.startswith("sched.") \
            else t.to(torch.float32)
    meta = {"format": "transfer-optim-golden", "torch": torch.__version__, "seed": str(SEED),
            "generator": "tools/make_optim_goldens.py"}
    path = os.path.join(args.out, "optim-golden.safetensors")
    ref.write_safetensors(path, out, meta)
    print("wrote %s (%d tensors, %d bytes)" % (os.path.normpath(path), len(out), os.path.getsize(path)))


if __name__ == "__main__":
    main()
