#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes stand-ins for the TransFER authors' released checkpoints, for the
tests of tools/convert_official.py (the real files cannot be downloaded here).
Numpy only, except `golden`, which needs PyTorch and tools/transfer_ref.py.

    make_official_fixture.py paddle OUT.pdparams [--seed S] [--variants DIR] [--expect OUT.safetensors]
    make_official_fixture.py torch-stem OUT.pth [--seed S] [--legacy] [--expect OUT.safetensors]
    make_official_fixture.py hostile DIR
    make_official_fixture.py golden OUT.json --image IMG [--seed S]       (PyTorch)
    make_official_fixture.py real-torch DIR                               (PyTorch)

The weights are random, drawn from numpy's PCG64 with the seed, with the
`paper` preset's shapes under the canonical names, then stored as each
source stores them:

- paddle: a pickle of name -> array as paddle.save writes a state dict
  (protocol 4, with its "StructuredToParameterName@@" table): Linear weights
  transposed to [in, out], BatchNorm's statistics named `_mean` and
  `_variance`, PReLU's weight named `weight` as the authors' release has it.
  --variants DIR also writes the mismatches the converter must name:
  renamed.pdparams (vit.blocks.3.attn.qkv.weight stored as
  vit.blocks.3.attn.qkv_weight), int.pdparams (head.fc.bias as int32) and
  shape.pdparams (vit.pos_embed with one token less).
- torch-stem: face.evoLVe's IR-50 (the stem, the fourth stage and the output
  layer) in an mmcls checkpoint ({"meta": ..., "state_dict": {"backbone.*"}}),
  written in torch.save's zip format, or with --legacy its format before
  PyTorch 1.6, by this script's own pickler (no torch).
- golden: the PyTorch reference's float64 logits for IMG (resized whole to
  112x112, as transfer-cli predict --no-detect does) with these weights.

- hostile: small PyTorch files whose numbers lie (a stride-0 tensor of 2^40
  values, a deflated storage, a storage announced past the end of the file).
- real-torch: two small files torch.save itself wrote (zip and legacy), for
  the reader (tests/fixtures/torch-zip.pt and torch-legacy.pt).

