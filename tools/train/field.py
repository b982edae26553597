#!/usr/bin/env python3
"""Figures that predict the field, beyond the report splits (issue 21, part 1).

Runs an ONNX crack model with ONNX Runtime and finds cracks as crackmon does: a crack is a
connected region (8-neighbours) of pixels >= half the threshold that holds a pixel >= the
threshold, with a skeleton at least MIN_LENGTH_PX long.

- unseen: sources no crackmon model has trained on, or whose LMM test split is disjoint from
  training by photo: F1 at 2 px (threshold alone, as `crackmon eval`) and clIoU at 4 px
  (OmniCrack30k: skeletons of label and cracks; a label skeleton pixel is a hit if a crack
  skeleton pixel is within 4 px, a crack skeleton pixel is false if no label skeleton pixel is
  within 4 px; IoU = hits / (hits + misses + false), pooled over the source).
- crackfree: photos with no crack. `exif` is every photo of the EXIF corpus sources that no
  model trained on (data.exif_photos(held_out=True)) that Pillow decodes (at most MAX_SIDE on
  its long side), none of them of a concrete surface; `noncrack` is khanh-mixed's crack-free images (the shipped models trained on
  them: marked seen); `planking` is UAV75 val's formwork joints more than 5 px from any labelled
  crack. Figures: share of images with any crack, cracks per image, crack length per megapixel.
- scale: each image upscaled 2x, 3x, 4x (bicubic), its label by nearest neighbour: crack
  length found over the label skeleton's length times the scale, and cracks per image.
  `select` (UAV75 train, held out from training) is where scale handling is chosen; `uav75-val`
  is only reported.

The model alone, on each photo's own pixels: crackmon's detail-matched inference
(InferenceScale) is measured by `crackmon eval --upscale K` in evaluate.sh.

    python3 tools/train/field.py [--model M.onnx] [--sets unseen,crackfree,scale]
"""
import argparse
import json
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image
from scipy import ndimage
from skimage.morphology import skeletonize

import data

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "datasets"
MIN_LENGTH_PX = 10
MAX_SIDE = 2048


def length(skeleton):
    s = skeleton.astype(np.uint8)
    straight = (s[:, 1:] & s[:, :-1]).sum() + (s[1:, :] & s[:-1, :]).sum()
    diagonal = (s[1:, 1:] & s[:-1, :-1]).sum() + (s[1:, :-1] & s[:-1, 1:]).sum()
    return float(straight + np.sqrt(2) * diagonal)


class Model:
    def __init__(self, path):
        options = ort.SessionOptions()
        options.intra_op_num_threads = os.cpu_count()
        self.session = ort.InferenceSession(str(path), options)
        self.threshold = float(self.session.get_modelmeta().custom_metadata_map.get("threshold", 0.6))

    def run(self, x):
        """Probability map of an H x W x 3 float image, whole (padded to multiples of 16)."""
        h, w = x.shape[:2]
        x = np.pad(x, ((0, (16 - h % 16) % 16), (0, (16 - w % 16) % 16), (0, 0)), mode="reflect")
        name = self.session.get_inputs()[0].name
        return self.session.run(None, {name: x.transpose(2, 0, 1)[None]})[0][0, 0, :h, :w]

    def probability(self, rgb):
        x = np.asarray(rgb, np.float32) / 255
        return self.run(x)

    def cracks(self, p):
        """Label image of the cracks (0 = none) and their skeleton lengths."""
        regions, n = ndimage.label(p >= self.threshold / 2, structure=np.ones((3, 3)))
        keep = np.zeros(n + 1, bool)
        keep[np.unique(regions[p >= self.threshold])] = True
        keep[0] = False
        mask = keep[regions]
        skeleton = skeletonize(mask)
        out = np.zeros_like(regions)
        lengths = []
        for k, box in enumerate(ndimage.find_objects(np.where(mask, regions, 0)), start=1):
            if box is None or not keep[k]:
                continue
            piece = skeleton[box] & (regions[box] == k)
            ln = length(piece)
            if ln >= MIN_LENGTH_PX:
                out[box][regions[box] == k] = len(lengths) + 1
                lengths.append(ln)
        return out, lengths


def cl_counts(found, truth, tolerance=4):
    """(hits, misses, false) of skeletons, OmniCrack30k's clIoU."""
    ts, fs = skeletonize(truth), skeletonize(found)
    near_f = ndimage.distance_transform_edt(~fs) <= tolerance if fs.any() else np.zeros_like(fs)
    near_t = ndimage.distance_transform_edt(~ts) <= tolerance if ts.any() else np.zeros_like(ts)
    hits = np.count_nonzero(ts & near_f)
    return np.array([hits, np.count_nonzero(ts) - hits, np.count_nonzero(fs & ~near_t)])


def f1_counts(p, truth, threshold, tolerance=2):
    pred = p >= threshold
    near_t = ndimage.distance_transform_edt(~truth) <= tolerance
    near_p = ndimage.distance_transform_edt(~pred) <= tolerance if pred.any() else np.zeros_like(pred)
    return np.array([np.count_nonzero(pred & near_t), np.count_nonzero(pred),
                     np.count_nonzero(truth & near_p), np.count_nonzero(truth)])


def f1(c):
    p = c[0] / c[1] if c[1] else 0.0
    r = c[2] / c[3] if c[3] else 1.0
    return 2 * p * r / (p + r) if p + r else 0.0


