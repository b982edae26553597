#!/usr/bin/env bash
# Registration time per photo pair at 12 MP: crackmon register against the OpenCV
# Python peer (tools/bench/register_baseline.py) on the same pairs, in the same run.
# Pairs: CFD's three real revisits (001/095, 004/008, 012/013) and two UAV75 val photos
# warped by a homography, all upscaled (bicubic) to 4000 x 3000 and saved as JPEG q92.
# Needs a release build (swift build -c release --product crackmon) and opencv-python.
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=../shared/datasets/cracks
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$shared" "$work" <<'PY'
import sys, cv2, numpy as np
shared, work = sys.argv[1:]
big = lambda img: cv2.resize(img, (4000, 3000), interpolation=cv2.INTER_CUBIC)
save = lambda name, img: cv2.imwrite(f"{work}/{name}.jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 92])
for a, b in [("001", "095"), ("004", "008"), ("012", "013")]:
    save(f"cfd{a}", big(cv2.imread(f"{shared}/cfd/images/{a}.jpg")))
    save(f"cfd{b}", big(cv2.imread(f"{shared}/cfd/images/{b}.jpg")))
h = np.array([[0.95, -0.2, 600], [0.18, 0.97, -300], [2e-5, -1e-5, 1]])
for name in ["DSC00551", "DSC00566"]:
    img = big(cv2.imread(f"{shared}/uav75/val/images/{name}.jpg"))
    save(name, img)
    save(name + "w", cv2.warpPerspective(img, h, (4000, 3000)))
PY
pairs=(cfd001 cfd095 cfd004 cfd008 cfd012 cfd013 DSC00551 DSC00551w DSC00566 DSC00566w)
args=()
for p in "${pairs[@]}"; do args+=("$work/$p.jpg"); done
echo "crackmon register, 5 pairs:"
/usr/bin/time -f "  wall %e s, peak RSS %M KB" bash -c '
  set -- "$@"
  while [ $# -gt 0 ]; do .build/release/crackmon register "$1" "$2" | head -2 | tail -1; shift 2; done' _ "${args[@]}"
echo "OpenCV Python peer, same 5 pairs (one process, no start-up per pair):"
/usr/bin/time -f "  wall %e s, peak RSS %M KB" python3 tools/bench/register_baseline.py "${args[@]}"
