"""Chooses crackmon register's acceptance thresholds on khanh-mixed, a set the tests
never use (they use UAV75, CFD and AigleRN). Same pipeline as Sources/Registration:
SIFT, ratio test 0.8, USAC MAGSAC++ at 2.5 px. Prints the inlier counts and inlier
shares of true revisits (each image warped by a random homography, with light, noise,
blur and JPEG changes) and of unrelated pairs, so that a threshold can sit between.

    python3 tools/registration/tune.py ../shared/datasets/cracks/khanh-mixed/images [CONTRAST]

On 2026-12-05 (seed 7, 80 revisits, 220 unrelated pairs): at SIFT's default contrast
threshold 0.04, 39 of 80 revisits reached 25 inliers; at 0.01, 73 of 80, with the largest
grid error 1.15 px; revisits with 15 to 24 inliers were up to 3.4 px off. Unrelated pairs
reached at most 6 inliers once the plausibility checks had run. Hence contrast 0.01 and
25 inliers, in Sources/Registration/PhotoRegistration.swift.
"""
import glob
import random
import sys

import cv2
import numpy as np


def random_homography(rng, w, h):
    angle = np.radians(rng.uniform(-30, 30))
    scale = rng.uniform(0.7, 1.4)
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    a = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    a[2, 0] = rng.uniform(-3e-4, 3e-4) * 512 / w
    a[2, 1] = rng.uniform(-3e-4, 3e-4) * 512 / h
    centre = np.array([[1, 0, -w / 2], [0, 1, -h / 2], [0, 0, 1]])
    back = np.array([[1, 0, w / 2 + rng.uniform(-0.2, 0.2) * w], [0, 1, h / 2 + rng.uniform(-0.2, 0.2) * h], [0, 0, 1]])
    return back @ a @ centre


def perturb(rng, img):
    gain, offset, gamma = rng.uniform(0.6, 1.4), rng.uniform(-30, 30), rng.uniform(0.7, 1.4)
    out = 255 * (np.clip(img.astype(np.float64) * gain + offset, 0, 255) / 255) ** gamma
    out += np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(2, 8), out.shape)
    out = cv2.GaussianBlur(np.clip(out, 0, 255).astype(np.uint8), (0, 0), rng.uniform(0.3, 1.5))
    ok, jpg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(50, 85)])
    return cv2.imdecode(jpg, cv2.IMREAD_GRAYSCALE)


def fit(sift, a, b):
    ka, da = sift.detectAndCompute(a, None)
    kb, db = sift.detectAndCompute(b, None)
    if da is None or db is None or len(ka) < 2 or len(kb) < 2:
        return 0, 0, None
    knn = cv2.BFMatcher(cv2.NORM_L2).knnMatch(db, da, k=2)
    good = [m[0] for m in knn if len(m) == 2 and m[0].distance < 0.8 * m[1].distance]
    # One photo feature per reference feature: a "hub" matched by many would pull the
    # homography into a collapse.
    best = {}
    for m in good:
        if m.trainIdx not in best or m.distance < best[m.trainIdx].distance:
            best[m.trainIdx] = m
    good = list(best.values())
    if len(good) < 4:
        return len(good), 0, None
    src = np.float64([kb[m.queryIdx].pt for m in good])
    dst = np.float64([ka[m.trainIdx].pt for m in good])
    h, mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, 2.5, maxIters=10000, confidence=0.9999)
    if h is None or not plausible(h, b.shape[1], b.shape[0]):
        return len(good), 0, None
    return len(good), int(mask.sum()), h


def cross(u, v):
    return u[0] * v[1] - u[1] * v[0]


def plausible(h, w, hgt):
    """Registrar.implausibility: no horizon in the frame, no mirror or fold, scale 1/4 to 4."""
    corners = np.float64([[0, 0, 1], [w, 0, 1], [w, hgt, 1], [0, hgt, 1]]).T
    m = h @ corners
    if (m[2] <= 1e-9).any():
        return False
    q = (m[:2] / m[2]).T
    turns = [cross(q[(i + 1) % 4] - q[i], q[(i + 2) % 4] - q[(i + 1) % 4]) for i in range(4)]
    if not all(t > 0 for t in turns):
        return False
    area = 0.5 * abs(sum(q[i][0] * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * q[i][1] for i in range(4)))
    return 0.25 <= (area / (w * hgt)) ** 0.5 <= 4


def main(folder):
    rng = random.Random(7)
    paths = sorted(glob.glob(folder + "/*.jpg"))
    rng.shuffle(paths)
    sift = cv2.SIFT_create(8000, contrastThreshold=float(sys.argv[2]) if len(sys.argv) > 2 else 0.04)
    true_inliers, true_share, errors = [], [], []
    for p in paths[:80]:
        img = cv2.imread(p, cv2.IMREAD_GRAYSCALE)
        h, w = img.shape
        hom = random_homography(rng, w, h)
        warped = perturb(rng, cv2.warpPerspective(img, hom, (w, h)))
        m, k, est = fit(sift, warped, img)  # photo = img, reference = warped
        true_inliers.append(k)
        true_share.append(k / max(m, 1))
        errors.append(float("inf"))
        if est is not None:
            grid = np.float64([[x, y, 1] for x in np.linspace(w * .3, w * .7, 5) for y in np.linspace(h * .3, h * .7, 5)]).T
            a, b = hom @ grid, est @ grid
            errors[-1] = np.abs(a[:2] / a[2] - b[:2] / b[2]).max()
    source = lambda p: p.split("/")[-1].split("_9S6A")[0].rsplit("_", 3)[0]
    false_inliers, false_share = [], []
    for i in range(300):
        a, b = rng.sample(paths, 2)
        if source(a) == source(b):
            continue
        m, k, _ = fit(sift, cv2.imread(a, cv2.IMREAD_GRAYSCALE), cv2.imread(b, cv2.IMREAD_GRAYSCALE))
        false_inliers.append(k)
        false_share.append(k / max(m, 1))
    q = lambda v: np.percentile(v, [0, 1, 5, 50]).round(2)
    print("true revisits", len(true_inliers), "inliers min/1/5/50 %:", q(true_inliers), "share:", q(true_share))
    for least in (8, 10, 12, 15, 20, 25):
        kept = [e for k, e in zip(true_inliers, errors) if k >= least]
        print(f"  at {least} inliers: {len(kept)} of {len(errors)} registered, max grid error {max(kept, default=0):.2f} px,",
              f"unrelated registered: {sum(k >= least for k in false_inliers)}")
    print("unrelated", len(false_inliers), "inliers max:", max(false_inliers), "99 %:", np.percentile(false_inliers, 99),
          "share max:", round(max(false_share), 3))


if __name__ == "__main__":
    main(sys.argv[1])