def lmm(name, split):
    root = SHARED / "cracks" / name
    stems = (root / "splits" / f"{split}.txt").read_text().split() if split else None
    return data._pairs(root / "images", root / "masks", set(stems) if stems else None)


def unseen(model):
    sets = {
        "lmm-shadowcrack test (unseen source)": lmm("lmm-shadowcrack", "test"),
        "lmm-aiglern-trimm all (unseen source)": lmm("lmm-aiglern-trimm", None),
        "lmm-deepcrack test (DeepCrack photos partly in khanh-mixed)": lmm("lmm-deepcrack", "test"),
        "lmm-gaps384 test (GAPs photos partly in khanh-mixed)": lmm("lmm-gaps384", "test"),
    }
    out = {}
    for name, pairs in sets.items():
        fc, cc = np.zeros(4), np.zeros(3)
        for image, mask in pairs:
            rgb, truth = data.load_image(image), data.load_mask(mask)
            p = model.probability(rgb)
            fc += f1_counts(p, truth, model.threshold)
            cc += cl_counts(model.cracks(p)[0] > 0, truth)
        out[name] = {"images": len(pairs), "f1_2px": f1(fc), "cliou_4px": cc[0] / cc.sum()}
        print(f"{name}: {len(pairs)} images, F1@2px {f1(fc):.3f}, clIoU@4px {cc[0] / cc.sum():.3f}", flush=True)
    return out


def exif_photos():
    for path in data.exif_photos(held_out=True):
        yield os.path.relpath(path, data.EXIF), data.load_photo(path, MAX_SIDE)


def crackfree(model):
    out = {}
    sets = {
        "exif held-out sources (not concrete)": exif_photos(),
        "khanh-mixed noncrack (seen in training)": (
            (p.name, data.load_image(p)) for p in sorted((SHARED / "cracks/khanh-mixed/images").glob("noncrack*"))),
    }
    for name, photos in sets.items():
        n = with_cracks = count = 0
        total_length = megapixels = 0.0
        worst = []
        for path, rgb in photos:
            cracks, lengths = model.cracks(model.probability(rgb))
            n += 1
            with_cracks += bool(lengths)
            count += len(lengths)
            total_length += sum(lengths)
            megapixels += rgb.shape[0] * rgb.shape[1] / 1e6
            worst.append((len(lengths), path))
        out[name] = {"images": n, "share_with_cracks": with_cracks / n, "cracks_per_image": count / n,
                     "false_length_px_per_mp": total_length / megapixels}
        print(f"{name}: {n} images, {with_cracks / n:.2f} with cracks, {count / n:.2f} cracks per image, "
              f"{total_length / megapixels:.0f} px of crack per MP; most: {sorted(worst)[-3:]}", flush=True)
    # Formwork joints of UAV75 val away from labelled cracks.
    joint = found = 0.0
    for image, mask in data.uav75("val"):
        planking = data.planking_mask(image)
        if planking is None:
            continue
        truth = data.load_mask(mask)
        far = planking & (ndimage.distance_transform_edt(~truth) > 5)
        cracks, _ = model.cracks(model.probability(data.load_image(image)))
        skeleton = skeletonize(cracks > 0)
        joint += length(skeletonize(far))
        found += length(skeleton & ndimage.binary_dilation(far, iterations=3))
    out["uav75 val formwork joints"] = {"joint_length_px": joint, "found_as_crack": found / joint if joint else 0}
    print(f"uav75 val formwork joints: {found / joint:.2f} of {joint:.0f} px of joint found as crack", flush=True)
    return out


def scale(model, name, pairs, factors=(1, 2, 3, 4)):
    out = {}
    for s in factors:
        found = labelled = pieces = 0.0
        for image, mask in pairs:
            rgb, truth = Image.open(image).convert("RGB"), Image.open(mask).convert("L")
            if s != 1:
                rgb = rgb.resize((rgb.width * s, rgb.height * s), Image.BICUBIC)
                truth = truth.resize((truth.width * s, truth.height * s), Image.NEAREST)
            truth = np.asarray(truth) > 127
            cracks, lengths = model.cracks(model.probability(np.asarray(rgb)))
            # Found length counts only cracks near a label, so false cracks do not make up for lost ones.
            near = ndimage.distance_transform_edt(~truth) <= 2 * s + 2
            found += length(skeletonize(cracks > 0) & near)
            labelled += length(skeletonize(truth))
            pieces += len(lengths)
        out[s] = {"length_ratio": found / labelled, "cracks_per_image": pieces / len(pairs)}
        print(f"{name} at {s}x: found / labelled length {found / labelled:.3f}, "
              f"{pieces / len(pairs):.1f} cracks per image", flush=True)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=HERE.parents[1] / "Sources/Segmentation/Resources/crackunet.onnx")
    parser.add_argument("--sets", default="unseen,crackfree,scale")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    model = Model(args.model)
    figures = {"model": str(args.model)}
    sets = args.sets.split(",")
    if "scale" in sets:
        s = data.splits()
        figures["scale select"] = scale(model, "select (UAV75)", s["select"][:5])
        figures["scale uav75 val"] = scale(model, "UAV75 val", s["report_uav75_val"])
    if "unseen" in sets:
        figures["unseen"] = unseen(model)
    if "crackfree" in sets:
        figures["crackfree"] = crackfree(model)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1, default=str))


if __name__ == "__main__":
    main()
