#!/usr/bin/env python3
"""Fills a crackmon store with a synthetic asset for the tracking benchmark: N cracks seen
in each of C yearly cycles, as footprint-placed observations (what `crackmon ingest` writes
for nadir drone shots), straight into SQLite so the benchmark times tracking, not
segmentation.

Cracks sit 3 m apart on a square grid (a dam face or deck soffit); each is a 3-vertex
centreline 0.2-0.6 m long at a random bearing. Every cycle a crack shows up moved by GNSS
noise (0.3 m, its photo's error) with a 1.5 m placement uncertainty (drone GNSS), a little
longer and wider. The store must exist with the asset and its cycles (tracking.sh does that).

With --registered, each crack's photos are also registered, cycle to cycle, as `crackmon ingest`
stores them: every photo is a 12 MP nadir shot (0.5 mm/px, a GPS fix, a DJI yaw) centred on
its crack with up to 5 cm of drift, registered to the previous cycle's photo by the homography
that drift gives; the crack's centreline and width profile are in that photo's pixels. Tracking
then places every crack through its chain of registrations (`RegisteredFrames`), 10 deep.

    python3 tools/bench/tracking_store.py STORE ASSET --cracks 10000 --cycles 10
"""
import argparse
import hashlib
import json
import math
import random
import sqlite3

p = argparse.ArgumentParser()
p.add_argument("store")
p.add_argument("asset")
p.add_argument("--cracks", type=int, default=10000)
p.add_argument("--cycles", type=int, default=10)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--registered", action="store_true", help="also photos registered cycle to cycle")
args = p.parse_args()
rng = random.Random(args.seed)
pose = random.Random(args.seed + 1)  # the registered photos' drift: the default figures keep their draws
db = sqlite3.connect(args.store)
device, = db.execute("SELECT id FROM device").fetchone()
epsg, = db.execute("SELECT epsg FROM asset WHERE id = ?", (args.asset,)).fetchone()
cycles = [label for label, in db.execute(
    "SELECT label FROM inspection_cycle WHERE asset_id = ? ORDER BY start_date", (args.asset,))]
