"""Crack segmentation metrics, the protocol crackmon eval implements too.

- Tolerance F1: a predicted crack pixel is a true positive for precision if a ground-truth
  crack pixel lies within `tolerance` pixels (Euclidean); a ground-truth pixel counts for
  recall if a predicted pixel lies within `tolerance`. Predictions are not thinned.
- Exact F1: tolerance 0.
- IoU: crack class only (never averaged with background).
- ODS: one threshold for the whole set (counts summed over images); OIS: best threshold per image.
"""
import numpy as np
from scipy import ndimage

THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def within(mask, tolerance):
    """Pixels within `tolerance` of any True pixel of `mask`."""
    if tolerance <= 0:
        return mask
    if not mask.any():
        return mask
    return ndimage.distance_transform_edt(~mask) <= tolerance


def counts(pred, gt, tolerance, gt_near=None):
    """(tp_precision, predicted, tp_recall, actual)."""
    gt_near = within(gt, tolerance) if gt_near is None else gt_near
    pred_near = within(pred, tolerance)
    return (np.count_nonzero(pred & gt_near), np.count_nonzero(pred),
            np.count_nonzero(gt & pred_near), np.count_nonzero(gt))


def f1(c):
    tp_p, n_pred, tp_r, n_gt = c
    p = tp_p / n_pred if n_pred else (1.0 if n_gt == 0 else 0.0)
    r = tp_r / n_gt if n_gt else 1.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def evaluate(probs, gts, threshold, tolerance=2):
    """All the figures for a list of probability maps and boolean ground truths."""
    gt_near = [within(g, tolerance) for g in gts]
    total = np.zeros(4)
    total_exact = np.zeros(4)
    inter = union = 0
    per_threshold = np.zeros((len(THRESHOLDS), 4))
    per_threshold_exact = np.zeros((len(THRESHOLDS), 4))
    ois_sum = 0.0
    for prob, gt, near in zip(probs, gts, gt_near):
        pred = prob >= threshold
        total += counts(pred, gt, tolerance, near)
        total_exact += counts(pred, gt, 0)
        inter += np.count_nonzero(pred & gt)
        union += np.count_nonzero(pred | gt)
        best = 0.0
        for i, t in enumerate(THRESHOLDS):
            pred_t = prob >= t
            c = counts(pred_t, gt, tolerance, near)
            per_threshold[i] += c
            per_threshold_exact[i] += counts(pred_t, gt, 0)
            best = max(best, f1(c)[0])
        ois_sum += best
    f, p, r = f1(total)
    ods = [f1(c)[0] for c in per_threshold]
    i = int(np.argmax(ods))
    ods_exact = [f1(c)[0] for c in per_threshold_exact]
    j = int(np.argmax(ods_exact))
    return {
        "images": len(gts), "tolerance_px": tolerance, "threshold": threshold,
        "precision": p, "recall": r, "f1": f, "f1_exact": f1(total_exact)[0], "recall_exact": f1(total_exact)[2],
        "iou": inter / union if union else 1.0,
        "ods_f1": ods[i], "ods_threshold": float(THRESHOLDS[i]), "ois_f1": ois_sum / len(gts),
        "ods_f1_exact": ods_exact[j], "ods_threshold_exact": float(THRESHOLDS[j]),
    }
