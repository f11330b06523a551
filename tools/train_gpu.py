#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Trains the default FER+ model with the PyTorch reference on an accelerator.

One prepared run for a lent GPU: the data come packed by tools/pack_ferplus.py
(48x48 faces as uint8), everything else (resizing, augmentation, sampling,
MAD/MSAD masks) happens on the GPU. Two learning rates train side by side in
separate processes within a wall-clock budget; the one with the better FER+
valid accuracy (majority protocol, mirrored-face averaging) is exported in the
engine's model format, with its valid-set probabilities so that the C engine
can be checked against it.

    python3 tools/train_gpu.py --data .dev --out $OUT --budget 420

Model selection uses valid/ only (the FER+ test split is not available here).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pack_ferplus  # noqa: E402
import transfer_ref as ref  # noqa: E402

CLASSES = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt"]
SIZE = 112
# Where the face sits in a FER2013 crop (normalised coordinates, approximate:
# eye centres, nose tip, mouth corners of a typical 48x48 face box), so that
# the face pipeline can cut photos the same way.
FER_LANDMARKS = [[0.31, 0.40], [0.69, 0.40], [0.50, 0.58], [0.36, 0.78], [0.64, 0.78]]


def input_spec():
    spec = ref.default_input_spec(SIZE, "gray")
    spec["crop"] = {
        "source": "FER2013 48x48 face boxes, upscaled to the input size",
        "framing": "loose face box: forehead to chin, ears at the edges",
        "landmarks": FER_LANDMARKS,
        "landmark_order": ["left_eye", "right_eye", "nose_tip", "mouth_left", "mouth_right"],
        "landmarks_note": "approximate template, to be refined by measuring detector landmarks on FER+ crops",
    }
    return spec


def to_model_input(x_u8, mean, std):
    """uint8 [N,48,48] -> normalised [N,3,S,S]: gray replicated, then each channel
    with its own mean/std, resized like tf_image_to_input (PIL bilinear)."""
    x = x_u8[:, None].float()
    x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False, antialias=True)
    return (x.expand(-1, 3, -1, -1) - mean) / std


