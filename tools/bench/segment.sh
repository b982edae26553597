#!/usr/bin/env bash
# Benchmark: whole-photo segmentation, JPEG in and crack JSON out, for 20 photos of 12 MP,
# crackmon against the Python baseline (Pillow + ONNX Runtime, tools/bench/segment_baseline.py)
# on the same ONNX model, in the same run. Also: per-tile engine time, oneDNN vs ONNX Runtime.
# Needs a release build (tools/setup.sh) and pip install -r tools/train/requirements.txt.
# The photos: UAV75 val and CFD test images upscaled (bicubic) to 4000 x 3000 with Pillow.
set -euo pipefail
cd "$(dirname "$0")/../.."
crackmon=$PWD/.build/release/crackmon
model=Sources/Segmentation/Resources/crackunet.onnx
work=/tmp/crackmon-bench-segment
mkdir -p "$work/photos"
python3 - "$work/photos" <<'PY'
import pathlib, sys
from PIL import Image
root = pathlib.Path("../shared/datasets/cracks")
sources = sorted((root / "uav75/val/images").iterdir())[:10] + sorted((root / "cfd/images").glob("1[01]*.jpg"))[:10]
for i, src in enumerate(sources):
    out = pathlib.Path(sys.argv[1]) / f"{i:02d}-{src.stem}.jpg"
    if not out.exists():
        Image.open(src).convert("RGB").resize((4000, 3000), Image.BICUBIC).save(out, quality=92)
print(f"{len(sources)} photos of 4000x3000 in {sys.argv[1]}")
PY
photos=("$work"/photos/*.jpg)

run() {  # label, command...: wall time and peak RSS
  local label=$1; shift
  /usr/bin/time -f "$label %e s %M KB" "$@" > "$work/$label.out" 2> "$work/$label.time" || { cat "$work/$label.time"; exit 1; }
  tail -1 "$work/$label.time"
}
run crackmon "$crackmon" segment "${photos[@]}" --format json
run crackmon-screen "$crackmon" segment "${photos[@]}" --format json --screen "${SCREEN:-0.3}"
run baseline python3 tools/bench/segment_baseline.py "$model" "${photos[@]}"
cat "$work/baseline.out"
