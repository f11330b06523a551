#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Converts the YuNet face detector (libfacedetection.train, Apache-2.0) from its
ONNX graph to a safetensors file that model/tf-detect.c loads.

    /usr/bin/python3 tools/convert_yunet.py yunet_n_dynamic.onnx OUT.safetensors [--check-pth yunet_n.pth]

The ONNX graph (opset 11, exported by PyTorch 1.7) has BatchNorm folded into the
depthwise convolutions; the folded initializers lost their names (they are numbered),
the others kept PyTorch's. Every Conv is named here after its module in
libfacedetection.train: a pointwise 1x1 conv that kept its name `X.conv1` is followed
by the depthwise 3x3 `X.conv2` it feeds; the 3x3 stride-2 stem, the one conv on the
graph input, is `backbone.model0.conv1`. Tensors are stored F32 as `NAME.weight`
(PyTorch layout [out][in / groups][k][k]) and `NAME.bias`, in graph order.

--check-pth compares the names and values with the training checkpoint (BatchNorm
folded there in float64): a check of the naming, not needed to convert.
"""
import argparse
import collections
import hashlib
import json
import os
import re
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transfer_ref as ref  # noqa: E402

STEM = "backbone.model0.conv1"


def conv_attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def name_convs(graph):
    """[(name, weight array, bias array, attrs)] for every Conv in graph order."""
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    graph_inputs = {i.name for i in graph.input} - set(inits)
    producer = {}
    out = []
    for node in graph.node:
        if node.op_type != "Conv":
            for o in node.output:
                producer[o] = (node.op_type, None)
            continue
        x, w_name, b_name = node.input
        w, b = inits[w_name], inits[b_name]
        attrs = conv_attrs(node)
        if re.fullmatch(r"[A-Za-z_].*\.weight", w_name):
            name = w_name[: -len(".weight")]
            if b_name != name + ".bias":
                raise ValueError("%s: bias is named %s" % (w_name, b_name))
        elif x in graph_inputs:
            name = STEM
        else:
            kind, src = producer.get(x, (None, None))
            if kind != "Conv" or not src.endswith(".conv1"):
                raise ValueError("cannot name the Conv producing %s (input from %s)" % (node.output[0], kind))
            if attrs.get("group", 1) != w.shape[0] or w.shape[1] != 1:
                raise ValueError("%s: expected a depthwise conv after %s" % (node.output[0], src))
            name = src[: -len("conv1")] + "conv2"
        for o in node.output:
            producer[o] = ("Conv", name)
        out.append((name, w.astype(np.float32), b.astype(np.float32), attrs))
    names = [c[0] for c in out]
    if len(set(names)) != len(names):
        raise ValueError("duplicate conv names")
    return out


def check_pth(convs, pth):
    sd = torch.load(pth, map_location="cpu")
    sd = sd.get("state_dict", sd)
    worst = 0.0
    for name, w, b, _ in convs:
        wt = sd[name + ".weight"].double()
        bt = sd[name + ".bias"].double()
        # the BatchNorm that follows: X.conv2 -> X.bn; the stem conv1 -> model0.bn1
        bn = name[: -len("conv2")] + "bn" if name.endswith(".conv2") else None
        if name == STEM:
            bn = "backbone.model0.bn1"
        if bn is not None and bn + ".weight" in sd:
            g, beta = sd[bn + ".weight"].double(), sd[bn + ".bias"].double()
            mean, var = sd[bn + ".running_mean"].double(), sd[bn + ".running_var"].double()
            s = g / torch.sqrt(var + 1e-5)
            wt = wt * s.view(-1, 1, 1, 1)
            bt = (bt - mean) * s + beta
        err = max(float((torch.from_numpy(w).double() - wt).abs().max()),
                  float((torch.from_numpy(b).double() - bt).abs().max()))
        worst = max(worst, err)
        if err > 1e-4:
            raise ValueError("%s differs from the checkpoint by %g" % (name, err))
    print("checkpoint %s agrees: max abs difference %.3g over %d convs" % (pth, worst, len(convs)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("onnx")
    ap.add_argument("out")
    ap.add_argument("--check-pth", metavar="PTH")
    args = ap.parse_args()

    with open(args.onnx, "rb") as f:
        raw = f.read()
    model = onnx.load_from_string(raw)
    convs = name_convs(model.graph)
    if args.check_pth:
        check_pth(convs, args.check_pth)

    tensors = collections.OrderedDict()
    for name, w, b, _ in convs:
        tensors[name + ".weight"] = torch.from_numpy(w)
        tensors[name + ".bias"] = torch.from_numpy(b)
    meta = collections.OrderedDict()
    meta["format"] = "yunet"
    meta["source"] = "%s sha256:%s" % (os.path.basename(args.onnx), hashlib.sha256(raw).hexdigest())
    meta["license"] = "Apache-2.0"
    meta["copyright"] = "Copyright 2022 Shiqi Yu, OpenMMLab (libfacedetection.train)"
    meta["input"] = json.dumps({"channels": "bgr", "range": [0, 255], "divisor": 32,
                                "strides": [8, 16, 32]})
    meta["converted_with"] = "tools/convert_yunet.py"
    ref.write_safetensors(args.out, tensors, meta, dtype="F32")
    n = sum(t.numel() for t in tensors.values())
    print("%d convs, %d tensors, %d parameters -> %s" % (len(convs), len(tensors), n, args.out))


if __name__ == "__main__":
    main()
