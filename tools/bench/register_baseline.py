"""The peer for `crackmon register`: what a user would write with OpenCV's Python
bindings, with the same choices as Sources/Registration (decode, EXIF-upright grey,
area-reduce to 1600 px, SIFT 8000 features at contrast 0.01, brute-force ratio test 0.8
with one match per reference feature, USAC MAGSAC++ at 2.5 px of the reduced image).
No plausibility checks: crackmon's figure includes them.

    python3 tools/bench/register_baseline.py REFERENCE PHOTO [REFERENCE PHOTO ...]
"""
import sys

import cv2
import numpy as np


def features(path, sift):
    grey = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    scale = max(grey.shape) / 1600
    if scale > 1:
        grey = cv2.resize(grey, None, fx=1 / scale, fy=1 / scale, interpolation=cv2.INTER_AREA)
    else:
        scale = 1
    keypoints, descriptors = sift.detectAndCompute(grey, None)
    points = np.float64([((k.pt[0] + 0.5) * scale, (k.pt[1] + 0.5) * scale) for k in keypoints])
    return points, descriptors, scale


def register(reference, photo, sift):
    rp, rd, rs = features(reference, sift)
    pp, pd, ps = features(photo, sift)
    best = {}
    for m in cv2.BFMatcher(cv2.NORM_L2).knnMatch(pd, rd, k=2):
        if len(m) == 2 and m[0].distance < 0.8 * m[1].distance:
            if m[0].trainIdx not in best or m[0].distance < best[m[0].trainIdx].distance:
                best[m[0].trainIdx] = m[0]
    good = list(best.values())
    src = np.float64([pp[m.queryIdx] for m in good])
    dst = np.float64([rp[m.trainIdx] for m in good])
    h, mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, 2.5 * max(rs, ps), maxIters=10000, confidence=0.9999)
    return len(good), int(mask.sum()) if mask is not None else 0


if __name__ == "__main__":
    cv2.setNumThreads(2)
    sift = cv2.SIFT_create(8000, contrastThreshold=0.01)
    args = sys.argv[1:]
    for reference, photo in zip(args[::2], args[1::2]):
        print(reference, photo, *register(reference, photo, sift))
