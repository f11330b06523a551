#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The C engine against the PyTorch run that exported a model: the share of FER+
valid faces on which `transfer-cli predict --no-detect` and PyTorch's saved
probabilities (tools/train_gpu.py's valid_probs.npy) pick the same class, and how far
the uncalibrated probabilities part.

    /usr/bin/python3 tools/check_agreement.py --cli build/app/cli/transfer-cli \\
        --model data/models/transfer-ferplus.safetensors --probs valid_probs.npy \\
        --data .dev --valid ../shared/data/ferplus/valid
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pack_ferplus  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--probs", required=True)
    ap.add_argument("--data", required=True, help="folder written by pack_ferplus.py")
    ap.add_argument("--valid", required=True, help="FER+ valid folder (the PNGs)")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()

    names = pack_ferplus.load(args.data)["valid"][3]
    labels = pack_ferplus.load(args.data)["valid"][1]
    ref = np.load(args.probs)
    n = len(names) if not args.limit else min(args.limit, len(names))
    files = [os.path.join(args.valid, str(x)) for x in names[:n]]
    out = subprocess.run([args.cli, "predict", "--model", args.model, "--no-detect", "--batch", "32"] + files,
                         check=True, capture_output=True, text=True).stdout.splitlines()
    if len(out) != n:
        sys.exit("transfer-cli printed %d lines for %d images" % (len(out), n))
    agree, right, worst = 0, 0, 0.0
    for i, line in enumerate(out):
        face = json.loads(line)["faces"][0]
        # softmax of the raw logits: PyTorch's probabilities know nothing of
        # the temperature (calibration.temperature) the C engine applies
        logits = np.array(face["logits"], dtype=np.float64)
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        agree += int(probs.argmax() == ref[i].argmax())
        right += int(probs.argmax() == labels[i])
        worst = max(worst, float(np.abs(probs - ref[i]).max()))
    print("faces=%d agreement=%.4f c_accuracy=%.4f max_prob_diff=%.3g" % (n, agree / n, right / n, worst))


if __name__ == "__main__":
    main()
