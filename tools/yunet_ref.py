#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch reference for the YuNet face detector (model/tf-detect.c).

Runs the ONNX graph itself, node by node with torch ops (float64 by default), and
decodes it as OpenCV's FaceDetectorYN does for the 2023mar model
(modules/objdetect/src/face_detect.cpp):

- input: the image as BGR floats 0..255 (no normalisation), padded with zeros on the
  right and bottom to multiples of 32; images whose longer side exceeds --max-side
  are first resampled (PIL's BILINEAR, transfer_ref.resample_plane, what
  tf_image_resample_plane computes) so that it becomes --max-side;
- per stride s in 8, 16, 32 and anchor cell (row r, column c):
  score = sqrt(clamp(cls, 0, 1) clamp(obj, 0, 1)), kept when score >= threshold;
  cx = (c + bbox0) s, cy = (r + bbox1) s, w = exp(bbox2) s, h = exp(bbox3) s,
  box (cx - w/2, cy - h/2, w, h); landmark k = ((kps[2k] + c) s, (kps[2k+1] + r) s);
- the 5000 best (score descending, ties in cell order) go through greedy NMS: a box
  is dropped when its IoU with a kept one exceeds --nms (OpenCV's NMSBoxes; OpenCV
  truncates the boxes to integers for the IoU, we keep them in float, as the C code);
- boxes and landmarks are scaled back to the image's pixels.

    /usr/bin/python3 tools/yunet_ref.py detect [--onnx F] [--threshold T] [--nms T]
        [--max-side N] [--decoder pil|pixbuf] [--float32] IMAGE...
    /usr/bin/python3 tools/yunet_ref.py goldens [--out tests/goldens/yunet-golden.safetensors]

