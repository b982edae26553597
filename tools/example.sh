#!/usr/bin/env bash
# The main job on the bundled example: a field session over the generated photos in
# fixtures/photos (a phone with GPS, one without, a DJI nadir shot, a DJI oblique shot,
# a Huawei-style file). Writes out/example.sqlite; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

crackmon=.build/release/crackmon
[ -x "$crackmon" ] || crackmon=.build/debug/crackmon
export CRACKMON_STORE=out/example.sqlite
mkdir -p out
rm -f "$CRACKMON_STORE" "$CRACKMON_STORE-wal" "$CRACKMON_STORE-shm"

set -x
"$crackmon" init
"$crackmon" asset add pier-17 --name "Pier 17" --kind bridge --lat 52.52 --lon 13.40
"$crackmon" cycle add pier-17 2026-Q4 --date 2026-11-20
"$crackmon" ingest fixtures/photos --asset pier-17 --cycle 2026-Q4
"$crackmon" captures --asset pier-17
"$crackmon" cracks --asset pier-17
set +x

# Growth over four yearly cycles of a synthetic asset whose cracks grow by known amounts
# (tools/synth/make_cycles.py writes the photos and truth.json): ingest, track, report.
export CRACKMON_STORE=out/growth.sqlite
rm -rf out/synth "$CRACKMON_STORE" "$CRACKMON_STORE-wal" "$CRACKMON_STORE-shm"
# Debian's python3, which sees the python3-numpy/-scipy/-pil that setup.sh installs.
/usr/bin/python3 tools/synth/make_cycles.py --out out/synth --cycles 4
set -x
"$crackmon" init
"$crackmon" asset add bern --name "Bern test bridge" --kind bridge --lat 46.948 --lon 7.4474
for year in 2023 2024 2025 2026; do
  "$crackmon" cycle add bern "$year" --date "$year-06-01"
  "$crackmon" ingest "out/synth/$year" --asset bern --cycle "$year"
done
"$crackmon" track --asset bern
"$crackmon" report growth --asset bern --out out/growth-report.html
"$crackmon" export geojson --asset bern --out out/bern-map.geojson
