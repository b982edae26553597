#!/usr/bin/env bash
# The model card's figures, measured by crackmon itself. Writes docs/model-card-metrics.json
# (read by the real-data regression tests) and prints the text.
#
# - report splits: UAV75 val (10 images) and CFD test 073-118 (46), 2 px tolerance and exact
#   pixels, the model's own threshold, ODS/OIS over thresholds 0.05-0.95, clIoU at 4 px,
#   crack length found over labelled length; UAV75 val also enlarged 2x, 3x, 4x;
# - unseen sources (no crackmon model trained on them): LMM ShadowCrack test, LMM AigleRN;
# - crack-free: the EXIF corpus sources no net trained on (tools/train/data.py EXIF_TRAIN),
#   none of them photos of concrete: the crack net alone, and behind the scene check;
# - crack-free concrete: khanh-mixed's noncrack walls numbered 3 modulo 4, which the crack verifier
#   neither trained nor chose on (tools/train/verifier.py; the crack net trained on them);
# - with the crack verifier, as segment and ingest run, and without it (--all-lines);
# - scene check: labelled surfaces it lets through (UAV75 val, AigleRN) and held-out scenes it flags.
set -euo pipefail
cd "$(dirname "$0")/../.."
crackmon=${CRACKMON:-.build/release/crackmon}
data=../shared/datasets/cracks
exif=../shared/datasets/exif/images
heldout=()
for source in exifr exiftool pillow sitemark-exifr thermal_parser; do heldout+=(--crack-free "$exif/$source"); done
walls=()
for f in $data/khanh-mixed/images/noncrack_*; do
  n=${f##*concrete_wall_}; n=${n%%_*}
  if (( n % 4 == 3 )); then walls+=(--crack-free "$f"); fi
done
score() { "$crackmon" eval --format json ${SCREEN:+--screen $SCREEN} "$@" 2>/dev/null; }
uav=$(score --images $data/uav75/val/images --masks $data/uav75/val/masks)
# Scale consistency: the same labelled photos enlarged 2x, 3x, 4x (bicubic): the same cracks
# with more pixels, as a closer shot or a bigger sensor gives them.
uav_x2=$(score --images $data/uav75/val/images --masks $data/uav75/val/masks --upscale 2)
uav_x3=$(score --images $data/uav75/val/images --masks $data/uav75/val/masks --upscale 3)
uav_x4=$(score --images $data/uav75/val/images --masks $data/uav75/val/masks --upscale 4)
cfd=$(score --images $data/cfd/images --masks $data/cfd/masks --only $data/cfd/splits/test_073-118.txt)
if [ -z "${SCREEN:-}" ]; then
  shadow=$(score --images $data/lmm-shadowcrack/images --masks $data/lmm-shadowcrack/masks --only $data/lmm-shadowcrack/splits/test.txt)
  aigle=$(score --images $data/lmm-aiglern-trimm/images --masks $data/lmm-aiglern-trimm/masks)
  clean=$(score "${heldout[@]}")
  clean_all=$(score "${heldout[@]}" --all-lines)
  walls_verified=$(score "${walls[@]}")
  walls_all=$(score "${walls[@]}" --all-lines)
  uav_all=$(score --images $data/uav75/val/images --masks $data/uav75/val/masks --all-lines)
  cfd_all=$(score --images $data/cfd/images --masks $data/cfd/masks --only $data/cfd/splits/test_073-118.txt --all-lines)
  aigle_all=$(score --images $data/lmm-aiglern-trimm/images --masks $data/lmm-aiglern-trimm/masks --all-lines)
  clean_scene=$(score "${heldout[@]}" --scene-check)
  uav_scene=$(score --images $data/uav75/val/images --masks $data/uav75/val/masks --scene-check)
  aigle_scene=$(score --images $data/lmm-aiglern-trimm/images --masks $data/lmm-aiglern-trimm/masks --scene-check)
  # Per photo, as segment reports it: many corpus files are thumbnails of a few pixels, so the
  # scene figures are also given for photos at least 100 px a side.
  # (JSON Lines in a file: the list is too long for an argument.)
  photos=$(mktemp)
  trap 'rm -f "$photos"' EXIT
  for source in exifr exiftool pillow sitemark-exifr thermal_parser; do find "$exif/$source" -type f; done \
    | grep -iE '\.(jpe?g|jpe|jfif|png|heic|heif|hif)$' | sort | xargs "$crackmon" segment --format json 2>/dev/null \
    > "$photos" || true  # segment exits 1 when a corpus file cannot be read, as some are meant not to be
else
  shadow=null aigle=null clean=null clean_scene=null uav_scene=null aigle_scene=null photos=/dev/null
  clean_all=null walls_verified=null walls_all=null uav_all=null cfd_all=null aigle_all=null
fi
python3 - "$uav" "$cfd" "$shadow" "$aigle" "$clean" "$clean_scene" "$uav_scene" "$aigle_scene" "$uav_x2" "$uav_x3" "$uav_x4" "$photos" "${SCREEN:-}" \
  "$clean_all" "$walls_verified" "$walls_all" "$uav_all" "$cfd_all" "$aigle_all" <<'PY'
import json, sys
uav, cfd, shadow, aigle, clean, clean_scene, uav_scene, aigle_scene, *uav_up = map(json.loads, sys.argv[1:12])
photos = [json.loads(line) for line in open(sys.argv[12])]
screen = sys.argv[13]
clean_all, walls_verified, walls_all, uav_all, cfd_all, aigle_all = map(json.loads, sys.argv[14:20])
figures = {"uav75_val": uav, "cfd_test": cfd}
for k, r in zip((2, 3, 4), uav_up):
    figures[f"uav75_val_x{k}"] = r
if not screen:
    surfaces = uav_scene["images"] + aigle_scene["images"]
    figures.update({
        "unseen_shadowcrack_test": shadow, "unseen_aiglern": aigle,
        "crack_free_exif_held_out": clean, "crack_free_exif_held_out_scene_checked": clean_scene,
        "crack_free_exif_held_out_all_lines": clean_all,
        "crack_free_walls_held_out": walls_verified, "crack_free_walls_held_out_all_lines": walls_all,
        "uav75_val_all_lines": uav_all, "cfd_test_all_lines": cfd_all, "unseen_aiglern_all_lines": aigle_all,
        "scene": {
            "surfaces": surfaces,
            "surfaces_passed": 1 - (uav_scene["scene_flagged_labelled"] + aigle_scene["scene_flagged_labelled"]) / surfaces,
            "scenes": clean_scene["crack_free_images"],
            "scenes_flagged": clean_scene["scene_flagged_crack_free"] / clean_scene["crack_free_images"],
            "scenes_100px": len(big := [p for p in photos if min(p["width"], p["height"]) >= 100]),
            "scenes_100px_flagged": sum(bool(p["scene"].get("reason")) for p in big) / len(big),
            "scenes_100px_with_cracks": sum(bool(p["cracks"]) for p in big) / len(big),
        },
    })
    open("docs/model-card-metrics.json", "w").write(json.dumps(figures, indent=1, sort_keys=True) + "\n")
for name, r in figures.items():
    if name == "scene":
        print(f"scene check: {100 * r['surfaces_passed']:.1f} % of {r['surfaces']} surfaces pass, "
              f"{100 * r['scenes_flagged']:.1f} % of {r['scenes']} held-out scenes flagged; of the {r['scenes_100px']} "
              f"at least 100 px a side, {100 * r['scenes_100px_flagged']:.1f} % flagged and "
              f"{100 * r['scenes_100px_with_cracks']:.1f} % still with a crack")
    elif name.startswith("crack_free"):
        print(f"{name}: {r['crack_free_images']} photos, {100 * r['crack_free_share_with_cracks']:.1f} % with a crack, "
              f"{r['false_cracks_per_crack_free_image']:.2f} per photo, {r['false_length_px_per_megapixel']:.0f} px per MP")
    else:
        print(f"{name:24s} images {r['images']:3d}  P {r['precision']:.3f} R {r['recall']:.3f} F1@{r['tolerance_px']:.0f}px {r['f1']:.3f}"
              f"  F1 exact {r['f1_exact']:.3f}  IoU {r['iou']:.3f}  ODS {r['ods_f1']:.3f}@{r['ods_threshold']:.2f}  OIS {r['ois_f1']:.3f}"
              f"  clIoU@4px {r['centreline_iou']:.3f}  length {r['length_found']:.3f}  cracks/image {r['cracks_per_labelled_image']:.1f}"
              + (f"  (screen {screen})" if screen else ""))
PY
