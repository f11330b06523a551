#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Converts the TransFER authors' released weights into a model file this
engine opens (safetensors, canonical names, F32, with metadata).

    python3 tools/convert_official.py SRC --out FILE.safetensors
    python3 tools/convert_official.py SRC --list

Needs Python 3 and numpy only: no PaddlePaddle, PyTorch or mmcls.

SRC is one of:

- the authors' PaddlePaddle checkpoint of the `paper` configuration (their
  `Paddle/` folder, `TransFER-RAF_param.pdparams`, config
  `ppcls/configs/RAF/TransFER.yaml`): a pickle of name -> array, as
  `paddle.save` writes a state dict. The names are the design brief's
  canonical ones (trans_fer.py, irse.py and la_max.py use the same module
  names), with Paddle's conventions undone: Linear weights are stored
  [in, out] and are transposed; BatchNorm's `_mean` / `_variance` become
  `running_mean` / `running_var`; PReLU's `_weight` (or `weight`, as the
  release names it: the authors' loader copies `weight` to `_weight`)
  becomes `weight`. The result is the whole model, 7 RAF-DB classes.
- a PyTorch checkpoint (torch.save's zip or its older format; an mmcls
  checkpoint's `state_dict`, with a `backbone.`, `extractor.` or `module.`
  prefix, or none) holding the IR-50 face-recognition network the authors'
  mmcls code starts from (face.evoLVe's `backbone_ir50_ms1m_epoch120.pth`).
  Its first three stages are the stem (`extractor.*`); the fourth stage and
  the output layer, which TransFER does not use, are left out and said so.
  The result is a partial model: `transfer-cli train --from FILE` starts the
  `paper` preset from it, the rest initialised at random.

A checkpoint never runs code here: the pickle is read with an unpickler that
admits only the globals needed to rebuild arrays (numpy's array
reconstruction, OrderedDict, and PyTorch's tensor rebuilding and storage
types, which are answered by this script's own code). Any other global stops
the conversion with its name.

Every mismatch (a missing or unexpected tensor, a wrong shape, an unknown
dtype, a value that is not finite, a truncated file) stops with a message
naming it, and nothing is written: the output is written beside its name and
renamed into place only when complete.

--list prints the tensors the checkpoint holds (name, dtype, shape, and their
values, or their sum when there are more than 8) after the same restricted
reading, without converting (bfloat16 is listed as the float32 it becomes).

Exit status: 0 converted (or listed), 1 the source does not convert (or the
output cannot be written), 2 usage.
"""
import argparse
import collections
import hashlib
import io
import json
import os
import pickle
import struct
import sys
import tempfile
import zipfile

import numpy as np

# ---------------------------------------------------------------------------
# The model: the `paper` preset of the design brief

PAPER = collections.OrderedDict([
    ("input_size", 112), ("stem_depths", [3, 4, 14]), ("stem_widths", [64, 128, 256]),
    ("lanets", 2), ("lanet_reduction", 16), ("embed_dim", 768), ("depth", 8),
    ("heads", 8), ("mlp_ratio", 3), ("num_classes", 7), ("mad_p", 0.6),
    ("msad_p", 0.3), ("ln_eps", 1e-6), ("bn_eps", 1e-5),
])

# RAF-DB's basic emotion labels 1..7, minus one as the authors' RAFDataset
# reads them (ppcls/data/dataloader/imagenet_dataset.py): index 0 is label 1.
RAF_CLASSES = ["surprise", "fear", "disgust", "happiness", "sadness", "anger", "neutral"]

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]

INPUT = collections.OrderedDict([
    ("size", 112), ("color", "rgb"), ("mean", MEAN), ("std", STD),
    ("crop", collections.OrderedDict([
        ("source", "RAF-DB basic, aligned 100x100 faces, resized to 112x112 "
                   "(the authors' eval transform: ResizeImage 112, CropImage 112)"),
        ("source_size", 100),
        ("framing", "RAF-DB's aligned faces: a similarity transform on five landmarks, "
                    "the face from forehead to chin filling the square"),
        ("landmark_order", ["left_eye", "right_eye", "nose_tip", "mouth_left", "mouth_right"]),
        # An approximation, not a measurement: RAF-DB does not publish the
        # template of its aligned set, and its images are not available here.
        ("landmarks", [[0.33, 0.40], [0.67, 0.40], [0.50, 0.57], [0.36, 0.75], [0.64, 0.75]]),
        ("landmarks_note", "approximation, not measured: RAF-DB publishes no alignment template; "
                           "eyes at 0.40 and mouth corners at 0.75 of the side, as its aligned faces "
                           "are framed. Measure on RAF-DB's aligned images (tools/measure_template.py "
                           "does it for FER+) and set it with tools/set_metadata.py"),
    ])),
])

PRELU, BN, LINEAR, OTHER = "prelu", "bn", "linear", "other"
BN_SUFFIXES = ("weight", "bias", "running_mean", "running_var")


def stem_layout(depths, widths):
    """(name, shape, kind) of the IR stem: input layer and the stages' units,
    face.evoLVe's bottleneck_IR (irse.py)."""
    out = [("extractor.input_layer.0.weight", (64, 3, 3, 3), OTHER)]
    out += [("extractor.input_layer.1." + s, (64,), BN) for s in BN_SUFFIXES]
    out += [("extractor.input_layer.2.weight", (64,), PRELU)]
    cin, unit = 64, 0
    for depth, width in zip(depths, widths):
        for i in range(depth):
            p = "extractor.body.%d." % unit
            out += [(p + "res_layer.0." + s, (cin,), BN) for s in BN_SUFFIXES]
            out += [(p + "res_layer.1.weight", (width, cin, 3, 3), OTHER),
                    (p + "res_layer.2.weight", (width,), PRELU),
                    (p + "res_layer.3.weight", (width, width, 3, 3), OTHER)]
            out += [(p + "res_layer.4." + s, (width,), BN) for s in BN_SUFFIXES]
            if cin != width:
                out += [(p + "shortcut_layer.0.weight", (width, cin, 1, 1), OTHER)]
                out += [(p + "shortcut_layer.1." + s, (width,), BN) for s in BN_SUFFIXES]
            cin = width
            unit += 1
    return out


def model_layout(cfg):
    out = stem_layout(cfg["stem_depths"], cfg["stem_widths"])
    c = cfg["stem_widths"][2]
    h = c // cfg["lanet_reduction"]
    d = cfg["embed_dim"]
    hidden = int(d * cfg["mlp_ratio"] + 0.5)
    grid = cfg["input_size"] // 8
    for b in range(cfg["lanets"]):
        p = "attention.las.%d." % b
        out += [(p + "LA_conv1.weight", (h, c, 1, 1), OTHER), (p + "LA_conv1.bias", (h,), OTHER)]
        out += [(p + "bn1." + s, (h,), BN) for s in BN_SUFFIXES]
        out += [(p + "LA_conv2.weight", (1, h, 1, 1), OTHER), (p + "LA_conv2.bias", (1,), OTHER)]
        out += [(p + "bn2." + s, (1,), BN) for s in BN_SUFFIXES]
    out += [("convert.proj.weight", (d, c, 1, 1), OTHER), ("convert.proj.bias", (d,), OTHER),
            ("vit.cls_token", (1, 1, d), OTHER), ("vit.pos_embed", (1, grid * grid + 1, d), OTHER)]
    for l in range(cfg["depth"]):
        p = "vit.blocks.%d." % l
        out += [(p + "norm1.weight", (d,), OTHER), (p + "norm1.bias", (d,), OTHER),
                (p + "attn.qkv.weight", (3 * d, d), LINEAR),
                (p + "attn.proj.weight", (d, d), LINEAR), (p + "attn.proj.bias", (d,), OTHER),
                (p + "norm2.weight", (d,), OTHER), (p + "norm2.bias", (d,), OTHER),
                (p + "mlp.fc1.weight", (hidden, d), LINEAR), (p + "mlp.fc1.bias", (hidden,), OTHER),
                (p + "mlp.fc2.weight", (d, hidden), LINEAR), (p + "mlp.fc2.bias", (d,), OTHER)]
    out += [("vit.norm.weight", (d,), OTHER), ("vit.norm.bias", (d,), OTHER),
            ("head.fc.weight", (cfg["num_classes"], d), LINEAR),
            ("head.fc.bias", (cfg["num_classes"],), OTHER)]
    return out


def ir50_unused_layout():
    """IR-50's parts TransFER leaves out: the fourth stage (3 units of 512)
    and the face-recognition output layer (irse.py, 112x112 input)."""
    out, unit, cin = [], 21, 256
    for i in range(3):
        p = "extractor.body.%d." % unit
        out += [(p + "res_layer.0." + s, (cin,), BN) for s in BN_SUFFIXES]
        out += [(p + "res_layer.1.weight", (512, cin, 3, 3), OTHER),
                (p + "res_layer.2.weight", (512,), PRELU),
                (p + "res_layer.3.weight", (512, 512, 3, 3), OTHER)]
        out += [(p + "res_layer.4." + s, (512,), BN) for s in BN_SUFFIXES]
        if cin != 512:
            out += [(p + "shortcut_layer.0.weight", (512, cin, 1, 1), OTHER)]
            out += [(p + "shortcut_layer.1." + s, (512,), BN) for s in BN_SUFFIXES]
        cin, unit = 512, unit + 1
    out += [("extractor.output_layer.0." + s, (512,), BN) for s in BN_SUFFIXES]
    out += [("extractor.output_layer.3.weight", (512, 512 * 7 * 7), LINEAR),
            ("extractor.output_layer.3.bias", (512,), OTHER)]
    out += [("extractor.output_layer.4." + s, (512,), BN) for s in BN_SUFFIXES]
    return out


class ConvertError(Exception):
    pass


class Refused(ConvertError):
    """The pickle asked for something a checkpoint of arrays never needs."""


# ---------------------------------------------------------------------------
# Reading pickles without running them

_NUMPY_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
}

# torch storage class -> numpy dtype (little-endian unless the archive says otherwise)
_TORCH_STORAGES = {
    "FloatStorage": "f4", "HalfStorage": "f2", "DoubleStorage": "f8", "BFloat16Storage": "bf16",
    "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1",
    "ByteStorage": "u1", "BoolStorage": "?",
}


class _StorageType:
    def __init__(self, name):
        self.name = name
        self.code = _TORCH_STORAGES[name]

    @property
    def itemsize(self):
        return 2 if self.code == "bf16" else np.dtype(self.code).itemsize


class _Storage:
    """A torch storage's bytes as a flat numpy array."""
    def __init__(self, stype, data, byteorder="<"):
        self.stype = stype
        self.data = data
        self.byteorder = byteorder

    def array(self):
        if self.stype.code == "bf16":
            raw = np.frombuffer(self.data, dtype=self.byteorder + "u2")
            return raw.astype("<u4") << np.uint32(16)    # the float32 whose top half it is
        code = self.stype.code
        dt = np.dtype(code if code in ("i1", "u1", "?") else self.byteorder + code)
        return np.frombuffer(self.data, dtype=dt)


def _rebuild_tensor(storage, offset, size, stride, *rest):
    flat = storage.array()
    bf16 = storage.stype.code == "bf16"
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    offset = int(offset)
    numel = int(np.prod(size)) if size else 1
    if any(n < 0 for n in size) or numel > flat.size or (numel and (
            offset < 0 or any(s < 0 for s in stride) or
            offset + sum((n - 1) * s for n, s in zip(size, stride)) >= flat.size)):
        raise ConvertError("a tensor of size %s reaches past its storage of %d values"
                           % (list(size), flat.size))
    contiguous, step = True, 1
    for n, s in zip(reversed(size), reversed(stride)):
        contiguous = contiguous and (n == 1 or s == step)
        step *= n
    if contiguous:
        arr = flat[offset:offset + numel].reshape(size)    # the storage's own bytes: no copy
    else:
        view = np.lib.stride_tricks.as_strided(flat[offset:], shape=size,
                                               strides=tuple(s * flat.itemsize for s in stride))
        arr = np.array(view)    # a transposed tensor: a contiguous copy
    return arr.view("<f4") if bf16 else arr


def _rebuild_parameter(data, *rest):
    return data


class RestrictedUnpickler(pickle.Unpickler):
    """Admits numpy's array reconstruction, OrderedDict and, for PyTorch
    files, the tensor rebuilding functions and storage types (answered by
    this module's code, never torch's); refuses every other global."""

    def __init__(self, f, storages=None, rebuild=_rebuild_tensor):
        super().__init__(f)
        self.storages = storages    # None: not a PyTorch file, persistent ids refused
        self.rebuild = rebuild

    def find_class(self, module, name):
        if (module, name) in _NUMPY_GLOBALS:
            return super().find_class(module, name)
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if self.storages is not None:
            if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
                return self.rebuild
            if module == "torch._utils" and name == "_rebuild_parameter":
                return _rebuild_parameter
            if module == "torch" and name in _TORCH_STORAGES:
                return _StorageType(name)
        raise Refused("the pickle asks for the global %s.%s, which a checkpoint of arrays "
                           "does not need: refused (a pickle can run code)" % (module, name))

    def persistent_load(self, pid):
        if self.storages is None:
            raise Refused("the pickle holds a persistent reference, which a Paddle checkpoint "
                               "does not: refused")
        return self.storages(pid)


def _load_restricted(data, storages=None, rebuild=_rebuild_tensor):
    try:
        return RestrictedUnpickler(io.BytesIO(data) if isinstance(data, bytes) else data,
                                   storages, rebuild).load()
    except ConvertError:
        raise
    except Exception as e:    # whatever a damaged stream makes the unpickler trip on
        raise ConvertError("the pickle is damaged or cut short (%s: %s)" % (type(e).__name__, e))


# ---------------------------------------------------------------------------
# The source formats

TORCH_LEGACY_MAGIC = 0x1950a86a20f9469cfc6c


def _read_torch_zip(path):
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            pkls = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
            if len(pkls) != 1:
                raise ConvertError("a zip archive, but not a PyTorch checkpoint (no <name>/data.pkl)")
            prefix = pkls[0][:-len("data.pkl")]
            byteorder = "<"
            if prefix + "byteorder" in names:
                byteorder = "<" if z.read(prefix + "byteorder").strip() == b"little" else ">"
            cache = {}

            def storages(pid):
                if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage" and
                        isinstance(pid[1], _StorageType)):
                    raise ConvertError("the pickle's persistent reference %r is not a storage" % (pid,))
                key = str(pid[2])
                if key not in cache:
                    entry = prefix + "data/" + key
                    if entry not in names:
                        raise ConvertError("storage %s is missing from the archive" % key)
                    if z.getinfo(entry).compress_type != zipfile.ZIP_STORED:
                        # torch.save stores; a compressed entry could expand without end
                        raise ConvertError("storage %s is compressed, which torch.save never does" % key)
                    cache[key] = _Storage(pid[1], z.read(entry), byteorder)
                st = cache[key]
                if len(st.data) < int(pid[4]) * pid[1].itemsize:
                    raise ConvertError("storage %s is shorter than its %d values" % (key, int(pid[4])))
                return st

            return _load_restricted(z.read(pkls[0]), storages)
    except zipfile.BadZipFile as e:
        raise ConvertError("the zip archive is damaged or cut short (%s)" % e)


