#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the training golden tests/goldens/tiny-train-golden.safetensors from the
PyTorch reference (tools/transfer_ref.py) and the committed tiny model
(tests/goldens/tiny-model.safetensors, written by tools/make_goldens.py).
Deterministic: fixed seed, one thread, everything computed in float64 from the
F32 weights and F32-rounded inputs, results stored F32.

    /usr/bin/python3 tools/make_train_goldens.py [--goldens tests/goldens]

One batch of N = 3 inputs, forced MAD/MSAD masks, label-smoothed soft-target
cross-entropy (transfer_ref.soft_cross_entropy), two cases:
  train  BatchNorm with batch statistics (running statistics updated, momentum 0.1)
  eval   BatchNorm with the file's running statistics (fine-tuning with frozen BN)
For each: logits, loss and the gradient of the loss (a batch mean) w.r.t. every
learnable parameter; for the train case also the updated running statistics.
Self-checks (nothing of them is stored): BatchNorm against F.batch_norm, the loss
against F.cross_entropy, torch.autograd.gradcheck on a few small parameters, and
a central-difference directional derivative for every parameter.
"""

import argparse
import collections
import copy
import json
import os
import sys

import torch
import torch.nn.functional as F
from torch.nn.utils import stateless

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transfer_ref as ref  # noqa: E402

DATA_SEED = 20240607
N = 3
LABEL_SMOOTHING = 0.1
# Hard labels for rows 0 and 1; a soft (vote) row 2 whose entries are exact in
# F32 and sum to exactly 1.
TARGET = [[0.0, 0.0, 1.0, 0.0, 0.0],
          [1.0, 0.0, 0.0, 0.0, 0.0],
          [0.125, 0.5, 0.0, 0.375, 0.0]]
MAD = [1, -1, 0]
MSAD = [[2, -1], [-1, 0], [3, 1]]
# gradcheck subjects (small, so that it stays quick)
GRADCHECK_TRAIN = ["head.fc.bias", "vit.blocks.0.norm1.weight",
                   "extractor.input_layer.1.weight", "attention.las.1.bn2.bias"]
GRADCHECK_EVAL = ["head.fc.bias", "vit.norm.weight"]


def f32(t):
    return t.detach().to(torch.float32).contiguous()


def learnable_names(model):
    """Learnable parameter names in canonical (file) order."""
    params = dict(model.named_parameters())
    names = [k for k in model.canonical_state() if k in params]
    assert sorted(names) == sorted(params), "a parameter is missing from the canonical state"
    return names


def running_names(model):
    return [k for k in model.canonical_state()
            if k.endswith(".running_mean") or k.endswith(".running_var")]


def loss_of(model, x, y, eps, mad, msad, train_bn):
    logits = model(x, mad=mad, msad=msad, train_bn=train_bn)
    return logits, ref.soft_cross_entropy(logits, y, eps)


def run_case(model, x, y, eps, mad, msad, train_bn):
    """One forward + backward; returns (logits, loss, {name: grad})."""
    model.zero_grad(set_to_none=True)
    logits, loss = loss_of(model, x, y, eps, mad, msad, train_bn)
    loss.backward()
    grads = collections.OrderedDict()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        grads[name] = p.grad.detach().clone()
    return logits.detach(), loss.detach(), grads


# -- self-checks ----------------------------------------------------------------

def check_batch_norm(model, x, y, eps, mad, msad, logits, loss, grads):
    """The written-out training BatchNorm against F.batch_norm(training=True), on
    the whole model (outputs, gradients and running statistics)."""
    m = copy.deepcopy(model)        # still holds the file's running statistics
    for mod in m.modules():
        if isinstance(mod, ref.BN2d):
            mod.forward = (lambda t, bn=mod: F.batch_norm(
                t, bn.running_mean, bn.running_var, bn.weight, bn.bias, True,
                bn.momentum, bn.eps))
    lg, ls, gr = run_case(m, x, y, eps, mad, msad, None)
    worst = max(float((lg - logits).abs().max()), float((ls - loss).abs()))
    for k in grads:
        worst = max(worst, float((gr[k] - grads[k]).abs().max()))
    return m, worst


def check_loss(logits, y, eps, loss):
    theirs = F.cross_entropy(logits, y, label_smoothing=eps)
    return float((theirs - loss).abs())


def check_gradcheck(model, x, y, eps, mad, msad, train_bn, names):
    m = copy.deepcopy(model)
    params = dict(m.named_parameters())
    inputs = tuple(params[k].detach().clone().requires_grad_(True) for k in names)

    def f(*ts):
        logits = stateless.functional_call(
            m, dict(zip(names, ts)), (x,), dict(mad=mad, msad=msad, train_bn=train_bn))
        return ref.soft_cross_entropy(logits, y, eps)

    ok = torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-8, rtol=1e-5)
    if not ok:
        sys.exit("gradcheck failed for %s" % names)
    return sum(t.numel() for t in inputs)


def check_directional(model, x, y, eps, mad, msad, train_bn, grads, seed):
    """For every parameter p and a random direction d (N(0,1) entries):
    (L(p + h d) - L(p - h d)) / 2h against <grad, d>, passing when the difference
    is within 1e-7 + 1e-5 |<grad, d>|. The step is small because larger ones cross
    ReLU/PReLU/max kinks (the network is piecewise smooth); a failing step is
    retried once with h / 4 for the same reason. Returns (worst error / allowed, name)."""
    m = copy.deepcopy(model)
    g = torch.Generator().manual_seed(seed)
    worst, worst_name = 0.0, None

    def fd(p, base, d, h):
        p.copy_(base + h * d)
        lp = loss_of(m, x, y, eps, mad, msad, train_bn)[1]
        p.copy_(base - h * d)
        lm = loss_of(m, x, y, eps, mad, msad, train_bn)[1]
        p.copy_(base)
        return float((lp - lm) / (2 * h))

    with torch.no_grad():
        for name, p in m.named_parameters():
            d = torch.randn(p.shape, generator=g, dtype=p.dtype)
            base = p.detach().clone()
            an = float((grads[name] * d).sum())
            allowed = 1e-7 + 1e-5 * abs(an)
            ratio = abs(fd(p, base, d, 1e-7) - an) / allowed
            if ratio > 1.0:
                ratio = min(ratio, abs(fd(p, base, d, 2.5e-8) - an) / allowed)
            if ratio > worst:
                worst, worst_name = ratio, name
    return worst, worst_name


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--goldens", default=os.path.join(here, "..", "tests", "goldens"),
                    help="folder holding tiny-model.safetensors; the golden is written there")
    args = ap.parse_args()
    gdir = os.path.normpath(args.goldens)
    torch.set_num_threads(1)
    torch.manual_seed(DATA_SEED)

    model_path = os.path.join(gdir, "tiny-model.safetensors")
    model, classes, _, _ = ref.load_model(model_path, dtype=torch.float64)
    cfg = model.config
    k = cfg["num_classes"]
    s = cfg["input_size"]
    assert len(TARGET[0]) == k and len(MSAD[0]) == cfg["depth"]

    gen = torch.Generator().manual_seed(DATA_SEED)
    x = torch.randn(N, 3, s, s, generator=gen, dtype=torch.float32).double()
    y = torch.tensor(TARGET, dtype=torch.float32).double()
    eps = float(torch.tensor([LABEL_SMOOTHING], dtype=torch.float32).double())  # as stored
    mad = torch.tensor(MAD)
    msad = torch.tensor(MSAD)
    assert torch.allclose(y.sum(-1), torch.ones(N, dtype=torch.float64), atol=0)

    names = learnable_names(model)
    rnames = running_names(model)
    # MAD/MSAD "training" flag on; the masks are forced, so nothing is drawn.
    model.train()
    pristine = copy.deepcopy(model)   # file's running statistics, for the eval case and checks

    # -- case 1: BatchNorm with batch statistics -------------------------------------
    model.set_train_bn(True)
    logits, loss, grads = run_case(model, x, y, eps, mad, msad, None)
    running = collections.OrderedDict(
        (k2, v.detach().clone()) for k2, v in model.canonical_state().items() if k2 in rnames)
    # Every running statistic moved, and by the stated rule for the first BN.
    before = pristine.canonical_state()
    for k2 in rnames:
        assert not torch.equal(running[k2], before[k2]), k2
    with torch.no_grad():
        x0 = pristine.extractor.input_layer[0](x)
        mm = x0.shape[0] * x0.shape[2] * x0.shape[3]
        want = 0.9 * before["extractor.input_layer.1.running_var"] \
            + 0.1 * x0.var((0, 2, 3), unbiased=True)
        assert torch.allclose(running["extractor.input_layer.1.running_var"], want,
                              rtol=1e-12, atol=0), "running_var rule"
        assert mm > 1

    # -- case 2: BatchNorm with the file's running statistics ------------------------
    emodel = copy.deepcopy(pristine)
    emodel.set_train_bn(False)
    elogits, eloss, egrads = run_case(emodel, x, y, eps, mad, msad, None)
    for k2 in rnames:   # frozen statistics stay put
        assert torch.equal(emodel.canonical_state()[k2], before[k2]), k2

    # -- self-checks ---------------------------------------------------------------
    bnm, d_bn = check_batch_norm(pristine, x, y, eps, mad, msad, logits, loss, grads)
    d_run = max(float((bnm.canonical_state()[k2] - running[k2]).abs().max()) for k2 in rnames)
    print("train BN vs F.batch_norm: max |diff| outputs/grads %.3g, running stats %.3g"
          % (d_bn, d_run))
    if d_bn > 1e-12 or d_run > 1e-12:
        sys.exit("written-out BatchNorm disagrees with F.batch_norm")
    d_loss = max(check_loss(logits, y, eps, loss), check_loss(elogits, y, eps, eloss))
    print("loss vs F.cross_entropy(label_smoothing): max |diff| %.3g" % d_loss)
    if d_loss > 1e-13:
        sys.exit("loss disagrees with F.cross_entropy")
    # dL/dlogits = (softmax - q) / N
    lg = logits.clone().requires_grad_(True)
    ref.soft_cross_entropy(lg, y, eps).backward()
    q = ref.smooth_targets(y, eps)
    assert torch.allclose(lg.grad, (torch.softmax(logits, -1) - q) / N, atol=1e-15)
    n_gc = check_gradcheck(pristine, x, y, eps, mad, msad, True, GRADCHECK_TRAIN)
    n_gc += check_gradcheck(pristine, x, y, eps, mad, msad, False, GRADCHECK_EVAL)
    print("gradcheck (float64) passed on %d values: train BN %s; eval BN %s"
          % (n_gc, ", ".join(GRADCHECK_TRAIN), ", ".join(GRADCHECK_EVAL)))
    for label, tb, gr in (("train", True, grads), ("eval", False, egrads)):
        w, wn = check_directional(pristine, x, y, eps, mad, msad, tb, gr, DATA_SEED + 1)
        print("%s BN: directional central differences on all %d parameters: worst "
              "error / allowed %.3g (%s)" % (label, len(names), w, wn))
        if w > 1.0:
            sys.exit("finite differences disagree with autograd")
    # In the train case, a per-channel constant added before a training-mode
    # BatchNorm (conv biases feeding a BN, BN biases whose output reaches only
    # BNs) is removed by that BN's mean subtraction: those gradients are zero up
    # to rounding (~1e-17). Everything else, and every eval gradient, is not.
    gmax = max(float(grads[k2].abs().max()) for k2 in names)
    nullg = [k2 for k2 in names if float(grads[k2].abs().max()) < 1e-12 * gmax]
    print("train BN: gradients zero up to rounding (shift removed by a later BN): %s"
          % ", ".join(nullg))
    for k2 in nullg:
        if not k2.endswith(".bias"):
            sys.exit("unexpected null gradient for %s" % k2)
    emax = max(float(egrads[k2].abs().max()) for k2 in names)
    for k2 in names:
        if float(egrads[k2].abs().max()) < 1e-6 * emax:
            sys.exit("eval: null gradient for %s" % k2)
        if k2 not in nullg and float(grads[k2].abs().max()) < 1e-6 * gmax:
            sys.exit("train: tiny gradient for %s" % k2)

    print("train: loss %.6f logits %s" % (float(loss), [["%.3f" % v for v in r] for r in logits.tolist()]))
    print("eval:  loss %.6f logits %s" % (float(eloss), [["%.3f" % v for v in r] for r in elogits.tolist()]))
    print("grad norms (train / eval):")
    for k2 in names:
        print("  %-45s %10.4g %10.4g" % (k2, float(grads[k2].norm()), float(egrads[k2].norm())))

    # -- the file -------------------------------------------------------------------
    golden = collections.OrderedDict()
    golden["input"] = f32(x)
    golden["target"] = f32(y)
    golden["label_smoothing"] = f32(torch.tensor([eps]))
    golden["mad_drop"] = f32(mad.double())
    golden["msad_drop"] = f32(msad.double())
    golden["logits"] = f32(logits)
    golden["loss"] = f32(loss.reshape(1))
    for k2 in names:
        golden["grad." + k2] = f32(grads[k2])
    for k2 in rnames:
        golden["running." + k2] = f32(running[k2])
    golden["eval_logits"] = f32(elogits)
    golden["eval_loss"] = f32(eloss.reshape(1))
    for k2 in names:
        golden["eval_grad." + k2] = f32(egrads[k2])
    params = dict(model.named_parameters())
    for k2 in names:
        assert golden["grad." + k2].shape == params[k2].shape
        assert golden["eval_grad." + k2].shape == params[k2].shape

    keys = collections.OrderedDict([
        ("input", "[N,3,S,S] normalised input batch (N(0,1) samples)"),
        ("target", "[N,K] probability rows y (one-hot for hard labels, normalised votes for soft)"),
        ("label_smoothing", "[1] eps; q = (1 - eps) * y + eps / K"),
        ("mad_drop", "[N] LANet map zeroed per sample, -1 none (forced MAD)"),
        ("msad_drop", "[N,L] head zeroed per sample and block, -1 none (forced MSAD)"),
        ("logits", "[N,K] logits, BatchNorm in training mode (batch mean and biased batch "
                   "variance over N,H,W)"),
        ("loss", "[1] mean over the batch of -sum_k q_k log softmax(logits)_k"),
        ("grad.<name>", "d loss / d parameter <name> (shape of the parameter), BatchNorm in "
                        "training mode (gradient through the batch statistics)"),
        ("running.<name>", "every BN running_mean/running_var after that one training forward: "
                           "(1 - 0.1) * stored + 0.1 * batch stat, unbiased variance"),
        ("eval_logits", "[N,K] logits with BatchNorm using the model file's running statistics "
                        "(frozen BN), same input and masks"),
        ("eval_loss", "[1] the loss of eval_logits"),
        ("eval_grad.<name>", "d eval_loss / d parameter <name>, BatchNorm frozen (running "
                             "statistics are constants)"),
    ])
    meta = collections.OrderedDict()
    meta["format"] = "transfer-train-golden"
    meta["model"] = "tiny-model.safetensors"
    meta["generator"] = "tools/make_train_goldens.py"
    meta["config"] = json.dumps(cfg)
    meta["classes"] = json.dumps(classes)
    meta["keys"] = json.dumps(keys)
    meta["params"] = json.dumps(names)
    meta["running"] = json.dumps(rnames)
    meta["bn_momentum"] = "0.1"
    meta["notes"] = ("float64 computation from the F32 weights and F32-rounded inputs, stored F32. "
                     "The loss is a batch mean, so gradients are averaged over the batch "
                     "(dL/dlogits = (softmax - q) / N). MAD/MSAD are forced by mad_drop/msad_drop "
                     "(no rescaling); the train case's running statistics start from the model "
                     "file's; the eval case uses the file's statistics unchanged")
    gpath = os.path.join(gdir, "tiny-train-golden.safetensors")
    ref.write_safetensors(gpath, golden, meta)

    back, bmeta = ref.read_safetensors(gpath)
    assert bmeta == meta and list(back) == list(golden)
    for k2 in golden:
        assert torch.equal(back[k2], golden[k2]), k2
    print("%s: %d tensors, %d bytes" % (gpath, len(golden), os.path.getsize(gpath)))


if __name__ == "__main__":
    main()
