#!/usr/bin/env python3
"""Synthetic multi-cycle inspection of one asset, with known crack growth.

For N cycles (one a year) it writes nadir "drone" photos of concrete-like surfaces with
DJI XMP and GPS EXIF, in which cracks lengthen and widen by known amounts, and
`truth.json`: every crack's true length and width per cycle, the photo it is in, and the
alerts that crackmon's default rules must raise (severity class crossings under AASHTO
MBEI 1130; max-width growth over 0.2 mm/year between cycles).

The camera sits at a slightly different place and heading each cycle (yaw 0-300°, a few
centimetres of drift), so cracks only line up across cycles if the footprint's position,
scale and rotation conventions are right.

    python3 tools/synth/make_cycles.py --out out/synth --cycles 4
"""
import argparse
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import (ASCII, LONG, RATIONAL, SHORT, BYTE, app1_exif, app1_xmp, tiff,  # noqa: E402
                           xmp_attributes)

WIDTH, HEIGHT = 2048, 1536
HEIGHT_M = 1.2                 # RelativeAltitude: camera 1.2 m from the surface
FOCAL_PX = 12000.0             # CalibratedFocalLength: 1.2 m * 1000 / 12000 px = 0.1 mm/px
GSD_MM = HEIGHT_M * 1000 / FOCAL_PX
ORIGIN = (46.9480, 7.4474)     # the asset's reference point (Bern; UTM 32N)
EARTH_R = 6_371_008.8
START_YEAR = 2023

# Cracks per site: ground position of the first point (metres east/north of the site
# centre), bearing (degrees clockwise from north), shape wiggle, and growth.
# (length mm, width mm) in the first cycle, and (mm/year, mm/year) after that.
# Every crack stays within 70 mm of its site centre; the drift is drawn so that it is
# inside the frame (see inside_frame).
CRACKS = [
    # site 0: crosses CS1 -> CS2 (0.20 -> 0.35 mm) in the second cycle; widens 0.15 mm/year, under the limit.
    dict(site=0, name="A", start=(-0.045, -0.030), bearing=50, bend=8, length=45, width=0.20, dl=5, dw=0.15),
    dict(site=0, name="B", start=(0.015, 0.010), bearing=160, bend=-6, length=35, width=0.50, dl=0, dw=0.0),
    # site 1: fast widening (0.35 mm/year, over the 0.2 limit), CS2 -> CS3 in the fourth cycle.
    dict(site=1, name="C", start=(-0.040, -0.010), bearing=95, bend=5, length=50, width=0.55, dl=6, dw=0.35),
    # site 2: a stable crack and a lengthening one.
    dict(site=2, name="D", start=(-0.050, 0.020), bearing=100, bend=-10, length=40, width=0.45, dl=0, dw=0.02),
    dict(site=2, name="E", start=(0.010, -0.045), bearing=20, bend=6, length=30, width=0.60, dl=8, dw=0.05),
    # site 3: one crack.
    dict(site=3, name="F", start=(-0.040, 0.000), bearing=80, bend=-4, length=55, width=0.40, dl=4, dw=0.06),
]
SITES = [(0.0, 0.0), (12.0, 3.0), (24.0, -2.0), (36.0, 4.0)]  # metres east/north of ORIGIN
YAWS = [0.0, 35.0, -60.0, 120.0, 200.0, 300.0]


STEP_MM = 0.5
FRAME_MARGIN_PX = 32


def crack_path(crack, length_mm):
    """Ground polyline (metres east/north of the site centre) of a crack of this length,
    with its relative width at each point. A crack keeps its shape and grows at its far
    tip: the meandering path and the width profile come from the crack's own fixed seed."""
    rng = np.random.default_rng(sum(map(ord, crack["name"])))
    steps = int(round(length_mm / STEP_MM))
    # Degrees off the general bearing at each step: a meandering path whose bends are a
    # few millimetres long, so that it has a centreline at any width the crack grows to
    # (bends finer than a crack's own width leave its length undefined to 1 %).
    turns = np.convolve(rng.normal(0, 1, 408), np.ones(9) / 9, mode="valid")
    turns *= 25 / turns.std()
    swell = np.convolve(rng.uniform(0.7, 1.0, 400), np.ones(9) / 9, mode="same")
    e, n = crack["start"]
    points, widths = [(e, n)], [swell[0]]
    for i in range(steps):
        general = crack["bearing"] + crack["bend"] * math.sin(2 * math.pi * i * STEP_MM / 60)
        bearing = math.radians(general + turns[i])
        e += STEP_MM / 1000 * math.sin(bearing)
        n += STEP_MM / 1000 * math.cos(bearing)
        points.append((e, n))
        widths.append(swell[i + 1])
    widths = np.array(widths) / max(widths)      # the widest point is the nominal width
    return points, widths


