"""The crack verifier: which of the lines the crack net finds are cracks, and which are joints,
formwork and board marks, grooves, edges and stains.

    python3 tools/train/verifier.py dump            # crackmon eval --crack-features per set
    python3 tools/train/verifier.py fit             # train, choose the cut-off, write the resource
    python3 tools/train/verifier.py loso            # leave one source out of the verifier's training

Each crack crackmon measures is one example, described by CrackFeatures
(Sources/CrackGeometry/CrackFeatures.swift) as `crackmon eval --crack-features` writes them, so
the features the verifier learns from are the ones it is given in the product. A crack is a
crack when at least half of its centreline lies within 4 px of a label, and not one when less
than a tenth does; between, it is left out of training (partly a crack, partly a joint it runs
into). Every crack on a crack-free photo is not one.

Sets (none of the report sets trains or chooses anything):
- train: the crack net's training images (UAV75 train minus select, CFD 001-072 minus select,
  khanh-mixed's crack images), khanh-mixed's crack-free concrete whose wall number is 0 or 1
  modulo 4, and the EXIF training sources' photos (data.EXIF_TRAIN);
- select: the crack net's select split and the crack-free walls 2 modulo 4: the cut-off is chosen
  here, as the highest that keeps 97 % of the true crack length of select;
- report: UAV75 val, CFD test, LMM AigleRN and ShadowCrack test (unseen sources), the crack-free
  walls 3 modulo 4, and the held-out EXIF sources.

The model is a logistic regression on standardised features (scikit-learn): a weighted sum the
product computes exactly, whose weights say what it learnt.
"""
import csv
import functools
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import data

REPO = Path(__file__).resolve().parents[2]
OUT = Path(tempfile.gettempdir()) / "crackmon-verifier"
CRACKMON = REPO / ".build" / "release" / "crackmon"
RESOURCE = REPO / "Sources" / "Segmentation" / "Resources" / "crackverifier.json"
KEEP_LENGTH = 0.97
POSITIVE, NEGATIVE = 0.5, 0.1


def wall(path):
    return int(re.search(r"concrete_wall_(\d+)_", path.name).group(1))


@functools.cache
def sets():
    s = data.splits()
    khanh_images = data.ROOT / "khanh-mixed" / "images"
    noncrack = sorted(p for p in khanh_images.iterdir() if p.name.startswith("noncrack"))
    exif = data.EXIF / "images"
    held_out_exif = sorted(
        d for d in exif.iterdir() if d.is_dir() and d.name not in data.EXIF_TRAIN and d.name in
        {"exifr", "exiftool", "pillow", "sitemark-exifr", "thermal_parser"})
    uav_train = data.ROOT / "uav75" / "train"
    cfd = data.ROOT / "cfd"
    return {
        "train_uav75": ("labelled", uav_train, [p[0].stem for p in s["train_uav75"]]),
        "train_cfd": ("labelled", cfd, [p[0].stem for p in s["train_cfd"]]),
        "train_khanh": ("labelled", data.ROOT / "khanh-mixed",
                        [p[0].stem for p in data.khanh() if not p[0].name.startswith("noncrack")]),
        "train_noncrack": ("free", [p for p in noncrack if wall(p) % 4 in (0, 1)]),
        "train_exif": ("free", sorted(exif / d for d in data.EXIF_TRAIN)),
        "select_uav75": ("labelled", uav_train, [p[0].stem for p in s["select"] if "uav75" in str(p[0])]),
        "select_cfd": ("labelled", cfd, [p[0].stem for p in s["select"] if "cfd" in str(p[0])]),
        "select_noncrack": ("free", [p for p in noncrack if wall(p) % 4 == 2]),
        "report_uav75_val": ("labelled", data.ROOT / "uav75" / "val", None),
        "report_cfd_test": ("labelled", cfd, [p[0].stem for p in s["report_cfd_test"]]),
        "report_aiglern": ("labelled", data.ROOT / "lmm-aiglern-trimm", None),
        "report_shadowcrack": ("labelled", data.ROOT / "lmm-shadowcrack",
                               (data.ROOT / "lmm-shadowcrack" / "splits" / "test.txt").read_text().split()),
        "report_noncrack": ("free", [p for p in noncrack if wall(p) % 4 == 3]),
        "report_exif": ("free", held_out_exif),
    }


def dump(names=None):
    OUT.mkdir(exist_ok=True)
    for name, spec in sets().items():
        if names and name not in names:
            continue
        cmd = [str(CRACKMON), "eval", "--format", "json"]
        if spec[0] == "labelled":
            folder, stems = spec[1], spec[2]
            cmd += ["--images", str(folder / "images"), "--masks", str(folder / "masks")]
            if stems is not None:
                only = OUT / f"{name}.txt"
                only.write_text("\n".join(stems) + "\n")
                cmd += ["--only", str(only)]
        else:
            for p in spec[1]:
                cmd += ["--crack-free", str(p)]
        cmd += ["--crack-features", str(OUT / f"{name}.csv"), "--all-lines"]
        result = subprocess.run(cmd, capture_output=True, text=True, check=True)
        (OUT / f"{name}.json").write_text(result.stdout)
        print(name, "done", flush=True)


def load(name):
    rows = list(csv.DictReader(open(OUT / f"{name}.csv")))
    names = [k for k in rows[0].keys() if k not in ("image", "on_labels", "length_px")] if rows else []
    x = np.array([[float(r[k]) for k in names] for r in rows]).reshape(len(rows), len(names))
    on = np.array([float(r["on_labels"]) for r in rows])
    length = np.array([float(r["length_px"]) for r in rows])
    images = [r["image"] for r in rows]
    return x, on, length, images, names