`detect` prints one JSON line per image, as `transfer-cli detect` does:
{"file", "width", "height", "faces": [{"x", "y", "w", "h", "score", "landmarks"}]}.
`goldens` writes the test goldens of tests/test-detect.c.
"""
import argparse
import collections
import json
import math
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transfer_ref as ref  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_ONNX = os.path.join(ROOT, "..", "shared", "models", "yunet", "yunet_n_dynamic.onnx")
STRIDES = (8, 16, 32)
DIVISOR = 32
TOP_K = 5000
OUTPUTS = ["cls_8", "cls_16", "cls_32", "obj_8", "obj_16", "obj_32",
           "bbox_8", "bbox_16", "bbox_32", "kps_8", "kps_16", "kps_32"]


# ----------------------------------------------------------------------------
# The ONNX graph, interpreted

class OnnxGraph:
    def __init__(self, path, dtype=torch.float64):
        self.model = onnx.load(path)
        self.dtype = dtype
        self.inits = {}
        for i in self.model.graph.initializer:
            a = numpy_helper.to_array(i)
            t = torch.from_numpy(a.copy())
            self.inits[i.name] = t.to(dtype) if t.is_floating_point() else t
        self.input_name = self.model.graph.input[0].name

    def run(self, x):
        """x: [N, 3, H, W] tensor -> {output name: tensor}."""
        env = dict(self.inits)
        env[self.input_name] = x.to(self.dtype)
        for node in self.model.graph.node:
            a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
            ins = [env[i] if i else None for i in node.input]
            env[node.output[0]] = self._op(node.op_type, a, ins)
        return {o.name: env[o.name] for o in self.model.graph.output}

    @staticmethod
    def _op(op, a, ins):
        if op == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            if pads[:2] != pads[2:]:
                raise ValueError("asymmetric padding")
            return F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                            stride=tuple(a.get("strides", [1, 1])), padding=tuple(pads[:2]),
                            dilation=tuple(a.get("dilations", [1, 1])), groups=a.get("group", 1))
        if op == "Relu":
            return torch.relu(ins[0])
        if op == "Sigmoid":
            return torch.sigmoid(ins[0])
        if op == "Add":
            return ins[0] + ins[1]
        if op == "MaxPool":
            if any(a.get("pads", [0])):
                raise ValueError("padded MaxPool")
            return F.max_pool2d(ins[0], tuple(a["kernel_shape"]), tuple(a["strides"]),
                                ceil_mode=bool(a.get("ceil_mode", 0)))
        if op == "Resize":
            if (a.get("mode") != b"nearest" or a.get("coordinate_transformation_mode") != b"asymmetric"
                    or a.get("nearest_mode") != b"floor"):
                raise ValueError("unsupported Resize %r" % a)
            x, scales = ins[0], ins[2].tolist()
            for axis in (2, 3):
                n_out = int(math.floor(x.shape[axis] * scales[axis]))
                idx = torch.floor(torch.arange(n_out, dtype=torch.float64) / scales[axis]).long()
                x = x.index_select(axis, idx.clamp(max=x.shape[axis] - 1))
            return x
        if op == "Transpose":
            return ins[0].permute(*a["perm"])
        if op == "Shape":
            return torch.tensor(list(ins[0].shape), dtype=torch.int64)
        if op == "Gather":
            return ins[0].index_select(a.get("axis", 0), ins[1].reshape(-1)).reshape(ins[1].shape)
        if op == "Unsqueeze":
            x = ins[0]
            for ax in sorted(a["axes"]):
                x = x.unsqueeze(ax)
            return x
        if op == "Concat":
            return torch.cat([t.reshape(-1) if t.dim() == 0 else t for t in ins], dim=a["axis"])
        if op == "Reshape":
            shape = [int(s) for s in ins[1].tolist()]
            shape = [ins[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
            return ins[0].reshape(shape)
        raise ValueError("unsupported op %s" % op)


def raw_rows(outputs):
    """The graph's outputs as the rows tf_detector_forward_raw returns: per stride,
    per cell in raster order, [cls, obj, bbox0..3, kps0..9] (batch 0)."""
    rows = []
    for s in STRIDES:
        rows.append(torch.cat([outputs["cls_%d" % s][0], outputs["obj_%d" % s][0],
                               outputs["bbox_%d" % s][0], outputs["kps_%d" % s][0]], dim=1))
    return torch.cat(rows, dim=0)


# ----------------------------------------------------------------------------
# Images and decoding

def load_rgb(path, decoder="pil"):
    """[H, W, 3] uint8 RGB with the EXIF orientation applied."""
    if decoder == "pixbuf":
        import gi
        gi.require_version("GdkPixbuf", "2.0")
        from gi.repository import GdkPixbuf
        pb = GdkPixbuf.Pixbuf.new_from_file(path)
        pb = pb.apply_embedded_orientation() or pb
        w, h, n, stride = pb.get_width(), pb.get_height(), pb.get_n_channels(), pb.get_rowstride()
        buf = np.frombuffer(pb.read_pixel_bytes().get_data(), dtype=np.uint8)
        rows = [buf[y * stride: y * stride + w * n].reshape(w, n) for y in range(h)]
        return np.ascontiguousarray(np.stack(rows)[..., :3])
    from PIL import Image, ImageOps
    with Image.open(path) as img:
        img = ImageOps.exif_transpose(img)
        return np.asarray(img.convert("RGB"), dtype=np.uint8)


def scaled_size(width, height, max_side):
    m = max(width, height)
    if max_side <= 0 or m <= max_side:
        return width, height
    # floor(x + 0.5), not Python's round-half-even: what the C code does
    sw = max(1, int(math.floor(width * max_side / m + 0.5)))
    sh = max(1, int(math.floor(height * max_side / m + 0.5)))
    return sw, sh


def network_input(rgb, max_side):
    """-> ([1, 3, Hp, Wp] float64 BGR 0..255, (sw, sh))."""
    h, w = rgb.shape[:2]
    sw, sh = scaled_size(w, h, max_side)
    planes = []
    for c in (2, 1, 0):   # BGR
        p = rgb[..., c].astype(np.float64)
        if (sw, sh) != (w, h):
            p = ref.resample_plane(p, sh, sw)
        planes.append(p)
    hp = (sh + DIVISOR - 1) // DIVISOR * DIVISOR
    wp = (sw + DIVISOR - 1) // DIVISOR * DIVISOR
    x = np.zeros((1, 3, hp, wp), dtype=np.float64)
    for c in range(3):
        x[0, c, :sh, :sw] = planes[c]
    return torch.from_numpy(x), (sw, sh)


def iou(a, b):
    """Boxes (x, y, w, h): intersection over union, 0 for empty ones."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = max(0.0, a[2]) * max(0.0, a[3]) + max(0.0, b[2]) * max(0.0, b[3]) - inter
    return inter / union if union > 0 else 0.0


def decode(rows, wp, hp, threshold):
    """rows: [cells, 16] numpy -> list of (score, box[4], landmarks[5][2]) in cell order."""
    faces = []
    base = 0
    for s in STRIDES:
        cols, nrows = wp // s, hp // s
        for r in range(nrows):
            for c in range(cols):
                v = rows[base + r * cols + c]
                score = math.sqrt(min(max(v[0], 0.0), 1.0) * min(max(v[1], 0.0), 1.0))
                if score < threshold:
                    continue
                cx, cy = (c + v[2]) * s, (r + v[3]) * s
                w, h = math.exp(v[4]) * s, math.exp(v[5]) * s
                lm = [((v[6 + 2 * k] + c) * s, (v[7 + 2 * k] + r) * s) for k in range(5)]
                faces.append((score, [cx - w / 2, cy - h / 2, w, h], lm))
        base += cols * nrows
    return faces


def nms(faces, threshold, top_k=TOP_K):
    order = sorted(range(len(faces)), key=lambda i: (-faces[i][0], i))[:top_k]
    kept = []
    for i in order:
        if all(iou(faces[i][1], faces[j][1]) <= threshold for j in kept):
            kept.append(i)
    return [faces[i] for i in kept]


