"""Trains CrackUNet on the shared crack datasets, on the CPU, resumably.

    python3 tools/train/train.py --run crackunet-v1 --epochs 30

Writes tools/train/runs/<run>/: checkpoint.pt (every epoch; the run resumes from it),
best.pt (best threshold-selection F1), log.jsonl, and run.json (command, seed, versions
and the exact file lists). Input: RGB / 255, NCHW float32. Output: crack logits.
"""
import argparse
import hashlib
import json
import math
import os
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

import data
import metrics
from export import import_onnx
from model import CrackUNet, count_flops, count_parameters

HERE = Path(__file__).resolve().parent


# Training sources: each is the split "train_<name>" (data.py).
SOURCES = ("uav75", "cfd", "khanh", "wide", "deepcrack", "gaps", "exif")


def parse_mix(text):
    """`uav75=0.5,cfd=0.5` -> {"uav75": 0.5, "cfd": 0.5}; one sentence for argparse when wrong."""
    mix = {}
    for part in text.split(","):
        name, _, share = part.partition("=")
        if name not in SOURCES:
            raise argparse.ArgumentTypeError(f"unknown source {name!r} in {text!r}; sources: {', '.join(SOURCES)}")
        try:
            mix[name] = float(share)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} needs a share, as in {name}=0.25") from None
        if not 0 <= mix[name] <= 1:
            raise argparse.ArgumentTypeError(f"{part!r}: a share is between 0 and 1")
    if abs(sum(mix.values()) - 1) > 1e-6:
        raise argparse.ArgumentTypeError(f"the shares in {text!r} add up to {sum(mix.values()):g}, not 1")
    return mix


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", default="crackunet-v1")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--patches-per-epoch", type=int, default=2000)
    p.add_argument("--patch", type=int, default=256)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=20261122)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--init", help="start from these weights (fine-tuning): a checkpoint relative to runs/, "
                                  "or an exported .onnx model relative to the repository root (needs --freeze-bn); "
                                  "fine-tuning wants about a tenth of the default --lr")
    p.add_argument("--freeze-bn", action="store_true",
                   help="keep BatchNorm statistics fixed (eval mode) while the weights train")
    p.add_argument("--select", choices=["ods", "ods+exact", "exact", "exact+wide"], default="ods",
                   help="keep the checkpoint with the best select-set ODS F1 (2 px), ODS F1 + exact-pixel F1 "
                        "at 0.5, exact-pixel ODS F1, or that plus the exact-pixel F1 on select_wide at the "
                        "same threshold (so that filling wide cracks counts)")
    p.add_argument("--mix", type=parse_mix, default="uav75=0.40,cfd=0.25,khanh=0.35",
                   help=f"share of patches from each source ({', '.join(SOURCES)}), adding up to 1")
    p.add_argument("--zoom", type=float, default=0,
                   help="share of patches cut smaller and enlarged 1-4x (log-uniform), so that the model "
                        "sees cracks as wide as a close, high-resolution photo shows them")
    return p.parse_args()


