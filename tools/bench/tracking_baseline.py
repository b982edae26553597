#!/usr/bin/env python3
"""The peer for the tracking benchmark: what an engineer would script with SciPy. Reads
the same observations from the store, then per cycle gates candidate pairs with a
KD-tree on centroids (3 sigma of the combined uncertainty), takes them cheapest first one
to one, and fits a least-squares width rate per track. Centroid distance only: no
centreline Hausdorff, no bearing test, no events or overrides, nothing written back, so it
does strictly less work than `crackmon track`.

    python3 tools/bench/tracking_baseline.py STORE ASSET
"""
import sqlite3
import sys
import time

import numpy as np
from scipy.spatial import cKDTree

t0 = time.perf_counter()
db = sqlite3.connect(sys.argv[1])
rows = db.execute("""SELECT o.id, c.cycle_label, o.easting, o.northing, o.georef_uncertainty_m, o.max_width_mm,
                     y.start_date FROM crack_observation o JOIN capture c ON c.id = o.capture_id
                     JOIN inspection_cycle y ON y.asset_id = c.asset_id AND y.label = c.cycle_label
                     WHERE c.asset_id = ? ORDER BY y.start_date, o.id""", (sys.argv[2],)).fetchall()
cycles = sorted({(r[6], r[1]) for r in rows})
tracks = []          # per track: list of (year, width)
last = np.empty((0, 2)); last_u = np.empty(0); last_track = []
for date, label in cycles:
    here = [r for r in rows if r[1] == label]
    xy = np.array([[r[2], r[3]] for r in here]); u = np.array([r[4] for r in here])
    year = int(date[:4])
    taken, matched = set(), {}
    if len(last):
        tree = cKDTree(last)
        pairs = []
        for i, neighbours in enumerate(tree.query_ball_point(xy, r=3 * np.sqrt(2) * u.max())):
            for j in neighbours:
                sigma = np.hypot(u[i], last_u[j]); d = np.hypot(*(xy[i] - last[j]))
                if d <= 3 * sigma:
                    pairs.append((d / sigma, j, i))
        pairs.sort()
        for _, j, i in pairs:
            if j not in taken and i not in matched:
                taken.add(j); matched[i] = last_track[j]
    new_last, new_u, new_track = list(last), list(last_u), list(last_track)
    for i, r in enumerate(here):
        if i in matched:
            t = matched[i]
        else:
            t = len(tracks); tracks.append([])
            new_last.append(xy[i]); new_u.append(u[i]); new_track.append(t)
        tracks[t].append((year, r[5]))
    position = {t: k for k, t in enumerate(new_track)}
    for i, t in matched.items():
        new_last[position[t]] = xy[i]; new_u[position[t]] = u[i]
    last, last_u, last_track = np.array(new_last), np.array(new_u), new_track
rates = [np.polyfit(*zip(*s), 1)[0] if len(s) > 1 else None for s in tracks]
print(f"baseline: {len(tracks)} tracks from {len(rows)} observations in {time.perf_counter() - t0:.2f} s")
