#!/usr/bin/env python3
"""What a user would otherwise do: Pillow decode, tile, ONNX Runtime, stitch, threshold.

Same tiling as crackmon (512 px tiles, 64 px overlap, linear edge ramps, reflect padding),
same ONNX model, 2 threads. Prints photos, tiles, seconds, tiles/s, MP/s and peak RSS.

    python3 tools/bench/segment_baseline.py MODEL.onnx PHOTO...
"""
import json
import resource
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

TILE, OVERLAP = 512, 64


def starts(length):
    if length <= TILE:
        return [0]
    s = list(range(0, length - TILE, TILE - OVERLAP))
    return s + [length - TILE]


def main():
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(sys.argv[1], options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    edge = np.minimum(np.arange(TILE), TILE - 1 - np.arange(TILE))
    ramp = np.minimum(1, (edge + 1) / (OVERLAP + 1)).astype(np.float32)
    weight = ramp[:, None] * ramp[None, :]
    tiles = pixels = 0
    t0 = time.perf_counter()
    for path in sys.argv[2:]:
        image = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"), dtype=np.float32) / 255
        h, w = image.shape[:2]
        pad_h, pad_w = max(0, TILE - h), max(0, TILE - w)
        padded = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode="reflect") if pad_h or pad_w else image
        acc = np.zeros((h, w), np.float32)
        wsum = np.zeros((h, w), np.float32)
        for y in starts(h):
            for x in starts(w):
                tile = padded[y:y + TILE, x:x + TILE].transpose(2, 0, 1)[None]
                p = session.run(None, {name: np.ascontiguousarray(tile)})[0][0, 0]
                hh, ww = min(TILE, h - y), min(TILE, w - x)
                acc[y:y + hh, x:x + ww] += (p * weight)[:hh, :ww]
                wsum[y:y + hh, x:x + ww] += weight[:hh, :ww]
                tiles += 1
        mask = (acc / wsum) >= 0.5
        pixels += h * w
        _ = int(mask.sum())
    seconds = time.perf_counter() - t0
    print(json.dumps({"photos": len(sys.argv) - 2, "tiles": tiles, "seconds": seconds, "tiles_per_s": tiles / seconds,
                      "mp_per_s": pixels / 1e6 / seconds,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
