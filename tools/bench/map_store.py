#!/usr/bin/env python3
"""Fills a crackmon store with a synthetic asset for the map-export benchmark: N crack
observations placed through nadir footprints (what `crackmon ingest` writes for drone
shots), 10 per capture, on tracks with growth rates (what `crackmon track` writes), straight
into SQLite so the benchmark times the export, not segmentation or tracking.

Each crack is a centreline of 1-3 branches, 4-24 vertices each, stored as crackmon stores
them: pixel polyline, width profile, projected and WGS84 polylines (JSON, 8 decimals). The
store must exist with the asset and its cycles (map.sh does that).

    python3 tools/bench/map_store.py STORE ASSET --cracks 1000000 [--outbox]

With --outbox every row is also queued in the sync outbox, as crackmon queues what it
writes, so that `crackmon sync` pushes it (the push benchmark, push.sh).
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
p.add_argument("--cracks", type=int, default=1_000_000)
p.add_argument("--per-capture", type=int, default=10)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--outbox", action="store_true")
args = p.parse_args()
rng = random.Random(args.seed)
db = sqlite3.connect(args.store)
db.execute("PRAGMA journal_mode = WAL")
device, = db.execute("SELECT id FROM device").fetchone()
lat0, lon0 = db.execute("SELECT latitude, longitude FROM asset WHERE id = ?", (args.asset,)).fetchone()
cycles = [label for label, in db.execute(
    "SELECT label FROM inspection_cycle WHERE asset_id = ? ORDER BY start_date", (args.asset,))]
tracks = args.cracks // len(cycles)
m_per_deg_lat = 111_132.0
m_per_deg_lon = 111_320.0 * math.cos(math.radians(lat0))
seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM sync_outbox").fetchone()[0]
now = "2026-11-23T00:00:00.000Z"


def track_id(t):  # unique per asset, as crackmon's are: several stores may share a central store
    return "trk_" + hashlib.sha256(f"{args.asset}/{t}".encode()).hexdigest()[:16]


def queue(entity, key):
    if args.outbox:
        db.execute("INSERT INTO sync_outbox (device_id, seq, entity, entity_key, created_at) VALUES (?, ?, ?, ?, ?)",
                   (device, seq, entity, key, now))


def fmt(points, digits):
    return "[" + ",".join("[" + ",".join(f"[{x:.{digits}f},{y:.{digits}f}]" for x, y in b) + "]"
                          for b in points) + "]"


# One track per crack position; every cycle sees each track once.
side = math.ceil(math.sqrt(tracks))
for t in range(tracks):
    seq += 1
    db.execute("INSERT INTO crack_track (id, asset_id, created_at, device_id, seq) VALUES (?, ?, ?, ?, ?)",
               (track_id(t), args.asset, now, device, seq))
    queue("crack_track", track_id(t))
n = 0
capture = None
for k, label in enumerate(cycles):
    for t in range(tracks):
        if n % args.per_capture == 0:
            capture = hashlib.sha256(f"{args.asset}/{label}/{n}".encode()).hexdigest()
            seq += 1
            db.execute("""INSERT INTO capture (id, asset_id, cycle_label, source_path, file_size, container,
                          gps_status, latitude, longitude, camera_view, gsd_method, gsd_mm_per_px, metadata_json,
                          ingested_at, device_id, seq)
                          VALUES (?, ?, ?, ?, 0, 'jpeg', 'valid', ?, ?, 'nadir', 'nadir_relative_altitude', 0.5,
                          '{}', ?, ?, ?)""",
                       (capture, args.asset, label, f"bench/{label}/{n}.jpg", lat0, lon0, now, device, seq))
            queue("capture", capture)
        e0, n0 = 2.0 * (t % side), 2.0 * (t // side)
        branches_px, branches_en = [], []
        for b in range(rng.choice([1, 1, 1, 2, 3])):
            x, y = rng.uniform(0, 4000), rng.uniform(0, 3000)
            a = rng.uniform(0, math.pi)
            px = []
            for _ in range(rng.randint(4, 24)):
                px.append((round(x), round(y)))
                a += rng.gauss(0, 0.3)
                x, y = x + 12 * math.cos(a), y + 12 * math.sin(a)
            branches_px.append(px)
            branches_en.append([(500_000 + e0 + u * 0.0005, 5_200_000 + n0 - v * 0.0005) for u, v in px])
        wgs = [[(lon0 + (e - 500_000) / m_per_deg_lon, lat0 + (nn - 5_200_000) / m_per_deg_lat) for e, nn in b]
               for b in branches_en]
        profile = [[x, y, round(rng.uniform(1, 6), 2)] for b in branches_px for x, y in b]
        length = sum(math.dist(b[i], b[i + 1]) for b in branches_px for i in range(len(b) - 1))
        width = 0.3 + 0.05 * k + rng.gauss(0, 0.02)
        oid = hashlib.sha256(f"{capture}|bench|1|{n}".encode()).hexdigest()
        seq += 1
        cx, cy = wgs[0][0]
        db.execute("""INSERT INTO crack_observation (asset_id, id, capture_id, crack_index, polyline_px,
                      width_profile_px, length_px, max_width_px, mean_width_px, orientation_deg, area_px, length_mm,
                      max_width_mm, mean_width_mm, area_mm2, polyline_projected, polyline_wgs84, epsg, easting,
                      northing, latitude, longitude, bearing_deg, georef_method, georef_uncertainty_m,
                      severity_scheme, severity, confidence, model_name, model_version, created_at, device_id, seq)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, 32632, ?, ?, ?, ?, 0, 'footprint',
                      1.5, 'aashto-mbei-1130', ?, 0.9, 'bench', '1', ?, ?, ?)""",
                   (args.asset, oid, capture, n % args.per_capture, json.dumps(branches_px), json.dumps(profile), length,
                    width * 2, width * 1.6, length * 3, length * 0.5, width, width * 0.8, length * 1.5,
                    fmt(branches_en, 4), fmt(wgs, 8), branches_en[0][0][0], branches_en[0][0][1], cy, cx,
                    "CS1" if width < 0.3 else "CS2", now, device, seq))
        queue("crack_observation", oid)
        db.execute("INSERT INTO crack_track_member (observation_id, track_id, assigned_by) VALUES (?, ?, ?)",
                   (oid, track_id(t), "new" if k == 0 else "matching"))
        if k == len(cycles) - 1:
            db.execute("""INSERT INTO track_growth (track_id, asset_id, cycles_seen, latest_observation_id,
                          length_mm_per_year, max_width_mm_per_year, mean_width_mm_per_year) VALUES
                          (?, ?, ?, ?, ?, 0.05, 0.04)""",
                       (track_id(t), args.asset, len(cycles), oid, rng.uniform(0, 5)))
        n += 1
db.commit()
print(f"{n} crack observations, {tracks} tracks x {len(cycles)} cycles")