def _read_torch_legacy(f):
    """torch.save's format before 1.6: magic, protocol, system info, the
    object pickled with storage references, the storage keys, then each
    storage as an int64 count and its bytes, in the keys' order."""
    protocol = _load_restricted(f)
    info = _load_restricted(f)
    if protocol != 1001 or not isinstance(info, dict):
        raise ConvertError("an old PyTorch file of an unknown protocol (%r)" % (protocol,))
    byteorder = "<" if info.get("little_endian", True) else ">"
    wanted = {}

    def storages(pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage" and
                isinstance(pid[1], _StorageType)):
            raise ConvertError("the pickle's persistent reference %r is not a storage" % (pid,))
        key = str(pid[2])
        st = wanted.setdefault(key, _Storage(pid[1], None, byteorder))
        view = pid[5] if len(pid) > 5 else None
        if view is not None:
            raise ConvertError("storage views (PyTorch before 0.4) are not supported")
        return st

    # the storages' bytes follow the pickle: tensors are rebuilt after them
    pending = []

    def rebuild(storage, offset, size, stride, *rest):
        p = _Pending(storage, offset, size, stride)
        pending.append(p)
        return p

    obj = _load_restricted(f, storages, rebuild)
    keys = _load_restricted(f)
    if not isinstance(keys, list):
        raise ConvertError("an old PyTorch file without its storage list")
    for key in keys:
        head = f.read(8)
        if len(head) != 8:
            raise ConvertError("the file is cut short before storage %s" % key)
        count = struct.unpack("<q" if byteorder == "<" else ">q", head)[0]
        st = wanted.get(str(key))
        if st is None or count < 0:
            raise ConvertError("storage %s is not referenced by the checkpoint" % key)
        size = count * st.stype.itemsize
        if size > os.fstat(f.fileno()).st_size - f.tell():
            raise ConvertError("the file is cut short in storage %s (%d bytes announced)" % (key, size))
        data = f.read(size)
        if len(data) != size:
            raise ConvertError("the file is cut short in storage %s (%d of %d bytes)" % (key, len(data), size))
        st.data = data
    for p in pending:
        if p.storage.data is None:
            raise ConvertError("a tensor's storage is missing from the file")
    return _resolve(obj)


