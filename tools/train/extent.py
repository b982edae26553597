#!/usr/bin/env python3
"""The extent (hysteresis) threshold of the shipped model, as docs/model-card.md states it.

A crack is a connected region (8-neighbours) of pixels >= extent holding a pixel >= the
model's threshold. For each extent, prints F1 at 2 px tolerance and the skeleton length of
the predicted cracks over the labels' on the select split (where the extent is chosen: the
lowest that keeps F1 within 0.005 of the threshold alone; crackmon's default, half the
threshold, must pass that test), then on the report splits.
Runs the ONNX model with ONNX Runtime on whole images (all are multiples of 16 or padded).

    python3 tools/train/extent.py [--model Sources/Segmentation/Resources/crackunet.onnx]
"""
import argparse
import json
import os

import numpy as np
import onnxruntime as ort
from PIL import Image
from scipy import ndimage
from skimage.morphology import skeletonize

import metrics

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "../../../shared/datasets/cracks")


def predict(session, path):
    x = np.asarray(Image.open(path).convert("RGB"), np.float32) / 255
    h, w = x.shape[:2]
    x = np.pad(x, ((0, (16 - h % 16) % 16), (0, (16 - w % 16) % 16), (0, 0)), mode="reflect")
    return session.run(None, {session.get_inputs()[0].name: x.transpose(2, 0, 1)[None]})[0][0, 0, :h, :w]


def label(image_path):
    folder = os.path.dirname(image_path).replace("images", "masks")
    stem = os.path.splitext(os.path.basename(image_path))[0]
    name = next(f for f in os.listdir(folder) if os.path.splitext(f)[0] == stem)
    return np.asarray(Image.open(os.path.join(folder, name)).convert("L")) > 127


def skeleton_length(mask):
    s = skeletonize(mask).astype(np.uint8)
    straight = (s[:, 1:] & s[:, :-1]).sum() + (s[1:, :] & s[:-1, :]).sum()
    diagonal = (s[1:, 1:] & s[:-1, :-1]).sum() + (s[1:, :-1] & s[:-1, 1:]).sum()
    return straight + np.sqrt(2) * diagonal


def hysteresis(p, threshold, extent):
    regions, n = ndimage.label(p >= extent, structure=np.ones((3, 3)))
    keep = np.zeros(n + 1, bool)
    keep[np.unique(regions[p >= threshold])] = True
    keep[0] = False
    return keep[regions]


def sweep(name, session, paths, threshold):
    probs = [predict(session, p) for p in paths]
    gts = [label(p) for p in paths]
    length = sum(skeleton_length(g) for g in gts)
    # The threshold alone, crackmon's default extent (half the threshold), and a grid below.
    for extent in sorted({threshold, threshold / 2} | {e for e in [0.6, 0.5, 0.4, 0.3, 0.2, 0.1] if e < threshold},
                         reverse=True):
        masks = [hysteresis(p, threshold, extent) for p in probs]
        f, precision, recall = metrics.f1(sum(np.array(metrics.counts(m, g, 2)) for m, g in zip(masks, gts)))
        ratio = sum(skeleton_length(m) for m in masks) / length
        print(f"{name:9s} extent {extent:.3f}: F1@2px {f:.3f} P {precision:.3f} R {recall:.3f}  length / labels {ratio:.3f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=os.path.join(HERE, "../../Sources/Segmentation/Resources/crackunet.onnx"))
    args = parser.parse_args()
    session = ort.InferenceSession(args.model)
    threshold = float(session.get_modelmeta().custom_metadata_map.get("threshold", 0.6))
    run = json.load(open(os.path.join(HERE, "records/crackunet-v1/run.json")))
    sweep("select", session, [os.path.join(DATA, p) for p in run["splits"]["select"]], threshold)
    uav = os.path.join(DATA, "uav75/val/images")
    sweep("UAV75 val", session, [os.path.join(uav, f) for f in sorted(os.listdir(uav))], threshold)
    cfd = os.path.join(DATA, "cfd/images")
    ids = open(os.path.join(DATA, "cfd/splits/test_073-118.txt")).read().split()
    names = {os.path.splitext(f)[0]: f for f in os.listdir(cfd)}
    sweep("CFD test", session, [os.path.join(cfd, names[i]) for i in ids], threshold)


if __name__ == "__main__":
    main()
