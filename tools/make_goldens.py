#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regenerates the committed numerical goldens in tests/goldens/ from the PyTorch
reference (tools/transfer_ref.py). Deterministic: fixed seeds, one thread, every
computation in float64 from the F32-rounded weights and inputs, results stored F32.

    /usr/bin/python3 tools/make_goldens.py [--out tests/goldens]

Writes
  tiny-model.safetensors       the "tiny" model, every parameter randomised, F32
  tiny-model-f16.safetensors   the same weights stored F16 (rounded from F32, RNE)
  tiny-model-bf16.safetensors  the same weights stored BF16 (rounded from F32, RNE)
  tiny-golden.safetensors      inputs, probes, forced-mask training outputs and
                               preprocessing cases (metadata format=transfer-golden)
"""

import argparse
import collections
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transfer_ref as ref  # noqa: E402

CLASSES = ["neutral", "happy", "sad", "angry", "surprised"]
MODEL_SEED = 20210101
DATA_SEED = 7

# Extra scale factors applied after the default initialisation so that the
# activations stay O(1), the LANet maps are not saturated and the attention is
# neither uniform nor one-hot (see report_stats()).
GAINS = {"extractor": 1.3, "LA_conv1": 1.5, "LA_conv2": 3.0, "attn.qkv": 2.5}


def tiny_config():
    return ref.make_config("tiny", len(CLASSES))


def randomise(model, seed):
    """Every parameter and buffer of the tiny model gets a non-trivial value."""
    g = torch.Generator().manual_seed(seed)

    def unif(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=g, dtype=torch.float64) * (hi - lo) + lo)

    def normal(t, mean, std):
        t.copy_(torch.randn(t.shape, generator=g, dtype=torch.float64) * std + mean)

    def kaiming(t, fan_in, gain=1.0):
        # PyTorch's default for Conv/Linear weights and biases: U(-1/sqrt(fan_in), +).
        b = gain / np.sqrt(fan_in)
        unif(t, -b, b)

    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                unif(m.weight, 0.5, 1.5)
                normal(m.bias, 0.0, 0.1)
                normal(m.running_mean, 0.0, 0.1)
                unif(m.running_var, 0.5, 1.5)
            elif isinstance(m, torch.nn.PReLU):
                unif(m.weight, 0.05, 0.4)
            elif isinstance(m, torch.nn.LayerNorm):
                normal(m.weight, 1.0, 0.1)
                normal(m.bias, 0.0, 0.05)
            elif isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                fan_in = m.weight[0].numel()
                gain = 1.0
                for key, v in GAINS.items():
                    if key in name:
                        gain = v
                kaiming(m.weight, fan_in, gain)
                if m.bias is not None:
                    kaiming(m.bias, fan_in)
        normal(model.vit.cls_token, 0.0, 0.02)
        normal(model.vit.pos_embed, 0.0, 0.02)
    return model


def smooth_image(rng, h, w):
    """Integer 0..255 RGB image: per-channel gradients and waves plus noise."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    chans = []
    for c in range(3):
        base = (60 + 40 * c + 120 * x / max(w - 1, 1) + 50 * y / max(h - 1, 1)
                + 30 * np.sin(x / (3.0 + c) + y / 5.0 + c))
        chans.append(base + rng.normal(0, 12, size=(h, w)))
    return np.clip(np.rint(np.stack(chans, axis=-1)), 0, 255)


def check_resampler():
    """Our float64 PIL-BILINEAR resampler against torch's antialiased bilinear
    interpolation, on 0..255 values: one downscale and one upscale case."""
    rng = np.random.RandomState(123)
    worst = 0.0
    for (h, w, s) in ((97, 83, 40), (29, 37, 40)):
        img = smooth_image(rng, h, w)
        ours = np.stack([ref.resample_plane(img[..., c], s, s) for c in range(3)])
        t = torch.from_numpy(img.transpose(2, 0, 1).copy())[None]
        theirs = torch.nn.functional.interpolate(t, size=(s, s), mode="bilinear",
                                                 antialias=True, align_corners=False)[0]
        d = float(np.abs(ours - theirs.numpy()).max())
        # PIL itself on a float ("F") image, for information (PIL works in float32).
        pil = np.stack([np.asarray(Image.fromarray(img[..., c].astype(np.float32), "F")
                                   .resize((s, s), Image.BILINEAR), dtype=np.float64)
                        for c in range(3)])
        dp = float(np.abs(ours - pil).max())
        print("resample %dx%d -> %dx%d: max |ours - torch aa| = %.3g, max |ours - PIL F| = %.3g"
              % (h, w, s, s, d, dp))
        worst = max(worst, d)
    if worst > 1e-3:
        sys.exit("resampler disagrees with torch (max diff %g)" % worst)
    return worst


