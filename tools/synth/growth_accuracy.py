#!/usr/bin/env python3
"""Growth accuracy on a synthetic asset crackmon has not been tuned on: generate the cycles
(make_cycles.py, with the seed and conditions given), ingest them with registration, track,
and compare every track's growth with the generator's truth.

    python3 tools/synth/growth_accuracy.py --seed 2033 --crackmon .build/debug/crackmon \\
        --work /tmp/acc -- --gps-sigma-m 3 --yaw-sigma-deg 5 --fade-cycle 2

Arguments after `--` go to make_cycles.py (`--surface fixed` is always given: a surface that
registration can recognise). Each observation's true crack is found as the tests find it: in
its photo, the crack whose offset from the true camera position is nearest the observation's
offset from the written one (the GPS error cancels); in a photo without GPS, the crack nearest
in length. Prints, per track, each cycle pair's length growth error by the tips and by the
difference of lengths, then one summary line.
"""
import argparse
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

ORIGIN = (46.948, 7.4474)
EARTH_R = 6_371_008.8


def run(crackmon, store, *arguments):
    done = subprocess.run([crackmon, *arguments, "--store", str(store)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"crackmon {' '.join(arguments)}: {done.stderr.strip()}")
    return done.stdout


def true_cracks(truth, observations):
    degree = math.pi / 180 * EARTH_R
    found = {}
    for o in observations:
        key = "/".join(o["photo"].split("/")[-2:])
        photo = truth["photos"][key]
        candidates = []
        for name, samples in truth["cracks"].items():
            for s in samples:
                if s["photo"] != key:
                    continue
                if photo.get("written_east_m") is not None and o.get("latitude") is not None:
                    north = (o["latitude"] - ORIGIN[0]) * degree - photo["written_north_m"]
                    east = (o["longitude"] - ORIGIN[1]) * degree * math.cos(math.radians(ORIGIN[0])) \
                        - photo["written_east_m"]
                    candidates.append((math.hypot(s["east_m"] - photo["true_east_m"] - east,
                                                  s["north_m"] - photo["true_north_m"] - north), name))
                else:
                    candidates.append((abs(s["length_mm"] - (o["length_mm"] or 0)) / 1000, name))
        found[o["id"]] = min(candidates)[1]
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--cycles", type=int, default=4)
    p.add_argument("--crackmon", default=".build/debug/crackmon")
    p.add_argument("--work", required=True, help="folder for the photos and the store (replaced)")
    p.add_argument("--gps-sigma-m", default="3", help="what ingest is told of the GPS error")
    p.add_argument("generator", nargs="*", help="make_cycles.py arguments, after --")
    args = p.parse_args()

    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    photos, store = work / "synth", work / "store.sqlite"
    generator = Path(__file__).resolve().parent / "make_cycles.py"
    subprocess.run([sys.executable, str(generator), "--out", str(photos), "--cycles", str(args.cycles),
                    "--seed", str(args.seed), "--surface", "fixed", *args.generator],
                   check=True, capture_output=True)
    run(args.crackmon, store, "init")
    run(args.crackmon, store, "asset", "add", "bern", "--name", "Bern", "--kind", "bridge",
        "--lat", str(ORIGIN[0]), "--lon", str(ORIGIN[1]))
    for year in sorted(d.name for d in photos.iterdir() if d.is_dir() and d.name.isdigit()):
        run(args.crackmon, store, "cycle", "add", "bern", year, "--date", f"{year}-06-01")
        run(args.crackmon, store, "ingest", str(photos / year), "--asset", "bern", "--cycle", year,
            "--gps-sigma-m", args.gps_sigma_m)
    report = json.loads(run(args.crackmon, store, "report", "growth", "--asset", "bern", "--format", "json"))
    observations = json.loads(run(args.crackmon, store, "cracks", "--asset", "bern", "--format", "json"))
    truth = json.loads((photos / "truth.json").read_text())
    crack_of = true_cracks(truth, observations)

    right = total = 0
    worst = {"tips_mm": 0.0, "tips": 0.0, "lengths": 0.0, "first_last_tips": 0.0, "first_last_lengths": 0.0}
    for track in report["tracks"]:
        names = [crack_of[p["observation_id"]] for p in track["points"]]
        majority = max(set(names), key=names.count)
        right += names.count(majority)
        total += len(names)
        samples = truth["cracks"][majority]
        if len(set(names)) != 1 or len(samples) != len(track["points"]):
            print(f"{majority}: {len(track['points'])} points of {len(samples)} cycles, {names}")
            continue
        row, tip_sum = [], 0.0
        for k in range(1, len(samples)):
            a, b = track["points"][k - 1], track["points"][k]
            grown = samples[k]["length_mm"] - samples[k - 1]["length_mm"]
            by_tips = b.get("length_growth_mm")
            by_lengths = b["length_mm"] - a["length_mm"]
            length = samples[k]["length_mm"]
            worst["lengths"] = max(worst["lengths"], abs(by_lengths - grown) / length)
            if by_tips is not None:
                tip_sum += by_tips
                worst["tips_mm"] = max(worst["tips_mm"], abs(by_tips - grown))
                worst["tips"] = max(worst["tips"], abs(by_tips - grown) / length)
            row.append(f"{grown:4.1f} mm: tips {'-' if by_tips is None else f'{by_tips - grown:+.2f}'}, "
                       f"lengths {by_lengths - grown:+.2f}")
        grown = samples[-1]["length_mm"] - samples[0]["length_mm"]
        worst["first_last_tips"] = max(worst["first_last_tips"], abs(tip_sum - grown) / samples[-1]["length_mm"])
        worst["first_last_lengths"] = max(
            worst["first_last_lengths"],
            abs(track["points"][-1]["length_mm"] - track["points"][0]["length_mm"] - grown) / samples[-1]["length_mm"])
        print(f"{majority}: " + " | ".join(row))
    print(f"seed {args.seed}: {len(report['tracks'])} tracks for {len(truth['cracks'])} cracks, "
          f"{100 * right / max(total, 1):.0f} % of observations on the right track; worst length growth error "
          f"cycle to cycle: tips {worst['tips_mm']:.2f} mm ({100 * worst['tips']:.1f} %), difference of lengths "
          f"{100 * worst['lengths']:.1f} %; first to last: tips {100 * worst['first_last_tips']:.1f} %, "
          f"lengths {100 * worst['first_last_lengths']:.1f} %")


if __name__ == "__main__":
    main()
