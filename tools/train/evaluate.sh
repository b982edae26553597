#!/usr/bin/env bash
# The model card's figures, measured by crackmon itself on the report splits:
# UAV75 val (10 images) and CFD test 073-118 (46), 2 px tolerance and exact pixels,
# the model's own threshold, ODS/OIS over thresholds 0.05-0.95. Writes
# docs/model-card-metrics.json (read by the real-data regression test) and prints the text.
set -euo pipefail
cd "$(dirname "$0")/../.."
crackmon=${CRACKMON:-.build/release/crackmon}
data=../shared/datasets/cracks
uav=$("$crackmon" eval --images $data/uav75/val/images --masks $data/uav75/val/masks --format json ${SCREEN:+--screen $SCREEN})
cfd=$("$crackmon" eval --images $data/cfd/images --masks $data/cfd/masks --only $data/cfd/splits/test_073-118.txt --format json ${SCREEN:+--screen $SCREEN})
python3 - "$uav" "$cfd" "${SCREEN:-}" <<'PY'
import json, sys
uav, cfd, screen = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
figures = {"uav75_val": uav, "cfd_test": cfd}
if not screen:
    open("docs/model-card-metrics.json", "w").write(json.dumps(figures, indent=1, sort_keys=True) + "\n")
for name, r in figures.items():
    print(f"{name:10s} images {r['images']:3d}  P {r['precision']:.3f} R {r['recall']:.3f} F1@{r['tolerance_px']:.0f}px {r['f1']:.3f}"
          f"  F1 exact {r['f1_exact']:.3f}  IoU {r['iou']:.3f}  ODS {r['ods_f1']:.3f}@{r['ods_threshold']:.2f}  OIS {r['ois_f1']:.3f}"
          + (f"  (screen {screen})" if screen else ""))
PY
