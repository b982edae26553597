#!/usr/bin/env python3
"""ONNX Runtime's time per 512 x 512 tile on the same model: the peer of `crackmon model bench`.

    python3 tools/bench/tile_ort.py MODEL.onnx [THREADS]
"""
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort

options = ort.SessionOptions()
options.intra_op_num_threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
session = ort.InferenceSession(sys.argv[1], options, providers=["CPUExecutionProvider"])
x = np.random.default_rng(0).random((1, 3, 512, 512), dtype=np.float32)
name = session.get_inputs()[0].name
for _ in range(3):
    session.run(None, {name: x})
times = []
for _ in range(20):
    t = time.perf_counter()
    session.run(None, {name: x})
    times.append((time.perf_counter() - t) * 1000)
print(f"ONNX Runtime {ort.__version__} ({options.intra_op_num_threads} threads): median {statistics.median(times):.1f} ms "
      f"per 512x512 tile (min {min(times):.1f}, max {max(times):.1f}, 20 tiles)")
