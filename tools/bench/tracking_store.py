#!/usr/bin/env python3
"""Fills a crackmon store with a synthetic asset for the tracking benchmark: N cracks seen
in each of C yearly cycles, as footprint-placed observations (what `crackmon ingest` writes
for nadir drone shots), straight into SQLite so the benchmark times tracking, not
segmentation.

Cracks sit 3 m apart on a square grid (a dam face or deck soffit); each is a 3-vertex
centreline 0.2-0.6 m long at a random bearing. Every cycle a crack shows up moved by GNSS
noise (0.3 m, its photo's error) with a 1.5 m placement uncertainty (drone GNSS), a little
longer and wider. The store must exist with the asset and its cycles (tracking.sh does that).

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
args = p.parse_args()
rng = random.Random(args.seed)
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
for k, label in enumerate(cycles[:args.cycles]):
    for i, c in enumerate(cracks):
        capture = hashlib.sha256(f"{label}/{i}".encode()).hexdigest()
        seq += 1
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
        db.execute("""INSERT INTO crack_observation (id, capture_id, crack_index, polyline_px, width_profile_px,
                      length_px, max_width_px, mean_width_px, orientation_deg, area_px, length_mm, max_width_mm,
                      mean_width_mm, polyline_projected, epsg, easting, northing, bearing_deg, georef_method,
                      georef_uncertainty_m, severity_scheme, severity, confidence, model_name, model_version,
                      created_at, device_id, seq)
                      VALUES (?, ?, 0, '[]', '[]', ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, 'footprint', 1.5,
                      'aashto-mbei-1130', ?, 0.9, 'bench', '1', ?, ?, ?)""",
                   (oid, capture, length * 2000, width * 2, width * 1.6, length * 1000, width, width * 0.8,
                    json.dumps([points]), epsg, points[1][0], points[1][1], c["bearing"] % 180, severity,
                    now, device, seq))
db.commit()
print(f"{args.cracks} cracks x {args.cycles} cycles = {args.cracks * args.cycles} observations")
