#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compares `transfer-cli detect` with the PyTorch reference (tools/yunet_ref.py)
image by image: faces are paired by IoU (> 0.5), and the largest disagreement in
box and landmark coordinates (pixels) and score is reported, with the faces only
one side found (a face scoring within --borderline of the threshold may honestly
fall on either side).

    /usr/bin/python3 tools/check_yunet.py --cli build/app/cli/transfer-cli [--threshold T]
        [--max-side N] [--decoder pixbuf|pil] [--tolerance PX] IMAGE...

Exit status 1 when a paired face disagrees by more than --tolerance pixels or a
face away from the threshold is found by one side only.
"""
import argparse
import json
import os
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yunet_ref as yr  # noqa: E402


def coords(face):
    return [face["x"], face["y"], face["w"], face["h"]], [v for p in face["landmarks"] for v in p]


def run_cli(args):
    cmd = [args.cli, "detect", "--threshold", str(args.threshold), "--nms", str(args.nms),
           "--max-side", str(args.max_side)]
    if args.detector:
        cmd += ["--detector", args.detector]
    out = subprocess.run(cmd + args.images, stdout=subprocess.PIPE, check=False, text=True)
    results = {}
    for line in out.stdout.splitlines():
        r = json.loads(line)
        results[r["file"]] = r
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--detector")
    ap.add_argument("--onnx", default=yr.DEFAULT_ONNX)
    ap.add_argument("--threshold", type=float, default=0.6)
    ap.add_argument("--nms", type=float, default=0.3)
    ap.add_argument("--max-side", type=int, default=1280)
    ap.add_argument("--decoder", choices=["pixbuf", "pil"], default="pixbuf",
                    help="how the reference decodes (transfer-cli uses gdk-pixbuf)")
    ap.add_argument("--tolerance", type=float, default=1.0)
    ap.add_argument("--borderline", type=float, default=1e-3)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("images", nargs="+")
    args = ap.parse_args()

    cli = run_cli(args)
    graph = yr.OnnxGraph(args.onnx, torch.float64)
    worst_box = worst_lm = worst_score = 0.0
    worst_file = None
    matched = only_ref = only_cli = borderline = missing = 0
    with_face = 0
    top_scores = []
    for path in args.images:
        rgb = yr.load_rgb(path, args.decoder)
        ref = yr.detect(graph, rgb, args.threshold, args.nms, args.max_side)
        got = cli.get(path)
        if got is None:
            print("%s: transfer-cli gave no result" % path)
            missing += 1
            continue
        if (got["width"], got["height"]) != (rgb.shape[1], rgb.shape[0]):
            print("%s: sizes differ: %dx%d against %dx%d" % (path, got["width"], got["height"],
                                                              rgb.shape[1], rgb.shape[0]))
        if ref:
            with_face += 1
            top_scores.append((ref[0]["score"], path))
        used = set()
        for rf in ref:
            best, best_iou = None, 0.5
            for k, cf in enumerate(got["faces"]):
                if k in used:
                    continue
                iou = yr.iou(coords(rf)[0], coords(cf)[0])
                if iou > best_iou:
                    best, best_iou = k, iou
            if best is None:
                if abs(rf["score"] - args.threshold) <= args.borderline:
                    borderline += 1
                else:
                    only_ref += 1
                    print("%s: only the reference finds a face (score %.4f)" % (path, rf["score"]))
                continue
            used.add(best)
            matched += 1
            cf = got["faces"][best]
            (rb, rl), (cb, cl) = coords(rf), coords(cf)
            db = max(abs(a - b) for a, b in zip(rb, cb))
            dl = max(abs(a - b) for a, b in zip(rl, cl))
            ds = abs(rf["score"] - cf["score"])
            if args.verbose or max(db, dl) > args.tolerance:
                print("%s: box %.3g px, landmarks %.3g px, score %.3g" % (path, db, dl, ds))
            if max(db, dl) > max(worst_box, worst_lm):
                worst_file = path
            worst_box, worst_lm, worst_score = max(worst_box, db), max(worst_lm, dl), max(worst_score, ds)
        for k, cf in enumerate(got["faces"]):
            if k not in used:
                if abs(cf["score"] - args.threshold) <= args.borderline:
                    borderline += 1
                else:
                    only_cli += 1
                    print("%s: only transfer-cli finds a face (score %.4f)" % (path, cf["score"]))

    print("images: %d (%d with at least one face at threshold %.2f)" % (len(args.images), with_face,
                                                                      args.threshold))
    if top_scores:
        low = min(top_scores)
        print("smallest top score: %.4f (%s)" % low)
    print("faces matched: %d, only in the reference: %d, only in transfer-cli: %d, "
          "borderline: %d, images without a CLI result: %d" % (matched, only_ref, only_cli, borderline, missing))
    print("max disagreement: box %.3g px, landmarks %.3g px, score %.3g%s"
          % (worst_box, worst_lm, worst_score, " (%s)" % worst_file if worst_file else ""))
    bad = only_ref or only_cli or missing or max(worst_box, worst_lm) > args.tolerance
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