def augment(x_u8, mean, std, gen):
    """Random affine (zoom 0.9-1.15, +-10 degrees, shift 5 %), flip, brightness
    and contrast 0.2, random erasing (p 0.5, 2-25 % of the face)."""
    n, dev = x_u8.shape[0], x_u8.device
    x = F.interpolate(x_u8[:, None].float(), size=(SIZE, SIZE), mode="bilinear", align_corners=False,
                      antialias=True)
    u = lambda *shape: torch.rand(*shape, device=dev, generator=gen)  # noqa: E731
    scale = 0.9 + 0.25 * u(n)
    angle = (u(n) * 2 - 1) * math.radians(10)
    flip = torch.where(u(n) < 0.5, -1.0, 1.0)
    shift = (u(n, 2) * 2 - 1) * 0.1
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos * flip, -sin, shift[:, 0]], 1),
                         torch.stack([sin * flip, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, (n, 1, SIZE, SIZE), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    bright = 0.8 + 0.4 * u(n, 1, 1, 1)
    contrast = 0.8 + 0.4 * u(n, 1, 1, 1)
    m = x.mean(dim=(2, 3), keepdim=True)
    x = ((x - m) * contrast + m * bright).clamp(0, 255)
    x = (x.expand(-1, 3, -1, -1) - mean) / std
    # random erasing, one rectangle per chosen face
    area = (0.02 + 0.23 * u(n)) * SIZE * SIZE
    aspect = torch.exp(math.log(0.3) + (math.log(3.3) - math.log(0.3)) * u(n))
    h = torch.sqrt(area * aspect).clamp(1, SIZE - 1)
    w = torch.sqrt(area / aspect).clamp(1, SIZE - 1)
    y0 = u(n) * (SIZE - h)
    x0 = u(n) * (SIZE - w)
    ys = torch.arange(SIZE, device=dev).view(1, SIZE, 1)
    xs = torch.arange(SIZE, device=dev).view(1, 1, SIZE)
    box = ((ys >= y0.view(-1, 1, 1)) & (ys < (y0 + h).view(-1, 1, 1)) &
           (xs >= x0.view(-1, 1, 1)) & (xs < (x0 + w).view(-1, 1, 1)))
    erase = (u(n) < 0.5).view(-1, 1, 1) & box
    return x.masked_fill(erase[:, None], 0.0)


def draw_masks(cfg, n, dev, gen):
    r = torch.rand(n, device=dev, generator=gen)
    b = torch.randint(cfg["lanets"], (n,), device=dev, generator=gen)
    mad = torch.where(r < cfg["mad_p"], b, torch.full_like(b, -1))
    r = torch.rand(n, cfg["depth"], device=dev, generator=gen)
    h = torch.randint(cfg["heads"], (n, cfg["depth"]), device=dev, generator=gen)
    msad = torch.where(r < cfg["msad_p"], h, torch.full_like(h, -1))
    return mad, msad


@torch.no_grad()
def evaluate(model, x_u8, labels, mean, std, batch=512):
    """(accuracy, accuracy with mirrored averaging, probabilities without it)."""
    model.eval()
    model.set_train_bn(False)
    probs, probs_flip = [], []
    for i in range(0, x_u8.shape[0], batch):
        x = to_model_input(x_u8[i:i + batch], mean, std)
        p = torch.softmax(model(x), dim=-1)
        pf = torch.softmax(model(torch.flip(x, dims=[3])), dim=-1)
        probs.append(p)
        probs_flip.append(0.5 * (p + pf))
    model.train()
    model.set_train_bn(True)
    p, pf = torch.cat(probs), torch.cat(probs_flip)
    return ((p.argmax(1) == labels).float().mean().item(),
            (pf.argmax(1) == labels).float().mean().item(), p)


def worker(args):
    dev = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = True
    data = pack_ferplus.load(args.data)
    xt, yt, vt, _ = data["train"]
    xv, yv, _, _ = data["valid"]
    if args.limit:
        xt, yt, vt = xt[:args.limit], yt[:args.limit], vt[:args.limit]
        xv, yv = xv[:args.limit], yv[:args.limit]
    xt = torch.from_numpy(np.ascontiguousarray(xt)).to(dev)
    xv = torch.from_numpy(np.ascontiguousarray(xv)).to(dev)
    yt = torch.from_numpy(yt.astype(np.int64)).to(dev)
    yv = torch.from_numpy(yv.astype(np.int64)).to(dev)
    votes = torch.from_numpy(vt.astype(np.float32)).to(dev)
    soft = votes / votes.sum(1, keepdim=True)
    mean = torch.tensor(ref.DEFAULT_MEAN, device=dev).view(1, 3, 1, 1)
    std = torch.tensor(ref.DEFAULT_STD, device=dev).view(1, 3, 1, 1)

    cfg = ref.make_config("small", len(CLASSES))
    cfg["input_size"] = SIZE
    model = ref.init_random(cfg, args.seed).to(dev)
    model.train()
    model.set_train_bn(True)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1 and "cls_token" not in n and "pos_embed" not in n]
    rest = [p for n, p in model.named_parameters() if not (p.ndim > 1 and "cls_token" not in n and "pos_embed" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": rest, "weight_decay": 0.0}],
                            lr=args.lr)
    gen = torch.Generator(device=dev)
    gen.manual_seed(args.seed)
    # sampling weights: rare classes drawn more often, count^-0.5
    counts = torch.bincount(yt, minlength=len(CLASSES)).float().clamp(min=1)
    weights = counts[yt] ** -0.5

    n = xt.shape[0]
    steps_per_epoch = max(1, n // args.batch)
    warmup = args.warmup_epochs * steps_per_epoch
    total_epochs, step, best, log = args.max_epochs, 0, -1.0, []
    start = time.time()
    os.makedirs(args.out, exist_ok=True)
    for epoch in range(args.max_epochs):
        if epoch >= total_epochs:
            break
        t0 = time.time()
        order = torch.multinomial(weights, n, replacement=True, generator=gen)
        loss_sum = 0.0
        for b in range(steps_per_epoch):
            idx = order[b * args.batch:(b + 1) * args.batch]
            total = total_epochs * steps_per_epoch
            if step < warmup:
                lr = args.lr * (step + 1) / warmup
            else:
                lr = 0.5 * args.lr * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))
            for g in opt.param_groups:
                g["lr"] = lr
            x = augment(xt[idx], mean, std, gen)
            mad, msad = draw_masks(cfg, idx.shape[0], dev, gen)
            logits = model(x, mad=mad, msad=msad)
            loss = ref.soft_cross_entropy(logits, soft[idx], args.smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() if b % 50 == 0 else 0.0
            step += 1
        if epoch <= 1:
            # the schedule's horizon: as many epochs as the budget holds, planned
            # after the first epoch and again after the second (the first one
            # pays for cuDNN's autotuning)
            per_epoch = time.time() - t0
            left = args.budget - (time.time() - start)
            total_epochs = int(max(epoch + 2, min(args.max_epochs, epoch + 1 + left / (per_epoch * 1.10))))
        acc, acc_flip, _ = evaluate(model, xv, yv, mean, std)
        log.append({"epoch": epoch + 1, "lr": lr, "valid_accuracy": acc, "valid_accuracy_flip": acc_flip,
                    "seconds": round(time.time() - start, 1), "epochs_planned": total_epochs})
        print(json.dumps({"run": args.name, **log[-1]}), flush=True)
        if acc_flip > best:
            best = acc_flip
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
        with open(os.path.join(args.out, "log.json"), "w") as f:
            json.dump({"name": args.name, "lr": args.lr, "cfg": cfg, "log": log, "best": best,
                       "steps_per_epoch": steps_per_epoch, "batch": args.batch}, f)


def export(args):
    """Picks the better run, exports it, and writes its valid probabilities."""
    dev = torch.device(args.device)
    runs = []
    for name in args.names.split(","):
        path = os.path.join(args.out, name, "log.json")
        if os.path.exists(path):
            with open(path) as f:
                runs.append(json.load(f))
    if not runs:
        sys.exit("no run finished an epoch")
    best = max(runs, key=lambda r: r["best"])
    model = ref.init_random(best["cfg"], 0)
    model.load_state_dict(torch.load(os.path.join(args.out, best["name"], "best.pt"), map_location="cpu"))
    model = model.to(dev).eval()
    model.set_train_bn(False)
    data = pack_ferplus.load(args.data)
    xv = torch.from_numpy(np.ascontiguousarray(data["valid"][0])).to(dev)
    yv = torch.from_numpy(data["valid"][1].astype(np.int64)).to(dev)
    mean = torch.tensor(ref.DEFAULT_MEAN, device=dev).view(1, 3, 1, 1)
    std = torch.tensor(ref.DEFAULT_STD, device=dev).view(1, 3, 1, 1)
    acc, acc_flip, probs = evaluate(model, xv, yv, mean, std)
    model.eval()
    model.set_train_bn(False)
    epoch = max(best["log"], key=lambda e: e["valid_accuracy_flip"])
    recipe = {
        "trainer": "tools/train_gpu.py (PyTorch reference, %s)" % torch.__version__,
        "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu",
        "optimizer": "AdamW", "lr": best["lr"], "weight_decay": args.wd, "schedule": "linear warmup + cosine",
        "warmup_epochs": args.warmup_epochs, "batch": best["batch"], "epochs": epoch["epochs_planned"],
        "best_epoch": epoch["epoch"], "label_smoothing": args.smoothing, "targets": "FER+ vote distributions",
        "sampling": "class counts ^ -0.5", "mad_msad": True,
        "augmentation": "affine (zoom 0.9-1.15, 10 deg, 5% shift), flip, brightness/contrast 0.2, erasing p 0.5",
        "runs": [{"lr": r["lr"], "best_valid_accuracy_flip": r["best"]} for r in runs],
    }
    meta = {
        "dataset": "FER+ train (majority protocol faces, vote-distribution targets), selected on FER+ valid",
        "epochs": str(epoch["epoch"]),
        "valid_accuracy": "%.4f" % acc,
        "valid_accuracy_flip": "%.4f" % acc_flip,
        "recipe": json.dumps(recipe),
        "licence": "weights: GPL-3.0-or-later; FER+ labels MIT (Microsoft); FER2013 images without stated licence",
    }
    ref.save_model(os.path.join(args.out, "transfer-ferplus.safetensors"), model.cpu(), CLASSES,
                   input_spec=input_spec(), trained_with="tools/train_gpu.py (PyTorch reference)",
                   extra_metadata=meta)
    np.save(os.path.join(args.out, "valid_probs.npy"), probs.float().cpu().numpy())
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"valid_accuracy": acc, "valid_accuracy_flip": acc_flip, "recipe": recipe,
                   "logs": {r["name"]: r["log"] for r in runs}}, f, indent=1)
    print("exported", best["name"], "valid", acc, "flip", acc_flip)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", default="all", choices=["all", "worker", "export"])
    ap.add_argument("--data", default=".dev")
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--budget", type=float, default=420, help="wall-clock seconds for training")
    ap.add_argument("--max-epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--lrs", default="1e-3,3e-4", help="learning rates trained side by side")
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--warmup-epochs", type=int, default=1)
    ap.add_argument("--smoothing", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="first N faces only (to test the script)")
    ap.add_argument("--name", default="run")
    ap.add_argument("--names", default="")
    args = ap.parse_args()
    if args.mode == "worker":
        return worker(args)
    if args.mode == "export":
        return export(args)
    procs, names = [], []
    for i, lr in enumerate(args.lrs.split(",")):
        name = "lr%s" % lr
        names.append(name)
        cmd = [sys.executable, os.path.abspath(__file__), "worker", "--data", args.data, "--out",
               os.path.join(args.out, name), "--device", args.device, "--budget", str(args.budget),
               "--max-epochs", str(args.max_epochs), "--batch", str(args.batch), "--lr", lr,
               "--wd", str(args.wd), "--warmup-epochs", str(args.warmup_epochs),
               "--smoothing", str(args.smoothing), "--seed", str(args.seed + i), "--limit", str(args.limit),
               "--name", name]
        procs.append(subprocess.Popen(cmd))
    for p in procs:
        p.wait()
    args.names = ",".join(names)
    export(args)


if __name__ == "__main__":
    main()