def report_stats(model, x):
    with torch.no_grad():
        feat = model.extractor(x)
        out = model(x, probes=["lanet_maps", "cls_attn"])
    maps = out["lanet_maps"]
    inside = float(((maps > 0.05) & (maps < 0.95)).double().mean())
    attn = out["cls_attn"]
    print("stem output: mean %.3f std %.3f max|.| %.3f"
          % (float(feat.mean()), float(feat.std()), float(feat.abs().max())))
    print("LANet maps: min %.3f max %.3f std %.3f, fraction in (0.05, 0.95) = %.3f"
          % (float(maps.min()), float(maps.max()), float(maps.std()), inside))
    print("cls attention: max %.3f, min %.3f (uniform = %.3f)"
          % (float(attn.max()), float(attn.min()), 1.0 / attn.shape[-1]))
    print("logits:", [["%.3f" % v for v in row] for row in out["logits"].tolist()])
    print("probs: ", [["%.3f" % v for v in row] for row in out["probs"].tolist()])
    if inside < 0.9:
        sys.exit("LANet maps are saturated")
    if float(attn.max()) > 0.9 or float(attn.max()) < 2.0 / attn.shape[-1]:
        sys.exit("attention is one-hot or uniform")


def f32(t):
    return t.detach().to(torch.float32).contiguous()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "tests", "goldens"))
    args = ap.parse_args()
    out_dir = os.path.normpath(args.out)
    os.makedirs(out_dir, exist_ok=True)

    torch.set_num_threads(1)
    torch.manual_seed(MODEL_SEED)
    check_resampler()

    # -- the model: randomised in F32 (these are the stored weights) --------------
    cfg = tiny_config()
    model32 = randomise(ref.TransFER(cfg), MODEL_SEED).eval()
    spec = ref.default_input_spec(cfg["input_size"], "rgb")
    model_path = os.path.join(out_dir, "tiny-model.safetensors")
    trained = "tools/make_goldens.py (randomised golden model)"
    ref.save_model(model_path, model32, CLASSES, spec, dtype="F32", trained_with=trained)
    ref.save_model(os.path.join(out_dir, "tiny-model-f16.safetensors"), model32, CLASSES,
                   spec, dtype="F16", trained_with=trained)
    ref.save_model(os.path.join(out_dir, "tiny-model-bf16.safetensors"), model32, CLASSES,
                   spec, dtype="BF16", trained_with=trained)

    # Compute from the file, in float64.
    model, classes, spec_read, _ = ref.load_model(model_path, dtype=torch.float64)
    assert classes == CLASSES and spec_read == spec
    for k, v in model.canonical_state().items():
        assert torch.equal(v, model32.canonical_state()[k].double()), k

    gen = torch.Generator().manual_seed(DATA_SEED)
    x = torch.randn(2, 3, cfg["input_size"], cfg["input_size"], generator=gen,
                    dtype=torch.float32).double()
    report_stats(model, x)

    g = cfg["input_size"] // 8
    golden = collections.OrderedDict()
    golden["input"] = f32(x)
    with torch.no_grad():
        out = model(x, probes=True)
        for name in ref.PROBES:
            golden[name] = f32(out[name])
        mad = torch.tensor([1, -1])
        msad = torch.tensor([[2, -1], [-1, 0]])
        tr = model(x, mad=mad, msad=msad, probes=["lanet_max"])
        golden["mad_drop"] = f32(mad.double())
        golden["msad_drop"] = f32(msad.double())
        golden["train_logits"] = f32(tr["logits"])
        golden["train_lanet_max"] = f32(tr["lanet_max"])

        # Self-checks of the probes' definitions.
        assert torch.allclose(out["head_contrib"].sum(-1), torch.ones(2, cfg["depth"], dtype=torch.float64))
        assert torch.allclose(out["rollout"].sum(-1), torch.ones(2, dtype=torch.float64))
        assert torch.allclose(out["cls_attn"].sum(-1), torch.ones(2, cfg["depth"], cfg["heads"], dtype=torch.float64))
        # Ablation equals a forced-MSAD forward with one head dropped.
        for l in range(cfg["depth"]):
            for h in range(cfg["heads"]):
                m = torch.full((2, cfg["depth"]), -1, dtype=torch.long)
                m[:, l] = h
                p = torch.softmax(model(x, msad=m), -1)
                assert torch.allclose(p, out["ablation"][:, l, h], atol=1e-12)
        # Training mode with forced masks gives the same as eval mode with them.
        model.train()
        assert torch.allclose(model(x, mad=mad, msad=msad), tr["logits"], atol=1e-12)
        model.eval()
        # The float32 computation agrees with the float64 one.
        model32.eval()
        d32 = float((model32(x.float()).double() - out["logits"]).abs().max())
        print("float32 vs float64 logits: max abs diff %.3g" % d32)

    shapes = {"lanet_maps": [2, cfg["lanets"], g * g], "lanet_max": [2, g * g],
              "cls_attn": [2, cfg["depth"], cfg["heads"], g * g + 1],
              "head_contrib": [2, cfg["depth"], cfg["heads"]], "rollout": [2, g * g],
              "ablation": [2, cfg["depth"], cfg["heads"], len(CLASSES)]}
    for k, s in shapes.items():
        assert list(golden[k].shape) == s, (k, golden[k].shape)

    # -- preprocessing cases ------------------------------------------------------
    rng = np.random.RandomState(DATA_SEED)
    img = smooth_image(rng, 29, 37)
    big = smooth_image(rng, 97, 83)
    gray_spec = dict(spec, color="gray")
    golden["image_rgb"] = f32(torch.from_numpy(img))
    golden["image_input_rgb"] = f32(torch.from_numpy(ref.array_to_input(img, spec, np.float64)))
    golden["image_input_gray"] = f32(torch.from_numpy(ref.array_to_input(img, gray_spec, np.float64)))
    golden["image_big_rgb"] = f32(torch.from_numpy(big))
    golden["image_big_input"] = f32(torch.from_numpy(ref.array_to_input(big, spec, np.float64)))
    # to_input on a PIL image goes through the same code.
    pil_in = ref.to_input(Image.fromarray(img.astype(np.uint8), "RGB"), spec, np.float64)
    assert torch.equal(f32(pil_in), golden["image_input_rgb"])

    meta = collections.OrderedDict()
    meta["format"] = "transfer-golden"
    meta["model"] = "tiny-model.safetensors"
    meta["generator"] = "tools/make_goldens.py"
    meta["config"] = json.dumps(cfg)
    meta["input_spec"] = json.dumps(spec)
    meta["notes"] = ("eval-mode probes of tiny-model on 'input'; train_* use the forced masks "
                     "mad_drop (LANet map zeroed per sample, -1 none) and msad_drop "
                     "([sample][block] head zeroed, -1 none); image_* are preprocessing cases "
                     "(HWC 0..255 in, CHW normalised out)")
    gpath = os.path.join(out_dir, "tiny-golden.safetensors")
    ref.write_safetensors(gpath, golden, meta)

    # Round trip.
    back, bmeta = ref.read_safetensors(gpath)
    assert bmeta == meta and list(back) == list(golden)
    for k in golden:
        assert torch.equal(back[k], golden[k]), k
    for suffix, dt in (("-f16", torch.float16), ("-bf16", torch.bfloat16)):
        t, _ = ref.read_safetensors(os.path.join(out_dir, "tiny-model%s.safetensors" % suffix))
        for k, v in model32.canonical_state().items():
            assert torch.equal(t[k], v.to(dt)), (suffix, k)

    for name in ("tiny-model.safetensors", "tiny-model-f16.safetensors",
                 "tiny-model-bf16.safetensors", "tiny-golden.safetensors"):
        p = os.path.join(out_dir, name)
        print("%-30s %7d bytes" % (name, os.path.getsize(p)))
    print("params: %d learnable, %d stored values"
          % (model.n_params(), sum(v.numel() for v in model.canonical_state().values())))


if __name__ == "__main__":
    main()
