#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch reference for TransFER (ICCV 2021), as HACKING.md ("The model") specifies it.

This is the numerical reference the C engine (model/) is tested against. It is
written for Debian 12's python3-torch (1.13), python3-numpy and python3-pil and
needs nothing else (safetensors I/O is implemented here by hand).

Module use:
    from transfer_ref import TransFER, PRESETS, load_model, save_model, to_input
    model, classes, spec, meta = load_model("model.safetensors")
    out = model(to_input(img, spec)[None], probes=True)   # dict of probes

Training semantics (what the C trainer implements):
    model.train()              # MAD/MSAD masks drawn when not forced
    model.set_train_bn(True)   # BatchNorm: batch statistics, running stats updated
    loss = soft_cross_entropy(model(x), y, eps=0.1)   # y [N, K] probability rows

CLI:
    /usr/bin/python3 tools/transfer_ref.py init --config paper --classes a,b,c --out m.safetensors
    /usr/bin/python3 tools/transfer_ref.py predict --model m.safetensors face1.png face2.jpg
"""

import argparse
import collections
import copy
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------
# Configuration

CONFIG_KEYS = ("input_size", "stem_depths", "stem_widths", "lanets", "lanet_reduction",
               "embed_dim", "depth", "heads", "mlp_ratio", "num_classes", "mad_p",
               "msad_p", "ln_eps", "bn_eps")

_COMMON = dict(lanets=2, lanet_reduction=16, mlp_ratio=3.0, mad_p=0.6, msad_p=0.3,
               ln_eps=1e-6, bn_eps=1e-5)

PRESETS = {
    "paper": dict(input_size=112, stem_depths=[3, 4, 14], stem_widths=[64, 128, 256],
                  embed_dim=768, depth=8, heads=8, **_COMMON),
    "small": dict(input_size=112, stem_depths=[2, 2, 4], stem_widths=[32, 64, 128],
                  embed_dim=256, depth=4, heads=4, **_COMMON),
    # The configuration of the committed goldens (tests/goldens/tiny-*.safetensors).
    "tiny": dict(input_size=40, stem_depths=[1, 2, 2], stem_widths=[8, 16, 24],
                 lanets=2, lanet_reduction=8, embed_dim=48, depth=2, heads=4,
                 mlp_ratio=3.0, mad_p=0.6, msad_p=0.3, ln_eps=1e-6, bn_eps=1e-5),
}

DEFAULT_MEAN = [123.675, 116.28, 103.53]
DEFAULT_STD = [58.395, 57.12, 57.375]


def make_config(preset, num_classes):
    """Preset name -> full config dict (keys in CONFIG_KEYS order)."""
    base = dict(PRESETS[preset])
    base["num_classes"] = int(num_classes)
    return {k: base[k] for k in CONFIG_KEYS}


def check_config(cfg):
    missing = [k for k in CONFIG_KEYS if k not in cfg]
    if missing:
        raise ValueError("config lacks %s" % ", ".join(missing))
    if cfg["input_size"] % 8 != 0:
        raise ValueError("input_size must be divisible by 8")
    if len(cfg["stem_depths"]) != 3 or len(cfg["stem_widths"]) != 3:
        raise ValueError("stem_depths and stem_widths need 3 entries")
    if cfg["embed_dim"] % cfg["heads"] != 0:
        raise ValueError("embed_dim must be divisible by heads")
    if cfg["stem_widths"][2] // cfg["lanet_reduction"] < 1:
        raise ValueError("LANet hidden width would be 0")


def mlp_hidden(cfg):
    # Round half up, like the C side's (int)(D * ratio + 0.5).
    return int(math.floor(cfg["embed_dim"] * float(cfg["mlp_ratio"]) + 0.5))


# ----------------------------------------------------------------------------
# The model

def batch_norm_train(x, bn):
    """BatchNorm2d in training mode, written out (nn.BatchNorm2d's semantics):
    normalise with the batch mean and the BIASED batch variance over (N, H, W),
    then, without gradient, running = (1 - momentum) * running + momentum * stat
    with the UNBIASED variance (var * m / (m - 1), m = N*H*W) for running_var."""
    dims = (0, 2, 3)
    m = x.shape[0] * x.shape[2] * x.shape[3]
    if m < 2:
        raise ValueError("BatchNorm in training mode needs more than one value per channel")
    mean = x.mean(dims)
    xc = x - mean[None, :, None, None]
    var = (xc * xc).mean(dims)                                   # biased
    y = xc * torch.rsqrt(var + bn.eps)[None, :, None, None]
    y = y * bn.weight[None, :, None, None] + bn.bias[None, :, None, None]
    with torch.no_grad():
        mom = bn.momentum
        bn.running_mean.mul_(1.0 - mom).add_(mean.detach(), alpha=mom)
        bn.running_var.mul_(1.0 - mom).add_(var.detach() * (m / (m - 1.0)), alpha=mom)
        bn.num_batches_tracked.add_(1)
    return y


class BN2d(nn.BatchNorm2d):
    """BatchNorm2d whose statistics do not follow the module's training flag:
    by default it always uses its running statistics (eval behaviour), also when
    the model is in training mode (MAD/MSAD on). With `batch_stats = True` (see
    TransFER.set_train_bn) it normalises with the batch statistics and updates
    the running ones, momentum 0.1 (batch_norm_train)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch_stats = False

    def forward(self, x):
        if self.batch_stats:
            return batch_norm_train(x, self)
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight,
                            self.bias, False, 0.0, self.eps)


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=False)


