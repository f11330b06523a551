#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compares the C engine's logits (transfer-cli predict --no-detect) with the
PyTorch reference on the same images and model file.

    /usr/bin/python3 tools/parity.py --model M.safetensors --cli build/app/cli/transfer-cli IMG...

Prints, per image, the max absolute and max relative logit error
(relative = max|c - ref| / max|ref|), then `max_rel_err=<x>`; exits 1 when that
is over --tol (default 1e-3), 2 when the CLI fails or its output does not match.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transfer_ref as ref  # noqa: E402


def run_cli(cli, model, images):
    cmd = [cli, "predict", "--model", model, "--no-detect"] + list(images)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        print("parity: %s exited with %d" % (" ".join(cmd), proc.returncode))
        sys.exit(2)
    rows = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line:
            rows.append(json.loads(line))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--cli", required=True, help="path to transfer-cli")
    ap.add_argument("--tol", type=float, default=1e-3)
    ap.add_argument("images", nargs="+")
    args = ap.parse_args()

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    model, classes, spec, _ = ref.load_model(args.model, dtype=torch.float64)
    rows = run_cli(args.cli, args.model, args.images)
    if len(rows) != len(args.images):
        print("parity: %d images but %d output lines" % (len(args.images), len(rows)))
        sys.exit(2)

    worst = 0.0
    for path, row in zip(args.images, rows):
        faces = row.get("faces") or []
        if len(faces) != 1 or "logits" not in faces[0]:
            print("parity: %s: expected one face with logits, got %r" % (path, row))
            sys.exit(2)
        got = np.asarray(faces[0]["logits"], dtype=np.float64)
        with Image.open(path) as img:
            x = ref.to_input(img, spec, np.float64)[None]
        with torch.no_grad():
            want = model(x)[0].numpy()
        if got.shape != want.shape:
            print("parity: %s: %d logits, reference has %d" % (path, got.size, want.size))
            sys.exit(2)
        abs_err = float(np.abs(got - want).max())
        rel_err = abs_err / max(float(np.abs(want).max()), 1e-30)
        worst = max(worst, rel_err)
        print("%s: max_abs_err=%.3g max_rel_err=%.3g predicted=%s ref=%s"
              % (row.get("file", path), abs_err, rel_err, faces[0].get("predicted"),
                 classes[int(np.argmax(want))]))
    print("max_rel_err=%.6g" % worst)
    sys.exit(1 if worst > args.tol else 0)


if __name__ == "__main__":
    main()