def in_pixels(path, yaw, drift):
    """A ground path (metres east/north of the site centre) in the pixels of a nadir photo
    taken from `drift` (the camera's offset from the site centre) with the image's top
    towards `yaw` (degrees clockwise from north)."""
    cam_e, cam_n = drift
    psi = math.radians(yaw)
    m = GSD_MM / 1000
    pts = []
    for e, n in path:
        de, dn = e - cam_e, n - cam_n
        up = de * math.sin(psi) + dn * math.cos(psi)
        right = de * math.cos(psi) - dn * math.sin(psi)
        pts.append((WIDTH / 2 + right / m - 0.5, HEIGHT / 2 - up / m - 0.5))
    return pts


def inside_frame(cracks, yaw, drift):
    """Whether every crack lies wholly inside the photo, with a margin: a crack cut by
    the frame's edge has no measurable length, so its truth would not be a test."""
    for crack, length, _ in cracks:
        for x, y in in_pixels(crack_path(crack, length)[0], yaw, drift):
            if not (FRAME_MARGIN_PX <= x <= WIDTH - FRAME_MARGIN_PX and FRAME_MARGIN_PX <= y <= HEIGHT - FRAME_MARGIN_PX):
                return False
    return True


def concrete(rng, height, width):
    """Concrete-like grey levels: grain, blotches and pores."""
    grain = rng.normal(0, 7, (height, width))
    blotch = ndimage.gaussian_filter(rng.normal(0, 60, (height, width)), 12)
    pores = (ndimage.gaussian_filter(rng.random((height, width)), 1.2) > 0.66) * -30.0
    return 150 + grain + blotch + ndimage.gaussian_filter(pores, 0.8)


SURFACE_HALF_M = 0.19          # a fixed surface covers any frame of its site: half-diagonal + drift
_surfaces = {}


def fixed_surface(site):
    """The site's own concrete, in ground coordinates at the photos' scale: the same pores and
    stains in every cycle, as a real surface has (what registration by texture relies on)."""
    if site not in _surfaces:
        side = int(round(2 * SURFACE_HALF_M * 1000 / GSD_MM))
        _surfaces[site] = concrete(np.random.default_rng(1000 + site), side, side)
    return _surfaces[site]


def surface_in_frame(site, yaw, drift, cycle):
    """The fixed surface as a photo taken from `drift` with heading `yaw` sees it, in the light of
    `cycle` (a brightness and contrast change), with fresh sensor noise."""
    psi = math.radians(yaw)
    m = GSD_MM / 1000
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    right = (xs + 0.5 - WIDTH / 2) * m
    up = (HEIGHT / 2 - ys - 0.5) * m
    e = drift[0] + right * math.cos(psi) + up * math.sin(psi)
    n = drift[1] - right * math.sin(psi) + up * math.cos(psi)
    rows, cols = (SURFACE_HALF_M - n) / m - 0.5, (e + SURFACE_HALF_M) / m - 0.5
    seen = ndimage.map_coordinates(fixed_surface(site), [rows, cols], order=1, mode="reflect")
    light = np.random.default_rng(2000 + 17 * cycle + site)
    return 150 + (seen - 150) * light.uniform(0.8, 1.15) + light.uniform(-15, 15) + light.normal(0, 3, seen.shape)


FADE_SPAN = (0.4, 0.6)         # the stretch of a fading crack, as shares of its length
FADE_DARKNESS = 0.15           # how dark it still is there, as a share of the crack's darkness


