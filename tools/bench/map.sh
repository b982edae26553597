#!/usr/bin/env bash
# Benchmark: `crackmon export geojson` of 1,000,000 crack features (100,000 tracks x 10
# cycles, footprint-placed centrelines of 1-3 branches), against ogr2ogr converting the same
# features from a GeoPackage table to RFC 7946 GeoJSON (-lco RFC7946=YES: WGS84, 7 decimals,
# bbox), in the same run; with the peak RSS of both.
# Needs: a release build (tools/setup.sh), gdal-bin, hyperfine and GNU time (installed here
# if missing), about 6 GB of disk in $TMPDIR.
# Usage: tools/bench/map.sh [CRACKS]   -> prints the figures recorded in docs/benchmarks.md
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v hyperfine >/dev/null || [ ! -x /usr/bin/time ] || ! command -v ogr2ogr >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hyperfine time gdal-bin
fi
cracks=${1:-1000000}
crackmon=$PWD/.build/release/crackmon
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
store=$work/map.sqlite

"$crackmon" init --store "$store" >/dev/null
"$crackmon" asset add bench --name Bench --kind dam --lat 46.95 --lon 7.45 --store "$store" >/dev/null
for year in $(seq 2017 2026); do
  "$crackmon" cycle add bench "$year" --date "$year-06-01" --store "$store" >/dev/null
done
python3 tools/bench/map_store.py "$store" bench --cracks "$cracks"
# The peer's input: the same features in a GeoPackage table, made by GDAL from our sequence
# export (not timed).
"$crackmon" export geojson --asset bench --what cracks --seq --store "$store" --out "$work/cracks.geojsons"
ogr2ogr -f GPKG "$work/cracks.gpkg" "$work/cracks.geojsons" -nln cracks
ls -l "$store" "$work/cracks.gpkg" | awk '{print $5, $9}'

hyperfine --warmup 1 --runs 3 --export-json "$work/map.json" \
  -n "crackmon export geojson" \
  "$crackmon export geojson --asset bench --what cracks --store $store --out $work/crackmon.geojson" \
  -n "ogr2ogr GPKG -> GeoJSON" \
  "rm -f $work/ogr.geojson && ogr2ogr -f GeoJSON $work/ogr.geojson $work/cracks.gpkg -lco RFC7946=YES"
/usr/bin/time -f "crackmon peak RSS %M KB" \
  "$crackmon" export geojson --asset bench --what cracks --store "$store" --out "$work/crackmon.geojson"
rm -f "$work/ogr.geojson"
/usr/bin/time -f "ogr2ogr peak RSS %M KB" \
  ogr2ogr -f GeoJSON "$work/ogr.geojson" "$work/cracks.gpkg" -lco RFC7946=YES
ls -l "$work/crackmon.geojson" "$work/ogr.geojson" | awk '{print $5, $9}'
# Both files hold the same features, as GDAL reads them.
for f in crackmon ogr; do ogrinfo -so -al "$work/$f.geojson" | grep "Feature Count" | sed "s/^/$f: /"; done
python3 - "$work" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(f"{sys.argv[1]}/map.json"))["results"]}
for cmd, x in r.items():
    print(f"{cmd:26s} median {x['median']:.2f} s  (min {x['min']:.2f}, max {x['max']:.2f})")
m = {k: v["median"] for k, v in r.items()}
print(f"ratio: crackmon is {m['ogr2ogr GPKG -> GeoJSON'] / m['crackmon export geojson']:.2f}x faster than ogr2ogr")
PY