def detect(graph, rgb, threshold=0.6, nms_threshold=0.3, max_side=1280):
    """-> list of dicts (x, y, w, h, score, landmarks) in the image's pixels."""
    h, w = rgb.shape[:2]
    x, (sw, sh) = network_input(rgb, max_side)
    with torch.no_grad():
        rows = raw_rows(graph.run(x)).double().numpy()
    faces = nms(decode(rows, x.shape[3], x.shape[2], threshold), nms_threshold)
    fx, fy = w / sw, h / sh
    out = []
    for score, box, lm in faces:
        out.append({"x": box[0] * fx, "y": box[1] * fy, "w": box[2] * fx, "h": box[3] * fy,
                    "score": score, "landmarks": [[p[0] * fx, p[1] * fy] for p in lm]})
    return out


# ----------------------------------------------------------------------------
# Commands

def _cmd_detect(args):
    graph = OnnxGraph(args.onnx, torch.float32 if args.float32 else torch.float64)
    failures = 0
    for path in args.images:
        try:
            rgb = load_rgb(path, args.decoder)
        except Exception as e:  # noqa: BLE001 - report and go on, as the CLI does
            print("%s: %s" % (path, e), file=sys.stderr)
            failures += 1
            continue
        faces = detect(graph, rgb, args.threshold, args.nms, args.max_side)
        print(json.dumps({"file": path, "width": rgb.shape[1], "height": rgb.shape[0],
                          "faces": faces}), flush=True)
    return 1 if failures else 0


def synthetic_input(h=64, w=96):
    """A deterministic BGR image of integers 0..255 with edges, gradients and a
    bright disc, for the raw-output golden."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    b = (x * 7 + y * 3) % 256
    g = np.clip(128 + 100 * np.sin(x / 5.0) * np.cos(y / 7.0), 0, 255)
    r = np.where(((x - 48) ** 2 + (y - 30) ** 2) < 18 ** 2, 230.0, 40.0 + 2 * y)
    return np.floor(np.stack([b, g, r])).astype(np.float64)


def faces_tensor(faces):
    rows = [[f["x"], f["y"], f["w"], f["h"], f["score"]] + [v for p in f["landmarks"] for v in p]
            for f in faces]
    return torch.tensor(rows, dtype=torch.float64).reshape(-1, 15)


def _cmd_goldens(args):
    graph = OnnxGraph(args.onnx)
    tensors = collections.OrderedDict()
    with torch.no_grad():
        synth = synthetic_input()
        tensors["synth_input"] = torch.from_numpy(synth)
        tensors["synth_raw"] = raw_rows(graph.run(torch.from_numpy(synth)[None]))
        rgb = load_rgb(os.path.join(ROOT, "data", "astronaut.png"))
        x, _ = network_input(rgb, 0)
        # the face region of the astronaut, as a second raw check with real scores
        crop = x[:, :, 32:160, 160:288]
        tensors["astro_crop_input"] = crop[0].clone()
        tensors["astro_crop_raw"] = raw_rows(graph.run(crop))
    for name, max_side in (("astro_faces", 1280), ("astro_faces_max200", 200)):
        faces = detect(graph, rgb, 0.6, 0.3, max_side)
        tensors[name] = faces_tensor(faces)
        print("%s: %s" % (name, json.dumps(faces)))
    dtypes = {"synth_input": "F16", "astro_crop_input": "F16"}   # integers 0..255: exact
    meta = collections.OrderedDict()
    meta["made_with"] = "tools/yunet_ref.py goldens (float64 ONNX interpreter)"
    meta["faces_layout"] = "x,y,w,h,score,then landmarks x0,y0..x4,y4; threshold 0.6, nms 0.3"
    meta["astro_crop"] = "astronaut.png BGR rows 32..159, columns 160..287"
    stored = collections.OrderedDict()
    for k, t in tensors.items():
        stored[k] = t.to(torch.float16 if dtypes.get(k) == "F16" else torch.float32)
    ref.write_safetensors(args.out, stored, meta)
    print("wrote %s (%d bytes)" % (args.out, os.path.getsize(args.out)))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("detect", help="print detections as JSON lines")
    d.add_argument("--onnx", default=DEFAULT_ONNX)
    d.add_argument("--threshold", type=float, default=0.6)
    d.add_argument("--nms", type=float, default=0.3)
    d.add_argument("--max-side", type=int, default=1280)
    d.add_argument("--decoder", choices=["pil", "pixbuf"], default="pil")
    d.add_argument("--float32", action="store_true")
    d.add_argument("images", nargs="+")
    g = sub.add_parser("goldens", help="write the goldens of tests/test-detect.c")
    g.add_argument("--onnx", default=DEFAULT_ONNX)
    g.add_argument("--out", default=os.path.join(ROOT, "tests", "goldens", "yunet-golden.safetensors"))
    args = ap.parse_args(argv)
    return _cmd_detect(args) if args.cmd == "detect" else _cmd_goldens(args)


if __name__ == "__main__":
    sys.exit(main())
