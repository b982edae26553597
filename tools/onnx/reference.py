#!/usr/bin/env python3
"""ONNX Runtime's output for a fixed input: the reference crackmon's engine must match.

    python3 tools/onnx/reference.py MODEL.onnx > fixtures/model/reference-output.json

The input is a formula both sides compute (no file needed): channel c, row y, column x of
a 1 x 3 x 512 x 512 tile is 0.5 + 0.45 * sin(0.031 * x + 0.017 * y + 1.3 * c) * cos(0.011 * x * y / 512).
The output is sampled at every 61st position, plus its sum.
"""
import json
import sys

import numpy as np
import onnxruntime as ort

SIZE = 512
STRIDE = 61


def fixed_input():
    c, y, x = np.meshgrid(np.arange(3), np.arange(SIZE), np.arange(SIZE), indexing="ij")
    v = 0.5 + 0.45 * np.sin(0.031 * x + 0.017 * y + 1.3 * c) * np.cos(0.011 * x * y / SIZE)
    return v.astype(np.float32)[None]


def main():
    session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
    out = session.run(None, {session.get_inputs()[0].name: fixed_input()})[0].reshape(-1)
    print(json.dumps({
        "model": sys.argv[1].split("/")[-1], "onnxruntime": ort.__version__, "size": SIZE, "stride": STRIDE,
        "samples": [float(v) for v in out[::STRIDE]], "sum": float(out.astype(np.float64).sum()),
    }))


if __name__ == "__main__":
    main()
