"""The training and evaluation sets, read from ../shared/datasets/cracks.

Splits (recorded in every run's log):
- train: UAV75 train minus 5 held out, CFD 001-072 minus 7 held out, all of khanh-mixed.
- select: the held-out 5 UAV75 train + 7 CFD train images; used only to choose the threshold.
- report: UAV75 val (10) and CFD test 073-118 (46); never used for training or selection.
"""
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cracks"
# Koenig et al. 2021's CFD validation images, taken from the 72 training images.
CFD_SELECT = {"004", "009", "019", "039", "053", "062", "068"}
UAV75_SELECT_COUNT = 5


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


def splits():
    uav_train = uav75("train")
    uav_select = uav_train[-UAV75_SELECT_COUNT:]
    cfd_train = cfd("train_001-072.txt")
    return {
        "train_uav75": uav_train[:-UAV75_SELECT_COUNT],
        "train_cfd": [p for p in cfd_train if p[0].stem not in CFD_SELECT],
        "train_khanh": khanh(),
        "select": uav_select + [p for p in cfd_train if p[0].stem in CFD_SELECT],
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