assert len(cycles) >= args.cycles, "add the cycles first"
side = math.ceil(math.sqrt(args.cracks))
cracks = []
for i in range(args.cracks):
    cracks.append(dict(e=500_000 + 3.0 * (i % side), n=5_200_000 + 3.0 * (i // side),
                       bearing=rng.uniform(0, 180), length=rng.uniform(0.2, 0.6), width=rng.uniform(0.1, 1.0),
                       dl=rng.uniform(0, 0.02), dw=rng.uniform(0, 0.15)))
seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM sync_outbox").fetchone()[0]
now = "2026-11-23T00:00:00.000Z"
GSD_MM, W, H = 0.5, 4000, 3000
previous = {}  # crack -> (its previous capture id, that photo's drift in pixels)


def geographic(e, n):
    """UTM zone 32 N to WGS 84, spherical: metres off, the same for every cycle of a crack."""
    lat = n / (0.9996 * 6_371_008.8) * 180 / math.pi
    lon = 9 + (e - 500_000) / (0.9996 * 6_371_008.8 * math.cos(math.radians(lat))) * 180 / math.pi
    return lat, lon


def pixels(points, drift):
    """Ground points (metres) of a crack centred in its photo to that photo's pixels (yaw 0:
    x east, y south), shifted by the photo's drift."""
    ce, cn = points[0]
    return [[W / 2 + (e - ce) * 1000 / GSD_MM - drift[0], H / 2 - (n - cn) * 1000 / GSD_MM - drift[1]]
            for e, n in points]
for k, label in enumerate(cycles[:args.cycles]):
    for i, c in enumerate(cracks):
        capture = hashlib.sha256(f"{label}/{i}".encode()).hexdigest()
        seq += 1
        if args.registered:
            lat, lon = geographic(c["e"], c["n"])
            db.execute("""INSERT INTO capture (id, asset_id, cycle_label, source_path, file_size, container, gps_status,
                          camera_view, gsd_method, gsd_mm_per_px, metadata_json, ingested_at, device_id, seq,
                          latitude, longitude, width, height, orientation, gps_sigma_m)
                          VALUES (?, ?, ?, ?, 0, 'jpeg', 'valid', 'nadir', 'nadir_relative_altitude', 0.5,
                          '{"dji":{"gimbal_yaw_deg":0}}', ?, ?, ?, ?, ?, ?, ?, 1, 3)""",
                       (capture, args.asset, label, f"bench/{label}/{i}.jpg", now, device, seq, lat, lon, W, H))
        else:
            db.execute("""INSERT INTO capture (id, asset_id, cycle_label, source_path, file_size, container, gps_status,
                          camera_view, gsd_method, gsd_mm_per_px, metadata_json, ingested_at, device_id, seq)
                          VALUES (?, ?, ?, ?, 0, 'jpeg', 'absent', 'nadir', 'nadir_relative_altitude', 0.5, '{}', ?, ?, ?)""",
                       (capture, args.asset, label, f"bench/{label}/{i}.jpg", now, device, seq))
        de, dn = rng.gauss(0, 0.3), rng.gauss(0, 0.3)
        length = c["length"] + c["dl"] * k
        r = math.radians(c["bearing"] + rng.gauss(0, 2))
        points = [[c["e"] + de + t * length * math.sin(r) + rng.gauss(0, 0.005),
                   c["n"] + dn + t * length * math.cos(r) + rng.gauss(0, 0.005)] for t in (0, 0.5, 1)]
        width = c["width"] + c["dw"] * k + rng.gauss(0, 0.02)
        severity = "CS1" if width < 0.3 else "CS2" if width < 1.3 else "CS3"
        seq += 1
        oid = hashlib.sha256(f"{capture}|bench|1|0".encode()).hexdigest()
        polyline_px, profile_px = "[]", "[]"
        if args.registered:
            drift = (pose.uniform(-100, 100), pose.uniform(-100, 100))
            # The true crack, centred in the first photo: the same ground in every cycle.
            ground = [[c["e"] + t * length * math.sin(math.radians(c["bearing"])),
                       c["n"] + t * length * math.cos(math.radians(c["bearing"]))] for t in (0, 0.5, 1)]
            px = pixels([[c["e"], c["n"]]] + ground, drift)[1:]
            polyline_px = json.dumps([[[round(x + pose.gauss(0, 1), 1), round(y + pose.gauss(0, 1), 1)] for x, y in px]])
            steps = max(2, int(length * 1000 / GSD_MM / 20))
            profile = [[px[0][0] + (px[2][0] - px[0][0]) * s / steps, px[0][1] + (px[2][1] - px[0][1]) * s / steps,
                        max(1.0, width / GSD_MM + pose.gauss(0, 0.5))] for s in range(steps + 1)]
            profile_px = json.dumps([[[round(v, 2) for v in q] for q in profile]])
            if i in previous:
                reference, before = previous[i]
                tx, ty = drift[0] - before[0], drift[1] - before[1]
                db.execute("""INSERT INTO capture_registration (asset_id, capture_id, reference_id, registered, homography,
                              matches, inliers, residual_px, residual_mm, overlap, reason, registered_at)
                              VALUES (?, ?, ?, 1, ?, 2000, 800, 0.8, 0.4, 0.9, NULL, ?)""",
                           (args.asset, capture, reference, json.dumps([[1, 0, tx], [0, 1, ty], [0, 0, 1]]), now))
            previous[i] = (capture, drift)
        db.execute("""INSERT INTO crack_observation (asset_id, id, capture_id, crack_index, polyline_px,
                      width_profile_px, length_px, max_width_px, mean_width_px, orientation_deg, area_px, length_mm,
                      max_width_mm, mean_width_mm, polyline_projected, epsg, easting, northing, bearing_deg,
                      georef_method, georef_uncertainty_m, severity_scheme, severity, confidence, model_name,
                      model_version, created_at, device_id, seq)
                      VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, 'footprint', 1.5,
                      'aashto-mbei-1130', ?, 0.9, 'bench', '1', ?, ?, ?)""",
                   (args.asset, oid, capture, polyline_px, profile_px, length * 2000, width * 2, width * 1.6, length * 1000, width, width * 0.8,
                    json.dumps([points]), epsg, points[1][0], points[1][1], c["bearing"] % 180, severity,
                    now, device, seq))
db.commit()
print(f"{args.cracks} cracks x {args.cycles} cycles = {args.cracks * args.cycles} observations")
