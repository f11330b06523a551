#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Times the PyTorch reference forward pass (eval mode, no_grad, float32) on a
random model, for comparison with the C engine on the same machine.

    /usr/bin/python3 tools/bench_torch.py --config paper --batch 1 --threads 2 --iters 3

The last line is `ms_per_face=<x>` (mean over the timed iterations / batch).
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
    args = ap.parse_args()
    if args.batch < 1 or args.iters < 1 or args.threads < 1:
        sys.exit("batch, threads and iters must be positive")

    torch.set_num_threads(args.threads)
    cfg = ref.make_config(args.config, args.classes)
    model = ref.init_random(cfg, args.seed).eval()
    s = cfg["input_size"]
    x = torch.randn(args.batch, 3, s, s, generator=torch.Generator().manual_seed(args.seed))
    print("config=%s params=%d batch=%d threads=%d iters=%d torch=%s"
          % (args.config, model.n_params(), args.batch, args.threads, args.iters,
             torch.__version__))
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


if __name__ == "__main__":
    main()
