#!/usr/bin/env python3
"""The scene check: is a photo a close view of a built surface (concrete, masonry, asphalt)
that cracks can be measured on, or a scene (a landscape, people, a room, a roof from the air)?

A small CNN ("SceneNet") sees the whole photo squeezed to SIZE x SIZE and answers, for each
cell of an 8 x 8 grid, the probability that the cell is surface; the photo's surface score is
the mean over the grid. crackmon runs it before segmenting (`Segmentation/SceneCheck.swift`).

Data (none of it from the report sets of the crack model):
- surface (train): UAV75 train, CFD 001-072, khanh-mixed (crack and crack-free), LMM DeepCrack
  and GAPs384 train crops.
- scene (train): the EXIF corpus sources in data.EXIF_TRAIN (exif-py, exiv2).
- report, never used for a choice: surface = UAV75 val, CFD test, LMM ShadowCrack test and
  AigleRN (sources the crack model never saw either); scene = every other EXIF source.
The threshold is 0.5, fixed before training; the checkpoint is the last epoch.

    python3 tools/train/scene.py --epochs 30           # trains, writes runs/scene/scene.onnx
    python3 tools/train/scene.py --report-only          # the figures of runs/scene/scene.onnx
"""
import argparse
import json
import math
import os
import platform
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageFilter

import data

HERE = Path(__file__).resolve().parent
SIZE = 128
SEED = 20261205


