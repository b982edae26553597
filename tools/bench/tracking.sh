#!/usr/bin/env bash
# Benchmark: `crackmon track` (tracking + growth + alerts, read from and written to the
# store) for 10,000 cracks over 10 yearly cycles, the first time and again, against a SciPy
# baseline that does less (tools/bench/tracking_baseline.py), in the same run; then `crackmon report growth` as
# HTML and JSON for 1,000 tracks over 10 cycles. With --registered: only the tracking figures,
# on a store whose photos are registered cycle to cycle (tracking_store.py --registered), so
# that every crack is placed through a chain of 10 registrations.
# Needs: a release build (tools/setup.sh), python3 with numpy and scipy, hyperfine and GNU
# time (installed here if missing).
# Usage: tools/bench/tracking.sh   -> prints the figures recorded in docs/benchmarks.md
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v hyperfine >/dev/null || [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq hyperfine time
fi
crackmon=$PWD/.build/release/crackmon
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

registered=""
[ "${1:-}" = "--registered" ] && registered="--registered"

make_store() {  # store cracks
  "$crackmon" init --store "$1" >/dev/null
  "$crackmon" asset add bench --name Bench --kind dam --lat 46.95 --lon 7.45 --store "$1" >/dev/null
  for year in $(seq 2017 2026); do
    "$crackmon" cycle add bench "$year" --date "$year-06-01" --store "$1" >/dev/null
  done
  python3 tools/bench/tracking_store.py "$1" bench --cracks "$2" --cycles 10 $registered
}

make_store "$work/track.sqlite" 10000
cp "$work/track.sqlite" "$work/untracked.sqlite"
# First tracking of the store (every centreline decoded from JSON and kept, every member
# written): a fresh copy per run. Then re-tracking, as after an inspector's link: the
# store as tracking left it.
hyperfine --warmup 1 --runs 5 --export-json "$work/first.json" \
  --prepare "cp $work/untracked.sqlite $work/first.sqlite" \
  -n "crackmon track (first)" "$crackmon track --asset bench --store $work/first.sqlite"
"$crackmon" track --asset bench --store "$work/track.sqlite" >/dev/null
hyperfine --warmup 1 --runs 5 --export-json "$work/track.json" \
  -n "crackmon track" "$crackmon track --asset bench --store $work/track.sqlite" \
  -n "scipy baseline" "python3 tools/bench/tracking_baseline.py $work/track.sqlite bench"
"$crackmon" track --asset bench --store "$work/track.sqlite" --timings | head -7
if [ -n "$registered" ]; then
  "$crackmon" report growth --asset bench --format json --store "$work/track.sqlite" --out "$work/r.json"
  python3 - "$work" <<'PY'
import collections, json, sys
r = json.load(open(f"{sys.argv[1]}/r.json"))
print(len(r["tracks"]), "tracks,", dict(collections.Counter(t["matched_by"] for t in r["tracks"])))
for name in ["first", "track"]:
    for x in json.load(open(f"{sys.argv[1]}/{name}.json"))["results"]:
        print(f"{x['command']:24s} median {x['median']:.3f} s  (min {x['min']:.3f}, max {x['max']:.3f})")
PY
  exit 0
fi
/usr/bin/time -f "crackmon track peak RSS %M KB" "$crackmon" track --asset bench --store "$work/track.sqlite" >/dev/null
/usr/bin/time -f "scipy baseline peak RSS %M KB" python3 tools/bench/tracking_baseline.py "$work/track.sqlite" bench

make_store "$work/report.sqlite" 1000
hyperfine --warmup 1 --runs 5 --export-json "$work/report.json" \
  -n "report html" "$crackmon report growth --asset bench --store $work/report.sqlite --out $work/r.html" \
  -n "report json" "$crackmon report growth --asset bench --format json --store $work/report.sqlite --out $work/r.json"
ls -l "$work/r.html" "$work/r.json" | awk '{print $5, $9}'
python3 - "$work" <<'PY'
import json, sys
for name in ["first", "track", "report"]:
    r = {x["command"]: x for x in json.load(open(f"{sys.argv[1]}/{name}.json"))["results"]}
    for cmd, x in r.items():
        print(f"{cmd:16s} median {x['median']:.3f} s  (min {x['min']:.3f}, max {x['max']:.3f})")
r = {x["command"]: x["median"] for x in json.load(open(f"{sys.argv[1]}/track.json"))["results"]}
print(f"ratio: crackmon track is {r['scipy baseline'] / r['crackmon track']:.2f}x the SciPy baseline")
PY
