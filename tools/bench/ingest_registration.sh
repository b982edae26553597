#!/usr/bin/env bash
# Benchmark: ingest throughput with registration on (issue 20, part 2), against the same ingest
# with --no-register, in the same run; and what the registrations themselves cost, against the
# OpenCV Python peer (tools/bench/register_baseline.py) registering the same pairs.
# Photos: a synthetic asset from tools/synth/make_cycles.py (seed 2040, fixed surface, GPS
# sigma 3 m, yaw sigma 5 deg): 4 cycles x 4 sites, 2048 x 1536 px, each photo of cycles 2-4
# registered to its site's photo of the cycle before (GPS candidates within 4 sigma).
# Needs: a release build (tools/setup.sh), /usr/bin/python3 with numpy, scipy and Pillow,
# python3 with opencv-python, hyperfine (installed here if missing).
# Usage: tools/bench/ingest_registration.sh   -> the figures recorded in docs/benchmarks.md
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
crackmon=$PWD/.build/release/crackmon
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 tools/synth/make_cycles.py --out "$work/synth" --cycles 4 --seed 2040 --surface fixed \
  --gps-sigma-m 3 --yaw-sigma-deg 5 >/dev/null

cat >"$work/ingest.sh" <<EOF
# One whole asset from a fresh store: $work/ingest.sh STORE [INGEST OPTIONS]
set -e
store=\$1; shift
rm -f "\$store"
"$crackmon" init --store "\$store" >/dev/null
"$crackmon" asset add b --name B --kind bridge --lat 46.948 --lon 7.4474 --store "\$store" >/dev/null
for year in 2023 2024 2025 2026; do
  "$crackmon" cycle add b \$year --date \$year-06-01 --store "\$store" >/dev/null
  "$crackmon" ingest "$work/synth/\$year" --asset b --cycle \$year --gps-sigma-m 3 --store "\$store" "\$@" >/dev/null 2>&1
done
EOF
hyperfine --warmup 1 --runs 3 --export-json "$work/ingest.json" \
  -n "ingest, registration on" "bash $work/ingest.sh $work/on.sqlite" \
  -n "ingest --no-register" "bash $work/ingest.sh $work/off.sqlite --no-register"

# The pairs ingest tried (registered or not), as reference and photo paths.
sqlite3 "$work/on.sqlite" "SELECT r.source_path, c.source_path FROM capture_registration g
  JOIN capture c ON c.id = g.capture_id JOIN capture r ON r.id = g.reference_id ORDER BY c.source_path" \
  | tr '|' '\n' >"$work/pairs.txt"
attempts=$(sqlite3 "$work/on.sqlite" "SELECT count(*), sum(registered) FROM capture_registration")
echo "registration attempts, registered: $attempts"
mapfile -t pairs <"$work/pairs.txt"
hyperfine --runs 3 --export-json "$work/pairs.json" \
  -n "crackmon register, the same pairs" \
  "bash -c 'set -- ${pairs[*]}; while [ \$# -gt 0 ]; do $crackmon register \"\$1\" \"\$2\" >/dev/null || true; shift 2; done'" \
  -n "OpenCV Python peer, the same pairs" "python3 tools/bench/register_baseline.py ${pairs[*]}"
python3 - "$work" "$(( ${#pairs[@]} / 2 ))" <<'PY'
import json, sys
work, pairs = sys.argv[1], int(sys.argv[2])
r = {x["command"]: x["median"] for name in ["ingest", "pairs"] for x in json.load(open(f"{work}/{name}.json"))["results"]}
on, off = r["ingest, registration on"], r["ingest --no-register"]
print(f"16 photos: {on:.2f} s with registration, {off:.2f} s without: {16 / on:.2f} vs {16 / off:.2f} photos/s, "
      f"ratio {on / off:.2f}x; registration adds {(on - off) / pairs:.2f} s per attempted pair")
mine, peer = r["crackmon register, the same pairs"], r["OpenCV Python peer, the same pairs"]
print(f"{pairs} pairs: crackmon register {mine / pairs:.2f} s per pair, OpenCV Python {peer / pairs:.2f} s "
      f"(one process), ratio {mine / peer:.2f}x")
PY