def render(cycle, site, cracks, yaw, drift, rng, surface="fresh", fade=False, fade_darkness=FADE_DARKNESS):
    """The photo of one site in one cycle: concrete texture (`fresh`: new in every photo;
    `fixed`: the site's own, seen from this pose), cracks drawn to their true width with
    anti-aliased edges. `fade`: the middle of each crack is faint (dust, moisture, a filled
    stretch), as a model loses it: the crack is still there, whole, and its truth unchanged;
    `fade_darkness` 0 hides it there altogether (under a patch of dirt or efflorescence)."""
    if surface == "fixed":
        image = surface_in_frame(site, yaw, drift, cycle)
    else:
        image = concrete(rng, HEIGHT, WIDTH)
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH]
    for crack, length, width in cracks:
        path, relative = crack_path(crack, length)
        pts = in_pixels(path, yaw, drift)
        darkness = np.zeros((HEIGHT, WIDTH))
        for k, ((x0, y0), (x1, y1)) in enumerate(zip(pts, pts[1:])):
            half = width * relative[k + 1] / GSD_MM / 2
            lo_x, hi_x = int(max(0, min(x0, x1) - half - 2)), int(min(WIDTH, max(x0, x1) + half + 3))
            lo_y, hi_y = int(max(0, min(y0, y1) - half - 2)), int(min(HEIGHT, max(y0, y1) + half + 3))
            if lo_x >= hi_x or lo_y >= hi_y:
                continue
            px, py = xs[lo_y:hi_y, lo_x:hi_x], ys[lo_y:hi_y, lo_x:hi_x]
            dx, dy = x1 - x0, y1 - y0
            t = np.clip(((px - x0) * dx + (py - y0) * dy) / max(dx * dx + dy * dy, 1e-9), 0, 1)
            d = np.hypot(px - x0 - t * dx, py - y0 - t * dy)
            cover = np.clip(half + 0.5 - d, 0, 1)
            if fade and FADE_SPAN[0] <= k / len(pts) <= FADE_SPAN[1]:
                cover = cover * fade_darkness
            darkness[lo_y:hi_y, lo_x:hi_x] = np.maximum(darkness[lo_y:hi_y, lo_x:hi_x], cover)
        image = image * (1 - darkness) + 45 * darkness
    grey = np.clip(image, 0, 255).astype(np.uint8)
    rgb = np.stack([grey, grey, (grey * 0.97).astype(np.uint8)], axis=-1)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=93)
    return buf.getvalue()


def gps_ifd(lat, lon, date):
    def dms(value):
        value = abs(value)
        d = int(value)
        mins = int((value - d) * 60)
        secs = (value - d - mins / 60) * 3600
        return [(d, 1), (mins, 1), (int(round(secs * 1_000_000)), 1_000_000)]
    return [
        (0x0000, BYTE, [2, 3, 0, 0]), (0x0001, ASCII, "N" if lat >= 0 else "S"), (0x0002, RATIONAL, dms(lat)),
        (0x0003, ASCII, "E" if lon >= 0 else "W"), (0x0004, RATIONAL, dms(lon)),
        (0x0005, BYTE, [0]), (0x0006, RATIONAL, [(5620, 10)]), (0x001D, ASCII, date.replace("-", ":")),
    ]


def with_metadata(jpeg, lat, lon, yaw, date, gps=True):
    exif = [(0x9003, ASCII, date.replace("-", ":") + " 10:00:00"), (0xA002, LONG, [WIDTH]), (0xA003, LONG, [HEIGHT])]
    ifd0 = [(0x010F, ASCII, "DJI"), (0x0110, ASCII, "crackmon synthetic"), (0x0112, SHORT, [1])]
    xmp = xmp_attributes(AbsoluteAltitude="+562.00", RelativeAltitude=f"+{HEIGHT_M:.2f}",
                         GimbalRollDegree="+0.00", GimbalYawDegree=f"{yaw:+.2f}", GimbalPitchDegree="-90.00",
                         FlightYawDegree=f"{yaw:+.2f}", CalibratedFocalLength=f"{FOCAL_PX:.2f}")
    segments = app1_exif(tiff(ifd0, exif, gps_ifd(lat, lon, date) if gps else None)) + app1_xmp(xmp)
    return jpeg[:2] + segments + jpeg[2:]


