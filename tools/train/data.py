"""The training and evaluation sets, read from ../shared/datasets/cracks.

Splits (recorded in every run's log):
- train: UAV75 train minus 5 held out, CFD 001-072 minus 7 held out, khanh-mixed minus
  every fourth of its wide-crack images (runs before crackunet-v2-wide trained on all of
  khanh-mixed; each run.json lists the files it used).
- train_wide: khanh-mixed's wide-crack images (labels at least WIDE_PX wide on average) not
  held out; also part of train_khanh, so a run can give them a share of their own.
- select: the held-out 5 UAV75 train + 7 CFD train images; used only to choose the threshold.
- select_wide: the held-out wide-crack images. UAV75 and CFD cracks are 1-5 px wide, so
  select alone cannot see a model that finds only the edges of a wide crack.
- report: UAV75 val (10) and CFD test 073-118 (46); never used for training or selection.
- train_deepcrack, train_gaps: the LMM crops' train splits (photos partly in khanh-mixed too).
- train_exif: crack-free photos that are not of concrete (landscapes, people, rooms, aerial and
  thermal views) from the EXIF corpus sources in EXIF_TRAIN; every other EXIF source is held out
  (`exif_photos(held_out=True)`) to measure false cracks on photos no choice has seen.
- lmm-shadowcrack and lmm-aiglern-trimm are never trained on: they measure unseen sources.
"""
import csv
from pathlib import Path

import numpy as np
from PIL import Image
from skimage.morphology import skeletonize

ROOT = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cracks"
# Koenig et al. 2021's CFD validation images, taken from the 72 training images.
CFD_SELECT = {"004", "009", "019", "039", "053", "062", "068"}
UAV75_SELECT_COUNT = 5
# Mean label width (area over skeleton length) from which a khanh-mixed crack counts as wide:
# 104 of its 871 images (DeepCrack, GAPs384, Sylvie Chambon), against 1.34 px for UAV75's labels.
WIDE_PX = 5.0
EXIF = ROOT.parent / "exif"
EXIF_TRAIN = {"exif-py", "exiv2"}


def _pairs(images, masks, stems=None):
    out = []
    for image in sorted(images.iterdir()):
        if stems is not None and image.stem not in stems:
            continue
        mask = masks / (image.stem + ".png")
        if mask.exists():
            out.append((image, mask))
    return out


def uav75(split):
    d = ROOT / "uav75" / split
    return _pairs(d / "images", d / "masks")


def cfd(split_file):
    stems = set((ROOT / "cfd" / "splits" / split_file).read_text().split())
    return _pairs(ROOT / "cfd" / "images", ROOT / "cfd" / "masks", stems)


def khanh():
    return _pairs(ROOT / "khanh-mixed" / "images", ROOT / "khanh-mixed" / "masks")


def lmm(name, split):
    """An LMM crop set's split (train/val/test), or all of it."""
    root = ROOT / name
    stems = set((root / "splits" / f"{split}.txt").read_text().split()) if split else None
    return _pairs(root / "images", root / "masks", stems)


def exif_photos(held_out):
    """Paths of the EXIF corpus's photos that Pillow decodes at 100 px or more a side, from the
    training sources or, with held_out, from the others."""
    out = []
    for row in csv.DictReader(open(EXIF / "index.csv")):
        if (row["source"] in EXIF_TRAIN) == held_out:
            continue
        try:
            with Image.open(EXIF / row["file"]) as im:
                im.draft("RGB", (1024, 1024))
                if min(im.convert("RGB").size) >= 100:
                    out.append(EXIF / row["file"])
        except Exception:
            continue
    return out


def load_photo(path, max_side=1024):
    """An RGB photo of any format Pillow reads, at most max_side on its long side."""
    with Image.open(path) as im:
        im.draft("RGB", (max_side, max_side))
        im = im.convert("RGB")
        im.thumbnail((max_side, max_side))
        return np.asarray(im, dtype=np.uint8)


def mean_label_width(mask):
    """Crack area over skeleton length, in pixels; 0 for an empty mask."""
    length = np.count_nonzero(skeletonize(mask))
    return np.count_nonzero(mask) / length if length else 0.0


def splits():
    uav_train = uav75("train")
    uav_select = uav_train[-UAV75_SELECT_COUNT:]
    cfd_train = cfd("train_001-072.txt")
    all_khanh = khanh()
    wide = [p for p in all_khanh if mean_label_width(load_mask(p[1])) >= WIDE_PX]
    wide_select = wide[3::4]
    return {
        "train_uav75": uav_train[:-UAV75_SELECT_COUNT],
        "train_cfd": [p for p in cfd_train if p[0].stem not in CFD_SELECT],
        "train_khanh": [p for p in all_khanh if p not in wide_select],
        "train_wide": [p for p in wide if p not in wide_select],
        "train_deepcrack": lmm("lmm-deepcrack", "train"),
        "train_gaps": lmm("lmm-gaps384", "train"),
        "train_exif": [(p, None) for p in exif_photos(held_out=False)],
        "select": uav_select + [p for p in cfd_train if p[0].stem in CFD_SELECT],
        "select_wide": wide_select,
        "report_uav75_val": uav75("val"),
        "report_cfd_test": cfd("test_073-118.txt"),
    }


def planking_mask(image_path):
    p = image_path.parent.parent / "planking_masks" / (image_path.stem + ".png")
    return load_mask(p) if p.exists() else None


def load_image(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)


def load_mask(path):
    return np.asarray(Image.open(path).convert("L"), dtype=np.uint8) > 127