class Sampler:
    """Random training patches: positives near cracks, random crops, and UAV75
    formwork-joint ("planking") crops as hard negatives."""

    def __init__(self, split, patch, rng, mix, zoom=0.0):
        self.patch, self.rng, self.zoom = patch, rng, zoom
        # Only sources the mix draws from are read, and an image in two of them (wide cracks
        # are also khanh-mixed) is held once.
        loaded = {}
        for name in mix:
            for pair in split[f"train_{name}"] if mix[name] > 0 else []:
                if pair[0] not in loaded:
                    loaded[pair[0]] = self._load(pair, planking=name == "uav75")
        self.sources = {name: [loaded[pair[0]] for pair in split[f"train_{name}"] if pair[0] in loaded]
                        for name in mix}
        self.weights = mix

    @staticmethod
    def _load(pair, planking=False):
        image, mask = pair
        if mask is None:  # a crack-free photo
            rgb = data.load_photo(image)
            item = {"image": rgb, "mask": np.zeros(rgb.shape[:2], bool)}
        else:
            item = {"image": data.load_image(image), "mask": data.load_mask(mask)}
        item["crack_px"] = np.argwhere(item["mask"])
        if planking:
            pm = data.planking_mask(image)
            item["planking_px"] = np.argwhere(pm & ~item["mask"]) if pm is not None else np.zeros((0, 2), int)
        return item

    def _crop_at(self, item, centre):
        image, mask = item["image"], item["mask"]
        scale = math.exp(self.rng.uniform(0, math.log(4))) if self.rng.random() < self.zoom else 1.0
        s = max(16, int(round(self.patch / scale)))
        h, w = mask.shape
        if h < s or w < s:  # small crops (LMM) are mirrored out to the patch size
            ph, pw = max(0, s - h), max(0, s - w)
            image = np.pad(image, ((0, ph), (0, pw), (0, 0)), mode="reflect")
            mask = np.pad(mask, ((0, ph), (0, pw)), mode="reflect")
            h, w = mask.shape
        cy, cx = centre
        y = int(np.clip(cy - s // 2 + self.rng.integers(-s // 4, s // 4 + 1), 0, h - s))
        x = int(np.clip(cx - s // 2 + self.rng.integers(-s // 4, s // 4 + 1), 0, w - s))
        image, mask = image[y:y + s, x:x + s], mask[y:y + s, x:x + s]
        if s != self.patch:
            size = (self.patch, self.patch)
            image = np.asarray(Image.fromarray(image).resize(size, Image.BICUBIC))
            # A pixel of the enlarged label is crack where the enlarged label covers half of it.
            soft = Image.fromarray(mask.astype(np.float32)).resize(size, Image.BILINEAR)
            mask = np.asarray(soft) >= 0.5
        return image, mask

    def patch_pair(self):
        source = self.rng.choice(list(self.weights), p=list(self.weights.values()))
        item = self.sources[source][self.rng.integers(len(self.sources[source]))]
        h, w = item["mask"].shape
        roll = self.rng.random()
        if source == "uav75" and roll < 0.3 and len(item["planking_px"]):
            centre = item["planking_px"][self.rng.integers(len(item["planking_px"]))]
        elif roll < 0.75 and len(item["crack_px"]):
            centre = item["crack_px"][self.rng.integers(len(item["crack_px"]))]
        else:
            centre = (self.rng.integers(h), self.rng.integers(w))
        image, mask = self._crop_at(item, centre)
        return self._augment(image, mask)

    def _augment(self, image, mask):
        k = int(self.rng.integers(4))
        image, mask = np.rot90(image, k), np.rot90(mask, k)
        if self.rng.random() < 0.5:
            image, mask = image[:, ::-1], mask[:, ::-1]
        x = image.astype(np.float32) / 255.0
        contrast = self.rng.uniform(0.7, 1.3)
        brightness = self.rng.uniform(-0.15, 0.15)
        x = np.clip((x - x.mean()) * contrast + x.mean() + brightness, 0, 1)
        return np.ascontiguousarray(x.transpose(2, 0, 1)), np.ascontiguousarray(mask[None].astype(np.float32))

    def batch(self, n):
        pairs = [self.patch_pair() for _ in range(n)]
        x = torch.from_numpy(np.stack([p[0] for p in pairs]))
        y = torch.from_numpy(np.stack([p[1] for p in pairs]))
        # Blur a third of the batch (motion, focus): 3x3 or 5x5 Gaussian.
        for i in range(n):
            if self.rng.random() < 0.33:
                sigma = self.rng.uniform(0.5, 1.5)
                r = 2
                g = torch.exp(-torch.arange(-r, r + 1, dtype=torch.float32) ** 2 / (2 * sigma ** 2))
                g = (g / g.sum())
                kernel = (g[:, None] * g[None, :]).expand(3, 1, 2 * r + 1, 2 * r + 1)
                x[i:i + 1] = F.conv2d(F.pad(x[i:i + 1], (r, r, r, r), mode="reflect"), kernel, groups=3)
        return x, y


def loss_fn(logits, target):
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    inter = (p * target).sum()
    dice = 1 - (2 * inter + 1) / (p.sum() + target.sum() + 1)
    return bce + dice


def predict(model, image):
    """Probability map for one HxWx3 uint8 image, padded to a multiple of 16."""
    h, w = image.shape[:2]
    ph, pw = (-h) % 16, (-w) % 16
    x = torch.from_numpy(image.astype(np.float32).transpose(2, 0, 1)[None] / 255.0)
    x = F.pad(x, (0, pw, 0, ph), mode="reflect")
    with torch.no_grad():
        return torch.sigmoid(model(x))[0, 0, :h, :w].numpy()


def train_mode(model, freeze_bn):
    model.train()
    if freeze_bn:
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()


def evaluate(model, pairs, freeze_bn, threshold=0.5):
    model.eval()
    probs = [predict(model, data.load_image(i)) for i, _ in pairs]
    gts = [data.load_mask(m) for _, m in pairs]
    train_mode(model, freeze_bn)
    return metrics.evaluate(probs, gts, threshold)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    run_dir = HERE / "runs" / args.run
    run_dir.mkdir(parents=True, exist_ok=True)
    split = data.splits()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    model = CrackUNet()
    init_onnx = HERE.parents[1] / args.init if args.init and args.init.endswith(".onnx") else None
    if init_onnx:
        if not args.freeze_bn:
            sys.exit("--init MODEL.onnx needs --freeze-bn: its BatchNorms are identities that batch statistics would replace")
        import_onnx(model, init_onnx)
    elif args.init:
        model.load_state_dict(torch.load(HERE / "runs" / args.init, weights_only=False)["model"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = args.patches_per_epoch // args.batch
    total_steps = args.epochs * steps_per_epoch

    def lr_at(step):  # linear warm-up, then cosine to 2 % of the peak
        warm = steps_per_epoch
        if step < warm:
            return (step + 1) / warm
        return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total_steps - warm)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)
    start_epoch, best = 0, -1.0
    checkpoint = run_dir / "checkpoint.pt"
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start_epoch, best = state["epoch"], state["best"]
        rng = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        print(f"resuming {args.run} at epoch {start_epoch}", flush=True)
        # A resumed run may change the schedule (--epochs): keep every command in the record.
        record = json.loads((run_dir / "run.json").read_text())
        record.setdefault("resumed", []).append(
            {"at_epoch": start_epoch, "command": " ".join([sys.executable.split("/")[-1]] + sys.argv)})
        (run_dir / "run.json").write_text(json.dumps(record, indent=1))
    else:
        (run_dir / "run.json").write_text(json.dumps({
            "command": " ".join([sys.executable.split("/")[-1]] + sys.argv),
            "args": vars(args),
            "versions": {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__},
            "init_sha256": hashlib.sha256(init_onnx.read_bytes()).hexdigest() if init_onnx else None,
            "parameters": count_parameters(model),
            "gflops_per_512_tile": count_flops(model) / 1e9,
            "splits": {k: [os.path.relpath(i, data.ROOT) for i, _ in v] for k, v in split.items()},
        }, indent=1))

    sampler = Sampler(split, args.patch, rng, args.mix, args.zoom)
    train_mode(model, args.freeze_bn)
    for epoch in range(start_epoch, args.epochs):
        t0, total = time.time(), 0.0
        for _ in range(steps_per_epoch):
            x, y = sampler.batch(args.batch)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item()
        select = evaluate(model, split["select"], args.freeze_bn)
        wide = evaluate(model, split["select_wide"], args.freeze_bn, select["ods_threshold_exact"])
        record = {"epoch": epoch + 1, "loss": total / steps_per_epoch, "lr": scheduler.get_last_lr()[0],
                  "select_ods_f1": select["ods_f1"], "select_ods_threshold": select["ods_threshold"],
                  "select_f1_at_0.5": select["f1"], "select_f1_exact_at_0.5": select["f1_exact"],
                  "select_ods_f1_exact": select["ods_f1_exact"], "select_ods_threshold_exact": select["ods_threshold_exact"],
                  "select_wide_f1_exact": wide["f1_exact"], "select_wide_recall_exact": wide["recall_exact"],
                  "seconds": time.time() - t0}
        print(json.dumps(record), flush=True)
        with open(run_dir / "log.jsonl", "a") as log:
            log.write(json.dumps(record) + "\n")
        score = {"ods": select["ods_f1"], "ods+exact": select["ods_f1"] + select["f1_exact"],
                 "exact": select["ods_f1_exact"], "exact+wide": select["ods_f1_exact"] + wide["f1_exact"]}[args.select]
        if score > best:
            best = score
            torch.save({"model": model.state_dict(), "epoch": epoch + 1, "select": select}, run_dir / "best.pt")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "epoch": epoch + 1, "best": best,
                    "rng": sampler.rng, "torch_rng": torch.get_rng_state()}, checkpoint.with_suffix(".tmp"))
        checkpoint.with_suffix(".tmp").replace(checkpoint)


if __name__ == "__main__":
    main()