def severity(width):
    return "CS1" if width < 0.3 else "CS2" if width < 1.3 else "CS3"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--cycles", type=int, default=4)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--width-rate-limit", type=float, default=0.2)
    p.add_argument("--surface", choices=["fresh", "fixed"], default="fresh",
                   help="fresh: new concrete texture in every photo; fixed: each site's own, the same every cycle")
    p.add_argument("--gps-sigma-m", type=float, default=0.0,
                   help="error of the written GPS position, metres per axis (the pixels show the true pose)")
    p.add_argument("--yaw-sigma-deg", type=float, default=0.0, help="error of the written yaw, degrees")
    p.add_argument("--no-gps", action="append", default=[], metavar="CYCLE/siteN.jpg",
                   help="write this photo without GPS (no fix under a deck), as often as needed")
    p.add_argument("--fade-cycle", type=int, action="append", default=[],
                   help="in this cycle (0 = the first), the middle fifth of every crack is faint; "
                        "as often as needed")
    p.add_argument("--fade-darkness", type=float, default=FADE_DARKNESS,
                   help="how dark a faded stretch still is, as a share of the crack's darkness (0: hidden)")
    args = p.parse_args()
    errors = np.random.default_rng(args.seed + 1)
    rng = np.random.default_rng(args.seed)
    out = Path(args.out)
    truth = {"gsd_mm_per_px": GSD_MM, "origin": {"latitude": ORIGIN[0], "longitude": ORIGIN[1]},
             "cycles": [], "cracks": {}, "alerts": [], "photos": {}}
    for k in range(args.cycles):
        label = f"{START_YEAR + k}"
        date = f"{START_YEAR + k}-06-01"
        folder = out / label
        folder.mkdir(parents=True, exist_ok=True)
        truth["cycles"].append({"label": label, "date": date})
        yaw = YAWS[k % len(YAWS)]
        for s, (site_e, site_n) in enumerate(SITES):
            cracks = [(c, c["length"] + c["dl"] * k, c["width"] + c["dw"] * k) for c in CRACKS if c["site"] == s]
            # A few centimetres of drift, as a drone holding position has; a shot that
            # would cut a crack at the frame's edge is taken again, as a pilot would.
            drift = tuple(rng.uniform(-0.03, 0.03, 2))
            while not inside_frame(cracks, yaw, drift):
                drift = tuple(rng.uniform(-0.03, 0.03, 2))
            for c, length, width in cracks:
                photo = f"{label}/site{s}.jpg"
                path, relative = crack_path(c, length)
                drawn = sum(math.dist(a, b) for a, b in zip(path, path[1:])) * 1000
                centre_e = site_e + float(np.mean([q[0] for q in path]))
                centre_n = site_n + float(np.mean([q[1] for q in path]))
                truth["cracks"].setdefault(c["name"], []).append(
                    {"cycle": label, "photo": photo, "length_mm": round(drawn, 3), "max_width_mm": round(width, 4),
                     "mean_width_mm": round(width * float(np.mean(relative)), 4), "severity": severity(width),
                     "east_m": centre_e, "north_m": centre_n,
                     "latitude": ORIGIN[0] + math.degrees(centre_n / EARTH_R),
                     "longitude": ORIGIN[1] + math.degrees(centre_e / (EARTH_R * math.cos(math.radians(ORIGIN[0]))))})
            # The position and heading the drone writes: off by GNSS and compass error.
            cam_e = site_e + drift[0] + errors.normal(0, args.gps_sigma_m) if args.gps_sigma_m else site_e + drift[0]
            cam_n = site_n + drift[1] + errors.normal(0, args.gps_sigma_m) if args.gps_sigma_m else site_n + drift[1]
            written_yaw = yaw + errors.normal(0, args.yaw_sigma_deg) if args.yaw_sigma_deg else yaw
            truth["photos"][f"{label}/site{s}.jpg"] = {
                "true_east_m": site_e + drift[0], "true_north_m": site_n + drift[1], "true_yaw_deg": yaw,
                "written_east_m": cam_e, "written_north_m": cam_n, "written_yaw_deg": written_yaw}
            lat = ORIGIN[0] + math.degrees(cam_n / EARTH_R)
            lon = ORIGIN[1] + math.degrees(cam_e / (EARTH_R * math.cos(math.radians(ORIGIN[0]))))
            jpeg = render(k, s, cracks, yaw, drift, rng, args.surface, fade=k in args.fade_cycle,
                          fade_darkness=args.fade_darkness)
            name = f"{label}/site{s}.jpg"
            (folder / f"site{s}.jpg").write_bytes(
                with_metadata(jpeg, lat, lon, written_yaw, date, gps=name not in args.no_gps))
            if name in args.no_gps:
                truth["photos"][name]["written_east_m"] = truth["photos"][name]["written_north_m"] = None
    for name, series in truth["cracks"].items():
        for a, b in zip(series, series[1:]):
            if severity(a["max_width_mm"]) != severity(b["max_width_mm"]):
                truth["alerts"].append({"crack": name, "cycle": b["cycle"], "kind": "severity_crossed"})
            if b["max_width_mm"] - a["max_width_mm"] > args.width_rate_limit:  # cycles are one year apart
                truth["alerts"].append({"crack": name, "cycle": b["cycle"], "kind": "width_rate"})
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    print(f"wrote {args.cycles} cycles x {len(SITES)} photos to {out}")


if __name__ == "__main__":
    main()