def source(name, image):
    """The source a training line comes from: khanh-mixed's by its file prefix."""
    return Path(image).name.split("_")[0] if name == "train_khanh" else name.removeprefix("train_")


def train(names_of_sets, c, leave_out=None):
    from sklearn.linear_model import LogisticRegression

    parts = [load(n) + (n,) for n in names_of_sets]
    x = np.vstack([p[0] for p in parts])
    on = np.concatenate([p[1] for p in parts])
    length = np.concatenate([p[2] for p in parts])
    if leave_out:
        sources = np.array([source(p[5], i) for p in parts for i in p[3]])
        x, on, length = x[sources != leave_out], on[sources != leave_out], length[sources != leave_out]
    keep = (on >= POSITIVE) | (on < NEGATIVE)
    x, y, w = x[keep], (on[keep] >= POSITIVE).astype(int), np.sqrt(length[keep])
    mean, scale = x.mean(0), x.std(0) + 1e-9
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    # Long lines weigh more: an inspector's error is measured in metres of crack, not in specks.
    model.fit((x - mean) / scale, y, sample_weight=w)
    return mean, scale, model.coef_[0], model.intercept_[0], y


def probabilities(name, mean, scale, weights, bias):
    x, on, length, images, _ = load(name)
    return 1 / (1 + np.exp(-(((x - mean) / scale) @ weights + bias))), on, length, images


def on_select(mean, scale, weights, bias):
    """The cut-off that keeps KEEP_LENGTH of select's true crack length, and at it: the share of
    select's crack-free images still with a crack, and of its true crack length kept."""
    parts = [probabilities(n, mean, scale, weights, bias) for n in ("select_uav75", "select_cfd")]
    p, on, length = (np.concatenate([part[k] for part in parts]) for k in range(3))
    true = length * on
    cut = max(c for c in np.arange(0.0, 0.951, 0.01) if true[p >= c].sum() >= KEEP_LENGTH * true.sum())
    pn, _, _, images = probabilities("select_noncrack", mean, scale, weights, bias)
    with_crack = {i for i, q in zip(images, pn) if q >= cut}
    return cut, len(with_crack) / len(sets()["select_noncrack"][1]), true[p >= cut].sum() / true.sum()


def fit():
    base = [n for n in sets() if n.startswith("train_") and n != "train_exif"]
    candidates = []
    # Chosen on select alone: with or without the EXIF scenes as negatives, and how strongly
    # the weights are held towards zero.
    for extra in ([], ["train_exif"]):
        for c in (0.1, 1.0):
            mean, scale, weights, bias, y = train(base + extra, c)
            cut, share, kept = on_select(mean, scale, weights, bias)
            print(f"{'+exif' if extra else 'concrete':9s} C={c}: {y.sum()} cracks, {len(y) - y.sum()} not; cut-off "
                  f"{cut:.2f} keeps {kept:.3f} of select's crack length; {share:.3f} of select's crack-free walls "
                  f"keep a line", flush=True)
            candidates.append((share, -cut, extra, c, mean, scale, weights, bias, cut))
    share, _, extra, c, mean, scale, weights, bias, cut = min(candidates, key=lambda t: (t[0], t[1]))
    names = load(base[0])[4]
    print(f"chosen: {'+exif' if extra else 'concrete'} C={c}, cut-off {cut:.2f}")
    for n, w in sorted(zip(names, weights), key=lambda t: -abs(t[1])):
        print(f"  {n:24s} {w:+.3f}")
    RESOURCE.write_text(json.dumps({
        "name": "crackverifier", "version": "1.0.0",
        "features": names, "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
        "weights": weights.round(6).tolist(), "bias": round(float(bias), 6), "cutoff": round(float(cut), 2),
    }, indent=1) + "\n")
    print("wrote", RESOURCE.relative_to(REPO))


def loso():
    """Each source left out of the verifier's training in turn (the shipped choice of sets and C),
    its cut-off chosen on select as in fit, and scored on the source left out: the share of its
    true crack length kept, and of its false line length set aside."""
    chosen = json.loads(RESOURCE.read_text())
    names = [n for n in sets() if n.startswith("train_") and n != "train_exif"]
    c = chosen.get("c", 0.1)
    print("| source left out | lines | true crack length kept | false line length set aside | images with a false line, before / after |")
    print("|---|---|---|---|---|")
    for left in ["uav75", "cfd", "noncrack", "Rissbilder", "Volker", "DeepCrack", "GAPS384", "cracktree200",
                 "Sylvie", "Eugen"]:
        mean, scale, weights, bias, _ = train(names, c, leave_out=left)
        cut, _, _ = on_select(mean, scale, weights, bias)
        p, on, length, images = [], [], [], []
        for n in names:
            q, o, l, im = probabilities(n, mean, scale, weights, bias)
            pick = np.array([source(n, i) == left for i in im], dtype=bool)
            p += list(q[pick]); on += list(o[pick]); length += list(l[pick])
            images += [i for i, k in zip(im, pick) if k]
        p, on, length = np.array(p), np.array(on), np.array(length)
        true, false = on >= POSITIVE, on < NEGATIVE
        kept = f"{(length * true * (p >= cut)).sum() / (length * true).sum():.3f}" if true.any() else "—"
        dropped = (length * false * (p < cut)).sum() / max((length * false).sum(), 1e-9)
        before = len({i for i, f in zip(images, false) if f})
        after = len({i for i, f, q in zip(images, false, p) if f and q >= cut})
        print(f"| {left} | {len(p)} | {kept} | {dropped:.3f} | {before} / {after} |")


if __name__ == "__main__":
    {"dump": lambda: dump(sys.argv[2:]), "fit": fit, "loso": loso}[sys.argv[1]]()
