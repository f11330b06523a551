#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Packs FER+ train and valid (majority protocol faces, with their vote counts)
for an accelerator machine: the 48x48 images as one xz-compressed uint8 array
(46 MB; the device tool carries 64 MiB per call) and the labels, votes and
file names as a small .npz.

    /usr/bin/python3 tools/pack_ferplus.py ../shared/data/ferplus .dev

The images stay out of the repository (FER2013 carries no licence): the output
goes to an ignored folder."""
import csv
import lzma
import os
import sys

import numpy as np
from PIL import Image


def majority(votes):
    """The FER+ majority protocol of shared/data/README.md: votes of 1 are
    dropped; a face keeps the class with more than half of the rest; unknown
    (8) and not-a-face (9) winners and faces without a majority are left out."""
    v = [0 if x == 1 else x for x in votes]
    total = sum(v)
    best = max(range(10), key=lambda i: v[i])
    if total == 0 or 2 * v[best] <= total or best >= 8:
        return None, v
    return best, v


def pack(split_dir):
    images, labels, votes, names = [], [], [], []
    with open(os.path.join(split_dir, "label.csv"), newline="") as f:
        for row in csv.reader(f):
            label, v = majority([int(x) for x in row[2:12]])
            if label is None:
                continue
            img = Image.open(os.path.join(split_dir, row[0])).convert("L")
            images.append(np.asarray(img, dtype=np.uint8))
            labels.append(label)
            votes.append(v[:8])
            names.append(row[0])
    return (np.stack(images), np.array(labels, dtype=np.uint8),
            np.array(votes, dtype=np.uint8), np.array(names))


def main():
    src, out = sys.argv[1], sys.argv[2]
    meta, images = {}, []
    for split in ("train", "valid"):
        x, y, v, n = pack(os.path.join(src, split))
        images.append(x.tobytes())
        meta[split + "_count"] = np.array(len(y))
        meta[split + "_y"], meta[split + "_votes"], meta[split + "_names"] = y, v, n
        print(split, x.shape, np.bincount(y, minlength=8).tolist())
    os.makedirs(out, exist_ok=True)
    np.savez_compressed(os.path.join(out, "ferplus-meta.npz"), **meta)
    with open(os.path.join(out, "ferplus-images.xz"), "wb") as f:
        f.write(lzma.compress(b"".join(images), preset=9))
    for name in ("ferplus-meta.npz", "ferplus-images.xz"):
        print(name, os.path.getsize(os.path.join(out, name)) // 1024, "KiB")


def load(folder):
    """Returns {split: (images [n,48,48] uint8, labels [n], votes [n,8], names [n])}."""
    meta = np.load(os.path.join(folder, "ferplus-meta.npz"))
    with open(os.path.join(folder, "ferplus-images.xz"), "rb") as f:
        raw = np.frombuffer(lzma.decompress(f.read()), dtype=np.uint8)
    out, at = {}, 0
    for split in ("train", "valid"):
        n = int(meta[split + "_count"])
        x = raw[at:at + n * 48 * 48].reshape(n, 48, 48)
        at += n * 48 * 48
        out[split] = (x, meta[split + "_y"], meta[split + "_votes"], meta[split + "_names"])
    return out


if __name__ == "__main__":
    main()
