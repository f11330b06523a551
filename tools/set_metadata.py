#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sets metadata entries of a model file, tensors untouched (atomically).

    /usr/bin/python3 tools/set_metadata.py FILE [--set KEY=VALUE]... [--from OTHER --copy KEY:NEWKEY...]

--copy takes an entry of OTHER's metadata (for a model's lineage, e.g. the recipe of
the model it was fine-tuned from)."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transfer_ref as ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--set", dest="pairs", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--from", dest="other")
    ap.add_argument("--copy", action="append", default=[])
    args = ap.parse_args()
    tensors, meta = ref.read_safetensors(args.file)
    if args.other:
        _, other = ref.read_safetensors(args.other)
        for spec in args.copy:
            key, _, new = spec.partition(":")
            meta[new or key] = other[key]
    for pair in args.pairs:
        key, _, value = pair.partition("=")
        meta[key] = value
    tmp = args.file + ".tmp"
    ref.write_safetensors(tmp, tensors, meta)
    os.replace(tmp, args.file)


if __name__ == "__main__":
    main()