class _Pending:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride


def _resolve(obj):
    if isinstance(obj, _Pending):
        return _rebuild_tensor(obj.storage, obj.offset, obj.size, obj.stride)
    if isinstance(obj, dict):
        return obj.__class__((k, _resolve(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return obj.__class__(_resolve(v) for v in obj)
    return obj


def read_checkpoint(path):
    """-> ("paddle" | "pytorch", {name: ndarray})"""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            if not head:
                raise ConvertError("the file is empty")
            if head[:2] == b"PK":
                kind, obj = "pytorch", None
            else:
                f.seek(0)
                try:
                    first = _load_restricted(f)
                except ConvertError as e:
                    if head[:1] == b"\x80" or isinstance(e, Refused):
                        raise
                    raise ConvertError("neither a pickle (a Paddle .pdparams) nor a PyTorch checkpoint; "
                                       "a Paddle .pdiparams inference file holds no tensor names: "
                                       "use the .pdparams checkpoint")
                if isinstance(first, int) and first == TORCH_LEGACY_MAGIC:
                    kind, obj = "pytorch", _read_torch_legacy(f)
                else:
                    kind, obj = "paddle", first
        if obj is None:
            obj = _read_torch_zip(path)
    except OSError as e:
        raise ConvertError(e.strerror or str(e))
    if kind == "pytorch" and isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise ConvertError("the checkpoint is a %s, not a dictionary of tensors" % type(obj).__name__)
    tensors = collections.OrderedDict()
    for name, value in obj.items():
        if not isinstance(name, str):
            raise ConvertError("a tensor name is a %s, not a string" % type(name).__name__)
        if kind == "paddle" and name in ("StructuredToParameterName@@",):
            continue    # Paddle's table of its internal parameter names
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], np.ndarray):
            value = value[1]    # newer paddle.save: (internal name, array)
        if not isinstance(value, np.ndarray):
            raise ConvertError("%s is a %s, not an array" % (name, type(value).__name__))
        tensors[name] = value
    return kind, tensors


# ---------------------------------------------------------------------------
# Mapping onto the canonical names

def _source_names(canonical, layer, kind):
    """The names a canonical tensor of a LAYER kind may have in a source of
    KIND, best first."""
    prefix, _, suffix = canonical.rpartition(".")
    if kind == "paddle":
        if suffix == "running_mean":
            return [prefix + "._mean"]
        if suffix == "running_var":
            return [prefix + "._variance"]
        if layer == PRELU:
            return [prefix + "._weight", canonical]
    return [canonical]


def _strip_torch_prefixes(tensors):
    out = collections.OrderedDict()
    for name, value in tensors.items():
        n = name
        for p in ("module.", "backbone.", "extractor."):
            if n.startswith(p):
                n = n[len(p):]
        if n.startswith(("input_layer.", "body.", "output_layer.")):
            n = "extractor." + n
        if n.endswith("num_batches_tracked"):
            continue
        if n in out:
            raise ConvertError("%s and another tensor both name %s" % (name, n))
        out[n] = value
    return out


def _as_f32(name, arr):
    if arr.dtype.kind != "f" or arr.dtype.itemsize not in (2, 4, 8):
        raise ConvertError("%s has the dtype %s, not a float this engine reads" % (name, arr.dtype))
    out = np.ascontiguousarray(arr, dtype="<f4")
    if not np.isfinite(out).all():
        raise ConvertError("%s holds values that are not finite" % name)
    return out


def map_tensors(kind, tensors):
    """-> (partial prefixes or None, [(canonical name, f32 array)], [notes]).
    Consumes TENSORS: each source array is dropped once converted, so the
    peak memory stays near the file's size."""
    notes = []
    if kind == "pytorch":
        given, tensors = tensors, _strip_torch_prefixes(tensors)
        given.clear()    # the arrays live on in the renamed dictionary alone
        # what the authors' PyTorch code takes from a checkpoint: the IR-50 stem
        layout = stem_layout(PAPER["stem_depths"], PAPER["stem_widths"])
        unused = ir50_unused_layout()
        partial = ["extractor"]
    else:
        layout, unused, partial = model_layout(PAPER), [], None

    used, problems, out = set(), [], []
    for name, shape, k in layout + unused:
        candidates = _source_names(name, k, kind)
        found = [c for c in candidates if c in tensors]
        is_unused = (name, shape, k) in unused
        if not found:
            if not is_unused:
                problems.append("tensor %s %s is missing%s" % (
                    name, list(shape),
                    "" if candidates == [name] else " (looked for %s)" % " or ".join(candidates)))
            continue
        src = found[0]
        used.update(found)
        arr = tensors[src]
        if len(found) > 1 and not np.array_equal(tensors[found[0]], tensors[found[1]]):
            problems.append("%s and %s differ; both name %s" % (found[0], found[1], name))
            continue
        if kind == "paddle" and k == LINEAR:
            want = tuple(reversed(shape))
        else:
            want = shape
        if k == PRELU and arr.shape == (1, shape[0], 1, 1):
            arr = arr.reshape(shape)    # PReLU's 'channel' mode in older Paddle
        if tuple(arr.shape) != tuple(want):
            problems.append("%s has the shape %s, the paper preset needs %s%s" % (
                src, list(arr.shape), list(want),
                " (Paddle's [in, out] Linear)" if want != shape else ""))
            continue
        if is_unused:
            continue
        try:
            arr = _as_f32(src, arr)
        except ConvertError as e:
            problems.append(str(e))
            continue
        out.append((name, arr.T.copy() if (kind == "paddle" and k == LINEAR) else arr))
        for c in found:
            tensors[c] = None    # the source's copy can go: at most one tensor is held twice
    extra = [n for n in tensors if n not in used]
    problems += ["unexpected tensor %s %s: %s" % (
        n, list(tensors[n].shape), "not part of face.evoLVe's IR-50 (a PyTorch checkpoint gives the stem only; "
        "the whole model converts from the authors' Paddle checkpoint)" if partial else
        "the paper preset has no such tensor") for n in extra]
    if problems:
        more = "" if len(problems) <= 12 else "\n  ... and %d more" % (len(problems) - 12)
        raise ConvertError("does not match %s:\n  " % ("face.evoLVe's IR-50" if partial else "the paper preset") +
                           "\n  ".join(problems[:12]) + more)
    if unused:
        notes.append("left out %d tensors of IR-50 that TransFER does not use "
                     "(the fourth stage, extractor.body.21-23, and the output layer)"
                     % sum(1 for n, _, k in unused if any(c in tensors for c in _source_names(n, k, kind))))
    return partial, out, notes


# ---------------------------------------------------------------------------
# Writing

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def metadata(kind, partial, src_path, digest):
    base = os.path.basename(src_path)
    meta = collections.OrderedDict()
    meta["format"] = "transfer"
    cfg = collections.OrderedDict(PAPER)
    if partial:
        del cfg["num_classes"]    # no head: the classes come with the training data
        meta["partial"] = json.dumps(partial)
    meta["config"] = json.dumps(cfg)
    meta["classes"] = json.dumps([] if partial else RAF_CLASSES)
    meta["input"] = json.dumps(INPUT)
    meta["converted_from"] = "the authors' release: " + base
    meta["source_sha256"] = digest
    meta["source_format"] = kind
    meta["converter"] = "tools/convert_official.py"
    if partial:
        meta["trained_with"] = "IR-50 face recognition (face.evoLVe, MS-Celeb-1M), as the authors' mmcls code starts"
        meta["dataset"] = "MS-Celeb-1M (face recognition): the stem only"
    else:
        meta["trained_with"] = "the authors' PaddlePaddle code (TransFER, ICCV 2021)"
        meta["dataset"] = "RAF-DB (basic, 7 classes)"
        meta["reported_accuracy"] = "90.91 % on RAF-DB test (the paper; not measured here)"
        meta["msad_note"] = ("the authors' HeadDropOut zeroes one token's q, k and v (it indexes the token "
                             "axis) where the paper drops a head; this engine drops heads as the paper says. "
                             "Inference is the same")
    return meta


def write_safetensors(path, tensors, meta):
    """Header then data, written to a temporary file beside PATH, flushed and
    renamed over it: a full disk or an error leaves PATH as it was."""
    header, offset = collections.OrderedDict(), 0
    header["__metadata__"] = meta
    for name, arr in tensors:
        header[name] = {"dtype": "F32", "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)    # a model file like any other, not mkstemp's 0600
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(raw)))
            f.write(raw)
            for _, arr in tensors:
                f.write(memoryview(arr).cast("B"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Convert the TransFER authors' released weights (Paddle .pdparams, or a PyTorch "
                    "IR-50 stem) into a TransFER Studio model file.")
    ap.add_argument("src", help="the authors' checkpoint")
    ap.add_argument("--out", help="the model file to write (safetensors)")
    ap.add_argument("--list", action="store_true", help="print the checkpoint's tensors and stop")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    if not args.list and not args.out:
        print("convert_official: --out FILE is needed (or --list)", file=sys.stderr)
        return 2
    src = args.src
    try:
        kind, tensors = read_checkpoint(src)
        if args.list:
            for name, arr in tensors.items():
                flat = arr.reshape(-1).astype(np.float64)
                values = ("values=" + json.dumps([float("%.6g" % v) for v in flat]) if flat.size <= 8
                          else "sum=%.6g" % flat.sum())
                print("%s\t%s\t%s\t%s" % (name, arr.dtype.name, list(arr.shape), values))
            print("%d tensors (%s)" % (len(tensors), kind), file=sys.stderr)
            return 0
        partial, out, notes = map_tensors(kind, tensors)
        del tensors
        meta = metadata(kind, partial, src, sha256_file(src))
    except ConvertError as e:
        print("convert_official: %s: %s; nothing written" % (src, e), file=sys.stderr)
        return 1
    try:
        write_safetensors(args.out, out, meta)
    except OSError as e:
        print("convert_official: cannot write %s: %s; nothing written" % (args.out, e.strerror or e),
              file=sys.stderr)
        return 1
    for n in notes:
        print("convert_official: %s" % n, file=sys.stderr)
    # learnable parameters, BatchNorm's running statistics excluded (as the engine counts)
    n_params = sum(a.size for n, a in out if not n.endswith(("running_mean", "running_var")))
    print("%s: %s, %d tensors, %.2f M parameters -> %s" % (
        os.path.basename(src), "a partial model (the IR-50 stem, extractor.*)" if partial else
        "the paper preset, classes " + ", ".join(RAF_CLASSES), len(out), n_params / 1e6, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