class BottleneckIR(nn.Module):
    """face.evoLVe's bottleneck_IR: BN -> conv3x3 -> PReLU -> conv3x3(stride) -> BN,
    plus a shortcut (1x1 strided conv + BN when the width changes, else plain
    subsampling); the sum is not activated."""

    def __init__(self, cin, depth, stride, bn_eps):
        super().__init__()
        # res_layer first so that the canonical tensor order is res, then shortcut.
        self.res_layer = nn.Sequential(
            BN2d(cin, eps=bn_eps), conv3x3(cin, depth), nn.PReLU(depth),
            conv3x3(depth, depth, stride), BN2d(depth, eps=bn_eps))
        if cin == depth:
            self.shortcut_layer = nn.MaxPool2d(1, stride)
        else:
            self.shortcut_layer = nn.Sequential(
                nn.Conv2d(cin, depth, 1, stride, bias=False), BN2d(depth, eps=bn_eps))

    def forward(self, x):
        return self.res_layer(x) + self.shortcut_layer(x)


class Extractor(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        eps = cfg["bn_eps"]
        w0 = cfg["stem_widths"][0]
        self.input_layer = nn.Sequential(conv3x3(3, w0), BN2d(w0, eps=eps), nn.PReLU(w0))
        units = []
        cin = w0
        for depth, width in zip(cfg["stem_depths"], cfg["stem_widths"]):
            for u in range(depth):
                units.append(BottleneckIR(cin, width, 2 if u == 0 else 1, eps))
                cin = width
        self.body = nn.Sequential(*units)

    def forward(self, x):
        return self.body(self.input_layer(x))


class LANet(nn.Module):
    def __init__(self, channels, reduction, bn_eps):
        super().__init__()
        hidden = channels // reduction
        self.LA_conv1 = nn.Conv2d(channels, hidden, 1, bias=True)
        self.bn1 = BN2d(hidden, eps=bn_eps)
        self.LA_conv2 = nn.Conv2d(hidden, 1, 1, bias=True)
        self.bn2 = BN2d(1, eps=bn_eps)

    def forward(self, x):
        y = F.relu(self.bn1(self.LA_conv1(x)))
        return torch.sigmoid(self.bn2(self.LA_conv2(y)))


class LocalAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.las = nn.ModuleList(
            LANet(cfg["stem_widths"][2], cfg["lanet_reduction"], cfg["bn_eps"])
            for _ in range(cfg["lanets"]))

    def forward(self, x):
        return torch.cat([la(x) for la in self.las], dim=1)  # [N, B, g, g]


class Convert(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.proj = nn.Conv2d(cfg["stem_widths"][2], cfg["embed_dim"], 1, bias=True)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.proj = nn.Linear(dim, dim, bias=True)

    def forward(self, x, drop=None):
        """drop: None or LongTensor [N], head index to zero per sample (-1: none).
        Returns (output [N,T,D], attention [N,H,T,T], head outputs [N,H,T,hd])."""
        n, t, d = x.shape
        h, hd = self.heads, self.head_dim
        # Output columns of qkv: [q | k | v], each D wide; head h is h*hd:(h+1)*hd.
        qkv = self.qkv(x).reshape(n, t, 3, h, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]                       # [N, H, T, hd]
        attn = torch.softmax((q @ k.transpose(-2, -1)) * self.scale, dim=-1)
        o = attn @ v                                            # [N, H, T, hd]
        if drop is not None:
            keep = torch.ones(n, h, dtype=o.dtype, device=o.device)
            rows = (drop >= 0).nonzero(as_tuple=True)[0]
            keep[rows, drop[rows]] = 0
            o = o * keep[:, :, None, None]
        y = self.proj(o.transpose(1, 2).reshape(n, t, d))
        return y, attn, o


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))   # exact erf GELU