--expect writes a few of the canonical tensors to a safetensors file, so a
test can compare the converted values with the ones drawn here.
"""
import argparse
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert_official as conv  # noqa: E402

EXPECT = ["extractor.input_layer.2.weight", "extractor.body.3.res_layer.4.running_mean",
          "extractor.body.3.res_layer.4.running_var", "extractor.body.20.res_layer.1.weight",
          "vit.blocks.0.attn.qkv.weight", "vit.blocks.7.mlp.fc2.weight", "head.fc.weight"]


def draw(layout, seed):
    """Canonical name -> float32 array, PyTorch layout, scaled so that the
    logits are of order one and every BatchNorm does something."""
    rng = np.random.default_rng(seed)
    out = collections.OrderedDict()
    for name, shape, kind in layout:
        suffix = name.rpartition(".")[2]
        n = int(np.prod(shape))
        if kind == conv.BN:
            if suffix in ("weight", "running_var"):
                v = 0.5 + rng.random(n, dtype=np.float32)
            else:
                v = 0.1 * rng.standard_normal(n, dtype=np.float32)
        elif kind == conv.PRELU:
            v = 0.1 + 0.3 * rng.random(n, dtype=np.float32)
        elif len(shape) == 4:
            bound = 1.0 / np.sqrt(np.prod(shape[1:]))
            v = (2 * rng.random(n, dtype=np.float32) - 1) * bound
        elif kind == conv.LINEAR:
            v = (0.05 if name.startswith("head.") else 0.02) * rng.standard_normal(n, dtype=np.float32)
        elif name.endswith(("norm1.weight", "norm2.weight")) or name == "vit.norm.weight":
            v = 1 + 0.1 * rng.standard_normal(n, dtype=np.float32)
        else:
            v = 0.05 * rng.standard_normal(n, dtype=np.float32)
        out[name] = v.astype(np.float32).reshape(shape)
    return out


def write_expect(path, weights):
    conv.write_safetensors(path, [(n, np.ascontiguousarray(weights[n])) for n in EXPECT if n in weights],
                           {"format": "fixture"})


# ---------------------------------------------------------------------------
# Paddle

def paddle_state(weights):
    state = collections.OrderedDict()
    table = {}
    kinds = {n: k for n, _, k in conv.model_layout(conv.PAPER)}
    for i, (name, arr) in enumerate(weights.items()):
        prefix, _, suffix = name.rpartition(".")
        if kinds[name] == conv.BN and suffix == "running_mean":
            key = prefix + "._mean"
        elif kinds[name] == conv.BN and suffix == "running_var":
            key = prefix + "._variance"
        else:
            key = name
        state[key] = np.ascontiguousarray(arr.T) if kinds[name] == conv.LINEAR else arr
        table[key] = "param_%d" % i
    state["StructuredToParameterName@@"] = table
    return state


def dump_pickle(path, obj):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=4)


def cmd_paddle(args):
    weights = draw(conv.model_layout(conv.PAPER), args.seed)
    if args.expect:
        write_expect(args.expect, weights)
    state = paddle_state(weights)
    del weights
    dump_pickle(args.out, state)
    if args.variants:
        os.makedirs(args.variants, exist_ok=True)
        renamed = collections.OrderedDict(
            ("vit.blocks.3.attn.qkv_weight" if k == "vit.blocks.3.attn.qkv.weight" else k, v)
            for k, v in state.items())
        dump_pickle(os.path.join(args.variants, "renamed.pdparams"), renamed)
        del renamed
        bad = collections.OrderedDict(state)
        bad["head.fc.bias"] = np.arange(7, dtype=np.int32)
        dump_pickle(os.path.join(args.variants, "int.pdparams"), bad)
        bad = collections.OrderedDict(state)
        bad["vit.pos_embed"] = np.ascontiguousarray(state["vit.pos_embed"][:, :196])
        dump_pickle(os.path.join(args.variants, "shape.pdparams"), bad)


# ---------------------------------------------------------------------------
# PyTorch's formats, written without torch

class _Global:
    """Pickled as a reference to module.name (a callable, as pickle wants of
    a reduce function); never called here."""
    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):
        raise AssertionError("not called")


class _Tensor:
    def __init__(self, key, arr):
        self.key, self.arr = key, arr

    def __reduce__(self):
        stride = tuple(s // self.arr.itemsize for s in self.arr.strides)
        return (_Global("torch._utils", "_rebuild_tensor_v2"),
                (_StorageRef(self.key, self.arr), 0, self.arr.shape, stride, False,
                 collections.OrderedDict()))


class _StorageRef:
    def __init__(self, key, arr):
        self.key, self.arr = key, arr


class _TorchPickler(pickle._Pickler):
    """Storages by reference as torch.save does: ("storage", type, key,
    location, numel), and a view (None) more in the legacy format."""
    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, f, legacy):
        super().__init__(f, protocol=2)
        self.legacy = legacy

    def save_global_ref(self, obj):
        self.write(pickle.GLOBAL + ("%s\n%s\n" % (obj.module, obj.name)).encode("ascii"))
        self.memoize(obj)

    dispatch[_Global] = save_global_ref

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            kind = "LongStorage" if obj.arr.dtype == np.int64 else "FloatStorage"
            pid = ("storage", _Global("torch", kind), obj.key, "cpu", obj.arr.size)
            return pid + (None,) if self.legacy else pid
        return None


def _torch_pickle(obj, legacy):
    buf = io.BytesIO()
    _TorchPickler(buf, legacy).dump(obj)
    return buf.getvalue()


def cmd_torch_stem(args):
    layout = conv.stem_layout(conv.PAPER["stem_depths"], conv.PAPER["stem_widths"]) + conv.ir50_unused_layout()
    weights = draw(layout, args.seed)
    if args.expect:
        write_expect(args.expect, weights)
    state = collections.OrderedDict()
    for name, arr in weights.items():
        key = "backbone." + name[len("extractor."):]
        state[key] = _Tensor(str(len(state)), np.ascontiguousarray(arr))
        if name.endswith(".running_var"):    # as torch's BatchNorm saves it
            state[key[:-len("running_var")] + "num_batches_tracked"] = \
                _Tensor(str(len(state)), np.array(1000, np.int64))
    ckpt = collections.OrderedDict([("meta", {"mmcls_version": "0.x", "CLASSES": conv.RAF_CLASSES}),
                                    ("state_dict", state)])
    if args.legacy:
        with open(args.out, "wb") as f:
            pickle.dump(conv.TORCH_LEGACY_MAGIC, f, protocol=2)
            pickle.dump(1001, f, protocol=2)
            pickle.dump({"protocol_version": 1001, "little_endian": True,
                         "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
            f.write(_torch_pickle(ckpt, True))
            pickle.dump([t.key for t in state.values()], f, protocol=2)
            for t in state.values():
                f.write(struct.pack("<q", t.arr.size))
                f.write(t.arr.tobytes())
    else:
        with zipfile.ZipFile(args.out, "w", zipfile.ZIP_STORED) as z:
            z.writestr("archive/data.pkl", _torch_pickle(ckpt, False))
            z.writestr("archive/byteorder", "little")
            for t in state.values():
                z.writestr("archive/data/" + t.key, t.arr.tobytes())
            z.writestr("archive/version", "3\n")


def cmd_real_torch(args):
    """Small files written by PyTorch itself, in both of its formats, for the
    reader's tests: a transposed (non-contiguous) tensor, float16, bfloat16
    and an integer counter."""
    import torch
    sd = collections.OrderedDict([
        ("backbone.body.0.res_layer.1.weight", torch.arange(24, dtype=torch.float32).reshape(2, 3, 2, 2)),
        ("t", torch.arange(6, dtype=torch.float32).reshape(2, 3).t()),
        ("h", torch.tensor([1.5, -2.25], dtype=torch.float16)),
        ("b", torch.tensor([1.5, -2.25, 3.0], dtype=torch.bfloat16)),
        ("bn.num_batches_tracked", torch.tensor(7)),
    ])
    ckpt = {"state_dict": sd, "meta": {"epoch": 3}}
    torch.save(ckpt, os.path.join(args.dir, "torch-zip.pt"))
    torch.save(ckpt, os.path.join(args.dir, "torch-legacy.pt"), _use_new_zipfile_serialization=False)


def cmd_hostile(args):
    """Small PyTorch files whose numbers lie, each of which the converter
    must refuse before allocating what they announce: expanded.pth (a
    tensor of 2^40 values on a storage of 4, stride 0), compressed.pth (a
    storage deflated, which torch.save never does) and past-end.pth (the
    old format announcing a storage of 2^40 values)."""
    os.makedirs(args.dir, exist_ok=True)

    class Expanded(_Tensor):
        def __reduce__(self):
            return (_Global("torch._utils", "_rebuild_tensor_v2"),
                    (_StorageRef(self.key, self.arr), 0, (1 << 40,), (0,), False, collections.OrderedDict()))

    arr = np.arange(4, dtype=np.float32)
    with zipfile.ZipFile(os.path.join(args.dir, "expanded.pth"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", _torch_pickle({"input_layer.0.weight": Expanded("0", arr)}, False))
        z.writestr("archive/data/0", arr.tobytes())
    with zipfile.ZipFile(os.path.join(args.dir, "compressed.pth"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", _torch_pickle({"input_layer.0.weight": _Tensor("0", arr)}, False))
        z.writestr("archive/data/0", arr.tobytes(), compress_type=zipfile.ZIP_DEFLATED)
    with open(os.path.join(args.dir, "past-end.pth"), "wb") as f:
        pickle.dump(conv.TORCH_LEGACY_MAGIC, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True}, f, protocol=2)
        f.write(_torch_pickle({"input_layer.0.weight": _Tensor("0", arr)}, True))
        pickle.dump(["0"], f, protocol=2)
        f.write(struct.pack("<q", 1 << 40))
        f.write(arr.tobytes())


# ---------------------------------------------------------------------------
# The reference's logits

def cmd_golden(args):
    import torch
    import transfer_ref as ref
    from PIL import Image
    cfg = ref.make_config("paper", len(conv.RAF_CLASSES))
    weights = draw(conv.model_layout(conv.PAPER), args.seed)
    model = ref.TransFER(cfg)
    state = model.canonical_state()
    missing = set(state) ^ set(weights)
    if missing:
        sys.exit("the reference and the converter disagree on the names: %s" % sorted(missing)[:10])
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=False)
    model = model.double().eval()
    spec = dict(conv.INPUT)
    with Image.open(args.image) as img, torch.no_grad():
        x = ref.to_input(img, spec, np.float64)[None].double()
        logits = model(x)[0]
    with open(args.out, "w") as f:
        json.dump({"seed": args.seed, "image": os.path.basename(args.image),
                   "made_by": "tools/make_official_fixture.py golden (PyTorch %s, float64)" % torch.__version__,
                   "logits": [float(v) for v in logits]}, f, indent=1)
        f.write("\n")
    print("logits", [round(float(v), 4) for v in logits])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("paddle")
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--variants")
    p.add_argument("--expect")
    p = sub.add_parser("torch-stem")
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=18)
    p.add_argument("--legacy", action="store_true")
    p.add_argument("--expect")
    p = sub.add_parser("real-torch")
    p.add_argument("dir")
    p = sub.add_parser("hostile")
    p.add_argument("dir")
    p = sub.add_parser("golden")
    p.add_argument("out")
    p.add_argument("--image", required=True)
    p.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()
    {"paddle": cmd_paddle, "torch-stem": cmd_torch_stem, "real-torch": cmd_real_torch, "hostile": cmd_hostile,
     "golden": cmd_golden}[args.cmd](args)


if __name__ == "__main__":
    main()
