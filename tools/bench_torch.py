#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Times the PyTorch reference on a random model, float32, for comparison with the
C engine on the same machine: the forward pass (eval mode, no_grad), or with
--train full training steps.

    /usr/bin/python3 tools/bench_torch.py --config paper --batch 1 --threads 2 --iters 3
    /usr/bin/python3 tools/bench_torch.py --train --config small --batch 32 --threads 2 --iters 3 [--size 64]

Inference: the last line is `ms_per_face=<x>` (mean over the timed iterations / batch).
--train: each timed step is zero_grad, forward in training mode (BatchNorm with
batch statistics, MAD/MSAD masks drawn), label-smoothed (0.1) cross-entropy on
random labels, backward and SGD (momentum 0.9, weight decay 1e-4); the last line
is `ms_per_image=<x>` (mean step time / batch).
"""

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transfer_ref as ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", choices=sorted(ref.PRESETS), default="paper")
    ap.add_argument("--classes", type=int, default=7)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", type=int, default=0,
                    help="input size (divisible by 8; default: the preset's)")
    ap.add_argument("--train", action="store_true",
                    help="time training steps instead of the inference forward")
    ap.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (--train)")
    args = ap.parse_args()
    if args.batch < 1 or args.iters < 1 or args.threads < 1:
        sys.exit("batch, threads and iters must be positive")
    if args.size and (args.size < 8 or args.size % 8):
        sys.exit("--size must be a positive multiple of 8")
    if args.train and args.batch < 2:
        sys.exit("--train needs a batch of at least 2 (BatchNorm batch statistics)")

    torch.set_num_threads(args.threads)
    cfg = ref.make_config(args.config, args.classes)
    if args.size:
        cfg["input_size"] = args.size
    model = ref.init_random(cfg, args.seed).eval()
    s = cfg["input_size"]
    x = torch.randn(args.batch, 3, s, s, generator=torch.Generator().manual_seed(args.seed))
    print("config=%s params=%d size=%d batch=%d threads=%d iters=%d mode=%s torch=%s"
          % (args.config, model.n_params(), s, args.batch, args.threads, args.iters,
             "train" if args.train else "eval", torch.__version__))
    if args.train:
        return bench_train(model, x, args)
    with torch.no_grad():
        model(x)  # warm-up
        times = []
        for _ in range(args.iters):
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
    mean = 1000.0 * sum(times) / len(times)
    print("ms_per_batch_min=%.3f" % (1000.0 * min(times)))
    print("ms_per_batch_median=%.3f" % (1000.0 * sorted(times)[len(times) // 2]))
    print("ms_per_batch=%.3f" % mean)
    print("ms_per_face=%.3f" % (mean / args.batch))


def bench_train(model, x, args):
    k = model.config["num_classes"]
    gen = torch.Generator().manual_seed(args.seed + 1)
    labels = torch.randint(k, (x.shape[0],), generator=gen)
    y = ref.one_hot(labels, k)
    model.train()              # MAD/MSAD drawn from model.generator
    model.set_train_bn(True)   # BatchNorm with batch statistics
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ref.soft_cross_entropy(model(x), y, 0.1)
        loss.backward()
        opt.step()
        return float(loss)

    loss0 = step()  # warm-up
    times = []
    for _ in range(args.iters):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    mean = 1000.0 * sum(times) / len(times)
    print("loss_first=%.4f loss_last=%.4f" % (loss0, loss))
    print("ms_per_batch_min=%.3f" % (1000.0 * min(times)))
    print("ms_per_batch_median=%.3f" % (1000.0 * sorted(times)[len(times) // 2]))
    print("ms_per_batch=%.3f" % mean)
    print("ms_per_image=%.3f" % (mean / x.shape[0]))


if __name__ == "__main__":
    main()