class Block(nn.Module):
    def __init__(self, dim, heads, hidden, eps):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, hidden)

    def forward(self, x, drop=None):
        a, attn, o = self.attn(self.norm1(x), drop)
        x = x + a
        x = x + self.mlp(self.norm2(x))
        return x, attn, o


class ViT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["embed_dim"]
        g = cfg["input_size"] // 8
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, g * g + 1, d))
        self.blocks = nn.ModuleList(
            Block(d, cfg["heads"], mlp_hidden(cfg), cfg["ln_eps"]) for _ in range(cfg["depth"]))
        self.norm = nn.LayerNorm(d, eps=cfg["ln_eps"])


class Head(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.fc = nn.Linear(cfg["embed_dim"], cfg["num_classes"])


PROBES = ("logits", "probs", "lanet_maps", "lanet_max", "cls_attn", "head_contrib",
          "rollout", "ablation")


class TransFER(nn.Module):
    """TransFER with canonical parameter names (HACKING.md, "The model").

    forward(x, mad=None, msad=None, probes=None)
      x     [N, 3, S, S] normalised input
      mad   None or LongTensor [N]: LANet map to zero per sample, -1 for none
      msad  None or LongTensor [N, L]: head to zero per sample and block, -1 none
      probes None -> returns logits [N, K]; True -> dict with every probe;
             an iterable of names (see PROBES) -> dict with those (plus logits, probs).
      train_bn None -> BatchNorm as set by set_train_bn() (default: running
             statistics); True/False -> batch statistics (and running-statistic
             update) or running statistics for this call only.
    Forced masks are applied whatever the training flag. In training mode, a mask
    that is not forced is drawn from self.generator (MAD: per sample with prob.
    mad_p, map uniform; MSAD: per sample and block with prob. msad_p, head
    uniform). BatchNorm's mode is independent of the training flag: train() /
    eval() switch MAD/MSAD only, set_train_bn() switches BatchNorm.
    """

    def __init__(self, cfg, seed=0):
        super().__init__()
        check_config(cfg)
        self.config = {k: copy.deepcopy(cfg[k]) for k in CONFIG_KEYS}
        self.extractor = Extractor(cfg)
        self.attention = LocalAttention(cfg)
        self.convert = Convert(cfg)
        self.vit = ViT(cfg)
        self.head = Head(cfg)
        self.generator = torch.Generator().manual_seed(seed)

    def __deepcopy__(self, memo):
        """copy.deepcopy support (torch.Generator does not pickle): the copy gets
        its own generator in the same state."""
        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            if k == "generator":
                g = torch.Generator()
                g.set_state(v.get_state())
                new.__dict__[k] = g
            else:
                new.__dict__[k] = copy.deepcopy(v, memo)
        return new

    # -- BatchNorm mode -----------------------------------------------------
    def set_train_bn(self, flag=True):
        """BatchNorm with batch statistics (and running-statistic updates) when
        flag, else with the running statistics. Returns self."""
        for m in self.modules():
            if isinstance(m, BN2d):
                m.batch_stats = bool(flag)
        return self

    def train_bn(self):
        """Whether BatchNorm currently uses batch statistics."""
        flags = {m.batch_stats for m in self.modules() if isinstance(m, BN2d)}
        if len(flags) != 1:
            raise RuntimeError("BatchNorm layers disagree on their mode")
        return flags.pop()

    # -- masks ------------------------------------------------------------
    def draw_masks(self, n):
        """Draws (mad [N], msad [N, L]) from self.generator, in this order:
        rand(N), randint(B, N), rand(N, L), randint(H, (N, L))."""
        cfg = self.config
        g = self.generator
        r = torch.rand(n, generator=g, dtype=torch.float64)
        idx = torch.randint(cfg["lanets"], (n,), generator=g)
        mad = torch.where(r < cfg["mad_p"], idx, torch.full_like(idx, -1))
        r = torch.rand(n, cfg["depth"], generator=g, dtype=torch.float64)
        idx = torch.randint(cfg["heads"], (n, cfg["depth"]), generator=g)
        msad = torch.where(r < cfg["msad_p"], idx, torch.full_like(idx, -1))
        return mad, msad

    # -- pieces -------------------------------------------------------------
    def local_features(self, x, mad=None):
        """Stem + LANets + MAD + max aggregation.
        Returns (weighted features [N,C,g,g], maps [N,B,g,g], max after MAD [N,1,g,g])."""
        feat = self.extractor(x)
        maps = self.attention(feat)
        kept = maps
        if mad is not None:
            keep = torch.ones(maps.shape[:2], dtype=maps.dtype, device=maps.device)
            rows = (mad >= 0).nonzero(as_tuple=True)[0]
            keep[rows, mad[rows]] = 0
            kept = maps * keep[:, :, None, None]
        mx = kept.max(dim=1, keepdim=True).values
        return feat * mx, maps, mx

    def tokens(self, feat):
        """Projection and tokenisation: token 0 = class token, token 1 + y*g + x
        = grid cell (y, x); position embedding added."""
        t = self.convert.proj(feat).flatten(2).transpose(1, 2)   # [N, g*g, D]
        cls = self.vit.cls_token.expand(t.shape[0], -1, -1)
        return torch.cat([cls, t], dim=1) + self.vit.pos_embed

    def classify(self, t):
        return self.head.fc(self.vit.norm(t)[:, 0])

    # -- forward ------------------------------------------------------------
    def forward(self, x, mad=None, msad=None, probes=None, train_bn=None):
        if train_bn is None or bool(train_bn) == self.train_bn():
            return self._forward(x, mad, msad, probes)
        saved = self.train_bn()
        self.set_train_bn(train_bn)
        try:
            return self._forward(x, mad, msad, probes)
        finally:
            self.set_train_bn(saved)

    def _forward(self, x, mad, msad, probes):
        n = x.shape[0]
        cfg = self.config
        if self.training and (mad is None or msad is None):
            dmad, dmsad = self.draw_masks(n)
            mad = dmad if mad is None else mad
            msad = dmsad if msad is None else msad

        feat, maps, mx = self.local_features(x, mad)
        t = self.tokens(feat)
        attns, outs = [], []
        for l, blk in enumerate(self.vit.blocks):
            t, attn, o = blk(t, None if msad is None else msad[:, l])
            attns.append(attn)
            outs.append(o)
        logits = self.classify(t)
        if probes is None:
            return logits

        want = set(PROBES) if probes is True else set(probes)
        unknown = want - set(PROBES)
        if unknown:
            raise ValueError("unknown probes: %s" % ", ".join(sorted(unknown)))
        res = {"logits": logits, "probs": torch.softmax(logits, dim=-1)}
        gg = maps.shape[-1] * maps.shape[-2]
        if "lanet_maps" in want:
            res["lanet_maps"] = maps.reshape(n, -1, gg)
        if "lanet_max" in want:
            res["lanet_max"] = mx.reshape(n, gg)
        if "cls_attn" in want:
            res["cls_attn"] = torch.stack([a[:, :, 0, :] for a in attns], dim=1)
        if "head_contrib" in want:
            res["head_contrib"] = self._head_contrib(outs)
        if "rollout" in want:
            res["rollout"] = self._rollout(attns)
        if "ablation" in want:
            res["ablation"] = self.ablation(x)
        return res

    def _head_contrib(self, outs):
        """[N, L, H]: || W_proj[:, h-block] @ o_h(class token) ||, normalised per block."""
        contrib = []
        for blk, o in zip(self.vit.blocks, outs):
            h, hd = blk.attn.heads, blk.attn.head_dim
            w = blk.attn.proj.weight.reshape(-1, h, hd)          # [D, H, hd]
            oc = o[:, :, 0, :]                                    # [N, H, hd]
            terms = torch.einsum("dhj,nhj->nhd", w, oc)           # [N, H, D]
            c = terms.norm(dim=-1)
            contrib.append(c / c.sum(dim=-1, keepdim=True))
        return torch.stack(contrib, dim=1)

    @staticmethod
    def _rollout(attns):
        """Attention rollout: R = Ahat_L ... Ahat_1, Ahat = (mean_h A + I) / 2;
        R[0, 1:] normalised to sum 1. Returns [N, g*g]."""
        r = None
        for a in attns:
            am = a.mean(dim=1)                                    # [N, T, T]
            eye = torch.eye(am.shape[-1], dtype=am.dtype, device=am.device)
            ah = 0.5 * am + 0.5 * eye
            r = ah if r is None else ah @ r
        row = r[:, 0, 1:]
        return row / row.sum(dim=-1, keepdim=True)

    def ablation(self, x):
        """[N, L, H, K]: eval-mode class probabilities with only head h of block l
        zeroed before its output projection (no MAD, no other drop). BatchNorm
        uses the running statistics here whatever set_train_bn() says."""
        if self.train_bn():
            self.set_train_bn(False)
            try:
                return self.ablation(x)
            finally:
                self.set_train_bn(True)
        n = x.shape[0]
        cfg = self.config
        feat, _, _ = self.local_features(x, None)
        t = self.tokens(feat)
        inputs = []
        for blk in self.vit.blocks:
            inputs.append(t)
            t, _, _ = blk(t)
        out = torch.empty(n, cfg["depth"], cfg["heads"], cfg["num_classes"],
                          dtype=x.dtype, device=x.device)
        for l in range(cfg["depth"]):
            for h in range(cfg["heads"]):
                drop = torch.full((n,), h, dtype=torch.long, device=x.device)
                u, _, _ = self.vit.blocks[l](inputs[l], drop)
                for blk in self.vit.blocks[l + 1:]:
                    u, _, _ = blk(u)
                out[:, l, h] = torch.softmax(self.classify(u), dim=-1)
        return out

    # -- parameters -----------------------------------------------------------
    def canonical_state(self):
        """Ordered {name: tensor}: parameters and BN running statistics in module
        order, num_batches_tracked omitted."""
        return collections.OrderedDict(
            (k, v) for k, v in self.state_dict().items() if not k.endswith("num_batches_tracked"))

    def n_params(self):
        return sum(p.numel() for p in self.parameters())


# ----------------------------------------------------------------------------
# Training loss

def smooth_targets(target, eps):
    """q = (1 - eps) * y + eps / K for probability rows y [N, K]."""
    k = target.shape[-1]
    return (1.0 - eps) * target + eps / k


def one_hot(labels, num_classes, dtype=torch.float32):
    """LongTensor [N] -> [N, K] one-hot probability rows."""
    return F.one_hot(labels, num_classes).to(dtype)


def soft_cross_entropy(logits, target, eps=0.0):
    """Label-smoothed soft-target cross-entropy, the training loss:
    q = (1 - eps) * y + eps / K with y [N, K] a probability vector per sample
    (one-hot for a hard label, normalised vote counts for soft labels);
    loss = mean over the batch of -sum_k q_k log softmax(logits)_k.
    Its gradient w.r.t. the logits is (softmax(logits) - q) / N (rows of y sum to 1)."""
    q = smooth_targets(target.to(logits.dtype), eps)
    return -(q * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean()


def init_random(cfg, seed=0):
    """A seeded random model: convs as PyTorch's defaults (kaiming-uniform a=sqrt(5),
    and their default uniform biases), Linear weights and cls/pos tokens truncated
    normal std 0.02 (cut at +-2, as timm), Linear biases 0, LN (1, 0), BN identity
    (weight 1, bias 0, mean 0, var 1), PReLU 0.25."""
    torch.manual_seed(seed)
    model = TransFER(cfg, seed=seed)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    nn.init.trunc_normal_(model.vit.cls_token, std=0.02)
    nn.init.trunc_normal_(model.vit.pos_embed, std=0.02)
    return model.eval()


# ----------------------------------------------------------------------------
# safetensors, by hand

_NP_DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4",
              "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}
_TORCH_TO_ST = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
                torch.float64: "F64", torch.int64: "I64", torch.int32: "I32"}
_ST_TO_TORCH = {v: k for k, v in _TORCH_TO_ST.items()}


def _tensor_bytes(t, dtype):
    t = t.detach().cpu().contiguous()
    if dtype == "BF16":
        # Round-to-nearest-even from the tensor's value (via F32 for F64 input).
        if t.dtype == torch.float64:
            t = t.float()
        raw = t.to(torch.bfloat16).view(torch.int16).numpy()
        return raw.astype("<i2").tobytes()
    if dtype == "F16" and t.dtype == torch.float64:
        t = t.float()  # round like a stored F32 weight would be
    if dtype not in _NP_DTYPES:
        raise ValueError("cannot write dtype %s" % dtype)
    return t.numpy().astype(_NP_DTYPES[dtype]).tobytes()


def write_safetensors(path, tensors, metadata=None, dtype=None):
    """tensors: ordered {name: torch.Tensor}; metadata: {str: str}; dtype: None
    (keep each tensor's dtype) or "F32"/"F16"/"BF16"/... for every tensor.
    The header is space-padded to a multiple of 8 bytes; data are contiguous
    in the given order."""
    header = collections.OrderedDict()
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("metadata must map str to str (%r)" % (k,))
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name, t in tensors.items():
        st = dtype or _TORCH_TO_ST[t.dtype]
        b = _tensor_bytes(t, st)
        header[name] = {"dtype": st, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((-len(hjson)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Returns (ordered {name: torch.Tensor} in file order, metadata dict).
    Reads F32/F16/BF16/F64/I64 (and I32/I16/I8/U8/BOOL)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("%s: too short" % path)
    (hlen,) = struct.unpack("<Q", data[:8])
    if 8 + hlen > len(data):
        raise ValueError("%s: header length %d past the end" % (path, hlen))
    header = json.loads(data[8:8 + hlen].decode("utf-8"),
                        object_pairs_hook=collections.OrderedDict)
    meta = header.pop("__metadata__", {}) or {}
    body = memoryview(data)[8 + hlen:]
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    out = collections.OrderedDict()
    for name, info in entries:
        dt = info["dtype"]
        shape = [int(s) for s in info["shape"]]
        b, e = info["data_offsets"]
        if not (0 <= b <= e <= len(body)):
            raise ValueError("%s: %s: offsets out of range" % (path, name))
        numel = int(np.prod(shape)) if shape else 1
        raw = bytes(body[b:e])
        if dt == "BF16":
            if len(raw) != 2 * numel:
                raise ValueError("%s: %s: size mismatch" % (path, name))
            bits = np.frombuffer(raw, dtype="<i2").astype(np.int16)
            t = torch.from_numpy(bits.copy()).view(torch.bfloat16)
        elif dt in _NP_DTYPES:
            npdt = np.dtype(_NP_DTYPES[dt])
            if len(raw) != npdt.itemsize * numel:
                raise ValueError("%s: %s: size mismatch" % (path, name))
            arr = np.frombuffer(raw, dtype=npdt).astype(npdt.newbyteorder("="))
            t = torch.from_numpy(arr.copy())
        else:
            raise ValueError("%s: %s: unsupported dtype %s" % (path, name, dt))
        out[name] = t.reshape(shape)
    return out, meta


# ----------------------------------------------------------------------------
# Model files

def default_input_spec(size, color="rgb"):
    return {"size": int(size), "color": color, "mean": list(DEFAULT_MEAN),
            "std": list(DEFAULT_STD)}


def save_model(path, model, classes, input_spec=None, dtype="F32",
               trained_with="tools/transfer_ref.py (random init)", extra_metadata=None):
    cfg = model.config
    if len(classes) != cfg["num_classes"]:
        raise ValueError("%d class names for %d classes" % (len(classes), cfg["num_classes"]))
    spec = input_spec or default_input_spec(cfg["input_size"])
    meta = collections.OrderedDict()
    meta["format"] = "transfer"
    meta["config"] = json.dumps({k: cfg[k] for k in CONFIG_KEYS})
    meta["classes"] = json.dumps(list(classes))
    meta["input"] = json.dumps(spec)
    meta["trained_with"] = trained_with
    if extra_metadata:
        meta.update(extra_metadata)
    write_safetensors(path, model.canonical_state(), meta, dtype=dtype)


def load_model(path, dtype=torch.float32):
    """Returns (model in eval mode, classes, input spec, metadata). Strict: every
    expected tensor present with the right shape, nothing unexpected (except
    num_batches_tracked)."""
    tensors, meta = read_safetensors(path)
    if meta.get("format") != "transfer":
        raise ValueError("%s: metadata format is %r, not 'transfer'" % (path, meta.get("format")))
    cfg = json.loads(meta["config"])
    classes = json.loads(meta["classes"])
    spec = json.loads(meta["input"]) if "input" in meta else default_input_spec(cfg["input_size"])
    model = TransFER(cfg)
    expected = model.canonical_state()
    missing = [k for k in expected if k not in tensors]
    unexpected = [k for k in tensors if k not in expected and not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError("%s: missing %s; unexpected %s" % (path, missing, unexpected))
    sd = {}
    for k, ref in expected.items():
        t = tensors[k]
        if tuple(t.shape) != tuple(ref.shape):
            raise ValueError("%s: %s has shape %s, expected %s"
                             % (path, k, tuple(t.shape), tuple(ref.shape)))
        sd[k] = t.to(torch.float32)
    model.load_state_dict(sd, strict=False)
    return model.to(dtype).eval(), classes, spec, meta


# ----------------------------------------------------------------------------
# Preprocessing

def bilinear_matrix(n_in, n_out):
    """[n_out, n_in] float64 weights of PIL's BILINEAR resampling along one axis
    (triangle filter widened by the scale when shrinking, normalised per output)."""
    scale = n_in / n_out
    fs = max(scale, 1.0)
    support = 1.0 * fs
    w = np.zeros((n_out, n_in), dtype=np.float64)
    for i in range(n_out):
        center = (i + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), n_in)
        for j in range(xmin, xmax):
            w[i, j] = max(0.0, 1.0 - abs((j - center + 0.5) / fs))
        s = w[i].sum()
        if s != 0.0:
            w[i] /= s
    return w


def resample_plane(plane, out_h, out_w):
    """plane [H, W] float64 -> [out_h, out_w]: horizontal pass, then vertical."""
    plane = np.asarray(plane, dtype=np.float64)
    tmp = plane @ bilinear_matrix(plane.shape[1], out_w).T    # [H, out_w]
    return bilinear_matrix(plane.shape[0], out_h) @ tmp       # [out_h, out_w]


def array_to_input(rgb, spec, dtype=np.float32):
    """rgb: [H, W, 3] array of 0..255 values (not rounded) -> [3, S, S] normalised."""
    rgb = np.asarray(rgb, dtype=np.float64)
    size = int(spec["size"])
    mean = spec.get("mean", DEFAULT_MEAN)
    std = spec.get("std", DEFAULT_STD)
    if spec.get("color", "rgb") == "gray":
        luma = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
        p = resample_plane(luma, size, size)
        planes = [p, p, p]
    else:
        planes = [resample_plane(rgb[..., c], size, size) for c in range(3)]
    out = np.stack([(planes[c] - mean[c]) / std[c] for c in range(3)])
    return out.astype(dtype)


def to_input(pil_image, spec, dtype=np.float32):
    """PIL image -> torch tensor [3, S, S] (float32 by default): the whole image
    resampled to S x S (no face detection), optional gray, then (x - mean) / std."""
    rgb = np.asarray(pil_image.convert("RGB"), dtype=np.float64)
    return torch.from_numpy(array_to_input(rgb, spec, dtype))


# ----------------------------------------------------------------------------
# CLI

def _cmd_init(args):
    classes = [c.strip() for c in args.classes.split(",") if c.strip()]
    if len(classes) < 2:
        sys.exit("need at least two class names")
    cfg = make_config(args.config, len(classes))
    model = init_random(cfg, args.seed)
    save_model(args.out, model, classes, default_input_spec(cfg["input_size"], args.color),
               dtype=args.dtype)
    n = model.n_params()
    print("config=%s classes=%d params=%d (%.2f M) -> %s"
          % (args.config, len(classes), n, n / 1e6, args.out))


def _cmd_predict(args):
    from PIL import Image
    dtype = torch.float32 if args.float32 else torch.float64
    model, classes, spec, _ = load_model(args.model, dtype=dtype)
    npdt = np.float32 if args.float32 else np.float64
    with torch.no_grad():
        for path in args.images:
            with Image.open(path) as img:
                x = to_input(img, spec, npdt)[None].to(dtype)
            logits = model(x)[0]
            probs = torch.softmax(logits, dim=-1)
            print(json.dumps({"file": path, "logits": [float(v) for v in logits],
                              "probs": [float(v) for v in probs]}))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("init", help="write a randomly initialised model file")
    p.add_argument("--config", choices=sorted(PRESETS), default="paper")
    p.add_argument("--classes", required=True, help="comma-separated class names")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--color", choices=("rgb", "gray"), default="rgb")
    p.add_argument("--dtype", choices=("F32", "F16", "BF16"), default="F32")
    p.add_argument("--out", required=True)
    p.set_defaults(func=_cmd_init)
    p = sub.add_parser("predict", help="classify whole images (no face detection)")
    p.add_argument("--model", required=True)
    p.add_argument("--float32", action="store_true",
                   help="compute in float32 (default: float64 with the stored weights)")
    p.add_argument("images", nargs="+")
    p.set_defaults(func=_cmd_predict)
    args = ap.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
