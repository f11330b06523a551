#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measures where the face detector puts the five landmarks on FER+ face crops:
the crop template an expression model trained on those crops expects
(input.crop.landmarks in its metadata, read by model/tf-align.c).

Each 48x48 crop is scaled 3x (PIL bilinear) and set in the middle of a 256x256
canvas of its own edge pixels (FER crops are tight; the detector wants some
context), YuNet runs (tools/yunet_ref.py, float32), the face nearest the centre
is kept, and its landmarks are mapped back to fractions of the crop side. The
per-landmark median over the sample is the template.

    /usr/bin/python3 tools/measure_template.py [--split ../shared/data/ferplus/train]
        [--n 2000] [--set-model data/models/transfer-ferplus.safetensors]

Prints the template, the spread (interquartile range) and how many crops gave a
face; --set-model writes it into the model's input.crop metadata."""
import argparse
import csv
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transfer_ref as ref  # noqa: E402
import yunet_ref  # noqa: E402

SCALE = 3
CANVAS = 256


def place(gray48):
    side = gray48.shape[0] * SCALE
    big = np.asarray(Image.fromarray(gray48).resize((side, side), Image.BILINEAR))
    pad = (CANVAS - side) // 2
    canvas = np.pad(big, ((pad, CANVAS - side - pad), (pad, CANVAS - side - pad)), mode="edge")
    return np.repeat(canvas[..., None], 3, axis=2), pad, side


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default=os.path.join(yunet_ref.ROOT, "..", "shared", "data", "ferplus", "train"))
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--onnx", default=yunet_ref.DEFAULT_ONNX)
    ap.add_argument("--set-model")
    args = ap.parse_args()

    with open(os.path.join(args.split, "label.csv")) as f:
        names = [row[0] for row in csv.reader(f)]
    names = sorted(names)[: args.n]
    graph = yunet_ref.OnnxGraph(args.onnx, torch.float32)
    points = []
    for name in names:
        gray = np.asarray(Image.open(os.path.join(args.split, name)).convert("L"))
        rgb, pad, side = place(gray)
        faces = yunet_ref.detect(graph, rgb, threshold=0.6)
        if not faces:
            continue
        c = CANVAS / 2
        f = min(faces, key=lambda f: abs(f["x"] + f["w"] / 2 - c) + abs(f["y"] + f["h"] / 2 - c))
        points.append([[(p[0] - pad) / side, (p[1] - pad) / side] for p in f["landmarks"]])
    pts = np.array(points)
    med = np.median(pts, axis=0)
    q1, q3 = np.percentile(pts, 25, axis=0), np.percentile(pts, 75, axis=0)
    print("faces found: %d of %d crops" % (len(points), len(names)))
    for k, label in enumerate(["left_eye", "right_eye", "nose_tip", "mouth_left", "mouth_right"]):
        print("%-12s x %.4f (IQR %.4f)  y %.4f (IQR %.4f)" % (label, med[k, 0], q3[k, 0] - q1[k, 0],
                                                              med[k, 1], q3[k, 1] - q1[k, 1]))
    template = [[round(float(med[k, 0]), 4), round(float(med[k, 1]), 4)] for k in range(5)]
    print(json.dumps(template))
    if args.set_model:
        tensors, meta = ref.read_safetensors(args.set_model)
        spec = json.loads(meta["input"])
        crop = spec.setdefault("crop", {})
        crop["landmarks"] = template
        crop["source_size"] = 48
        crop["landmarks_note"] = ("median YuNet landmarks on %d FER+ train crops (tools/measure_template.py), "
                                  "as fractions of the crop side" % len(points))
        meta["input"] = json.dumps(spec, separators=(",", ":"))
        tmp = args.set_model + ".tmp"
        ref.write_safetensors(tmp, tensors, meta)
        os.replace(tmp, args.set_model)
        print("wrote input.crop into", args.set_model)


if __name__ == "__main__":
    main()
