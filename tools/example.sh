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
