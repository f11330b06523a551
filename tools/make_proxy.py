#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Proxy domains for choosing the fine-tuning recipe (HACKING.md, "Fine-tuning").

The posed-expression set the recipe is judged on is kept from us, so we make
sets that share what hurts: a new camera (another tone curve, a tighter crop,
softer focus), few faces, and classes missing (a posed set has no neutral).
Faces are FER+ crops (majority protocol); nothing here is committed.

  tools/make_proxy.py SPLIT_DIR OUT_DIR --per-class N [--classes a,b,c]
                      [--shift camera|none] [--subjects K] [--seed S]
                      [--agreement A]

writes OUT_DIR/<class>/<name>.png (a --folders dataset). With --subjects K the
faces are dealt round-robin into K pseudo-subjects, and names start with the
subject (s03_fer0001.png), so a split by subject can be made by name.
Pure standard library: PNG read and written with zlib.
"""
import argparse
import csv
import os
import random
import struct
import sys
import zlib

CLASSES = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt"]


def read_png_gray(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, w, h, ctype, depth = 8, b"", 0, 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if depth != 8 or ctype not in (0, 2, 4, 6):
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, type {ctype})")
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    if ctype == 0:
        return w, h, [list(r) for r in rows]
    return w, h, [[r[x * bpp] for x in range(w)] for r in rows]   # first channel


def write_png_gray(path, w, h, rows):
    raw = b"".join(b"\x00" + bytes(r) for r in rows)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(png)
    os.replace(tmp, path)


def camera_shift(w, h, px):
    """Another camera: a zoom of 1.2 about the centre (a tighter crop),
    a 3x3 box blur, and a tone curve (gamma 0.6, contrast 0.7, lifted blacks)."""
    zoom = 1.2
    out = []
    for y in range(h):
        row = []
        for x in range(w):
            sx = (x + 0.5 - w / 2) / zoom + w / 2 - 0.5
            sy = (y + 0.5 - h / 2) / zoom + h / 2 - 0.5
            x0, y0 = int(sx), int(sy)
            fx, fy = sx - x0, sy - y0
            x1, y1 = min(x0 + 1, w - 1), min(y0 + 1, h - 1)
            v = (px[y0][x0] * (1 - fx) * (1 - fy) + px[y0][x1] * fx * (1 - fy) +
                 px[y1][x0] * (1 - fx) * fy + px[y1][x1] * fx * fy)
            row.append(v)
        out.append(row)
    blurred = []
    for y in range(h):
        row = []
        for x in range(w):
            s = n = 0
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    yy, xx = y + dy, x + dx
                    if 0 <= yy < h and 0 <= xx < w:
                        s += out[yy][xx]
                        n += 1
            v = (s / n) / 255.0
            v = v ** 0.6
            v = 0.15 + 0.7 * v
            row.append(max(0, min(255, int(round(v * 255)))))
        blurred.append(row)
    return blurred


def majority(votes, agreement=0.5):
    """The majority-protocol class, if at least @agreement of the votes
    (after the vote == 1 rule) are for it (more than half at 0.5)."""
    votes = [0 if v == 1 else v for v in votes]
    total = sum(votes)
    if total == 0:
        return None
    best = max(range(10), key=lambda i: votes[i])
    if best >= 8 or votes[best] * 2 <= total or votes[best] < agreement * total:
        return None
    return CLASSES[best]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("split")
    ap.add_argument("out")
    ap.add_argument("--per-class", type=int, required=True)
    ap.add_argument("--classes", default=",".join(CLASSES))
    ap.add_argument("--shift", choices=["camera", "none"], default="camera")
    ap.add_argument("--subjects", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--agreement", type=float, default=0.5,
                    help="keep faces with at least this share of the votes (clear, posed-like expressions)")
    args = ap.parse_args()

    wanted = args.classes.split(",")
    for c in wanted:
        if c not in CLASSES:
            sys.exit(f"make_proxy: unknown class '{c}'")
    by_class = {c: [] for c in wanted}
    with open(os.path.join(args.split, "label.csv"), newline="") as f:
        for row in csv.reader(f):
            c = majority([int(v) for v in row[2:12]], args.agreement)
            if c in by_class:
                by_class[c].append(row[0])
    rng = random.Random(args.seed)
    n = 0
    for c in wanted:
        names = sorted(by_class[c])
        rng.shuffle(names)
        os.makedirs(os.path.join(args.out, c), exist_ok=True)
        for i, name in enumerate(names[:args.per_class]):
            w, h, px = read_png_gray(os.path.join(args.split, name))
            if args.shift == "camera":
                px = camera_shift(w, h, px)
            prefix = f"s{i % args.subjects:02d}_" if args.subjects else ""
            write_png_gray(os.path.join(args.out, c, prefix + name), w, h, px)
            n += 1
    print(f"make_proxy: {n} faces in {len(wanted)} classes -> {args.out}")


if __name__ == "__main__":
    main()