class SceneNet(nn.Module):
    """Four 3x3 conv + ReLU + 2x2 max-pool stages (16-32-64-64), a 3x3 conv and a 1x1 head:
    an 8 x 8 map of surface probabilities for a 128 x 128 input."""

    def __init__(self):
        super().__init__()
        widths = [3, 16, 32, 64, 64]
        layers = []
        for a, b in zip(widths, widths[1:]):
            layers += [nn.Conv2d(a, b, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        layers += [nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 1, 1)]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


def thumbnail(path, max_side=1024):
    with Image.open(path) as im:
        im.draft("RGB", (max_side, max_side))
        im = im.convert("RGB")
        im.thumbnail((max_side, max_side))
        return im.copy()


def squeeze(im):
    """The whole photo at SIZE x SIZE, as crackmon gives it to the net (area averaging)."""
    return np.asarray(im.resize((SIZE, SIZE), Image.BOX), np.float32) / 255


def sets():
    s = data.splits()
    surface_train = [p for k in ("train_uav75", "train_cfd", "train_khanh", "train_deepcrack", "train_gaps")
                     for p, _ in s[k]] + [p for p, _ in s["select"]]
    surface_report = {
        "UAV75 val": [p for p, _ in s["report_uav75_val"]],
        "CFD test": [p for p, _ in s["report_cfd_test"]],
        "LMM ShadowCrack test (unseen source)": [p for p, _ in data.lmm("lmm-shadowcrack", "test")],
        "LMM AigleRN (unseen source)": [p for p, _ in data.lmm("lmm-aiglern-trimm", None)],
    }
    return surface_train, data.exif_photos(held_out=False), surface_report, data.exif_photos(held_out=True)


class Augment:
    def __init__(self, rng):
        self.rng = rng

    def __call__(self, im):
        r = self.rng
        w, h = im.size
        # A crop of at least half of each side: still the same kind of view.
        cw, ch = int(w * r.uniform(0.5, 1)), int(h * r.uniform(0.5, 1))
        x, y = int(r.integers(0, w - cw + 1)), int(r.integers(0, h - ch + 1))
        im = im.crop((x, y, x + cw, y + ch))
        if r.random() < 0.3:  # soft or small sources: blur either class alike
            im = im.filter(ImageFilter.GaussianBlur(r.uniform(0.5, 2.0) * max(cw, ch) / SIZE))
        a = squeeze(im)
        if r.random() < 0.5:
            a = a[:, ::-1]
        a = np.rot90(a, int(r.integers(4)))
        if r.random() < 0.2:  # grey photos (thermal, black-and-white, grey concrete) of both kinds
            a = np.repeat(a.mean(2, keepdims=True), 3, 2)
        a = np.clip((a - a.mean()) * r.uniform(0.7, 1.3) + a.mean() + r.uniform(-0.15, 0.15), 0, 1)
        return np.ascontiguousarray(a.transpose(2, 0, 1))


def score(model, ims):
    model.eval()
    with torch.no_grad():
        x = torch.from_numpy(np.stack([squeeze(im).transpose(2, 0, 1) for im in ims]))
        return torch.sigmoid(model(x)).mean(dim=(1, 2, 3)).numpy()


def report(model, surface_report, scene_report):
    out = {}
    for name, paths in surface_report.items():
        s = score(model, [thumbnail(p) for p in paths])
        out[name] = {"images": len(paths), "passed": float((s >= 0.5).mean())}
        print(f"surface {name}: {len(paths)} images, {100 * (s >= 0.5).mean():.1f} % pass", flush=True)
    by_source = {}
    for p in scene_report:
        by_source.setdefault(p.relative_to(data.EXIF / "images").parts[0], []).append(p)
    flagged = total = 0
    for source, paths in sorted(by_source.items()):
        s = score(model, [thumbnail(p) for p in paths])
        out[f"exif {source}"] = {"images": len(paths), "flagged": float((s < 0.5).mean())}
        flagged += int((s < 0.5).sum())
        total += len(paths)
        print(f"scene exif/{source}: {len(paths)} photos, {100 * (s < 0.5).mean():.1f} % flagged", flush=True)
    print(f"scene, all held-out EXIF sources: {total} photos, {100 * flagged / total:.1f} % flagged")
    out["exif held out"] = {"images": total, "flagged": flagged / total}
    return out


def export(model, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, SIZE, SIZE), str(path), input_names=["image"],
                      output_names=["surface_logit"], opset_version=17, dynamo=False)
    import onnx
    graph = onnx.load(str(path))
    # The sigmoid belongs in the graph, as in crackunet: the output is a probability.
    last = graph.graph.output[0].name
    graph.graph.node.append(onnx.helper.make_node("Sigmoid", [last], ["surface"]))
    graph.graph.output[0].name = "surface"
    for key, value in {"name": "scenenet", "version": "1.0.0", "threshold": "0.5", "input_size": str(SIZE)}.items():
        graph.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.checker.check_model(graph)
    onnx.save(graph, str(path))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--steps", type=int, default=60, help="batches per epoch")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--report-only", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    run = HERE / "runs" / "scene"
    run.mkdir(parents=True, exist_ok=True)
    surface_train, scene_train, surface_report, scene_report = sets()
    model = SceneNet()
    if args.report_only:
        model.load_state_dict(torch.load(run / "model.pt"))
        report(model, surface_report, scene_report)
        return
    print(f"train: {len(surface_train)} surface, {len(scene_train)} scene", flush=True)
    surfaces = [thumbnail(p, 512) for p in surface_train]
    scenes = [thumbnail(p) for p in scene_train]
    augment = Augment(rng)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    total = args.epochs * args.steps
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: 0.5 * (1 + math.cos(math.pi * k / total)))
    log = []
    for epoch in range(args.epochs):
        losses = []
        model.train()
        for _ in range(args.steps):
            # Half surface, half scene per batch: the scene photos are few, so each is seen often,
            # each time cropped, turned and recoloured differently.
            half = args.batch // 2
            ims = [surfaces[i] for i in rng.integers(len(surfaces), size=half)] + \
                  [scenes[i] for i in rng.integers(len(scenes), size=half)]
            x = torch.from_numpy(np.stack([augment(im) for im in ims]))
            y = torch.cat([torch.ones(half), torch.zeros(half)])
            # Every cell of a surface photo is surface, every cell of a scene is not.
            logits = model(x)
            loss = F.binary_cross_entropy_with_logits(logits.flatten(1), y[:, None].expand(-1, logits[0].numel()))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
        log.append({"epoch": epoch + 1, "loss": float(np.mean(losses))})
        print(json.dumps(log[-1]), flush=True)
        torch.save(model.state_dict(), run / "model.pt")
    figures = report(model, surface_report, scene_report)
    export(model, run / "scene.onnx")
    (run / "run.json").write_text(json.dumps({
        "command": "python3 tools/train/scene.py " + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k != "report_only"),
        "seed": SEED, "versions": {"python": platform.python_version(), "torch": torch.__version__},
        "parameters": sum(p.numel() for p in model.parameters()),
        "train": {"surface": len(surface_train), "scene": [os.path.relpath(p, data.ROOT) for p in scene_train]},
        "log": log, "report": figures}, indent=1))


if __name__ == "__main__":
    main()
