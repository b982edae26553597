#!/usr/bin/env bash
# Benchmark: GET /v1/assets/{id}/cracks?bbox= over 1,000,000 crack observations (100,000
# tracks x 10 cycles, footprint centrelines, tools/bench/map_store.py) on the SQLite and on
# the PostgreSQL + PostGIS central store: p50/p99 latency of random boxes, each 5 % of the
# asset's extent on a side, timed by curl (time_total), the two backends' requests
# interleaved. Also: `crackmon migrate-central` of that store from SQLite to PostgreSQL, and
# the plan PostgreSQL ran for one box (auto_explain, the server's own query).
# PostgreSQL: a throwaway server in the work folder with default durability settings.
# Needs: a release build (tools/setup.sh), curl, sqlite3, PostgreSQL 15 + PostGIS; ~6 GB disk.
# Usage: tools/bench/bbox.sh [CRACKS] [QUERIES]
set -euo pipefail
cd "$(dirname "$0")/../.."
cracks=${1:-1000000}
queries=${2:-200}
crackmon=$PWD/.build/release/crackmon
work=$(mktemp -d)
chmod 755 "$work"
pg=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  pkill -f "^$crackmon serve .*127.0.0.1:1809[67]" || true
  as_pg "$pg/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/pg" && chown postgres "$work/pg" 2>/dev/null || true
as_pg "$pg/initdb" -D "$work/pg" -U crackmon -A trust -E UTF8 --locale=C >/dev/null
as_pg "$pg/pg_ctl" -D "$work/pg" -o "-p 18095 -k $work/pg -c listen_addresses=127.0.0.1 \
  -c shared_preload_libraries=auto_explain -c auto_explain.log_analyze=on" -l "$work/pg/log" -w start >/dev/null
url=postgres://crackmon@127.0.0.1:18095/bench?sslmode=disable
psql -X -q postgres://crackmon@127.0.0.1:18095/postgres -c "CREATE DATABASE bench"

# The asset in a device store, then copied into a SQLite central store as if pushed.
device=$work/device.sqlite
"$crackmon" init --store "$device" >/dev/null
"$crackmon" asset add bench --name Bench --kind dam --lat 46.95 --lon 7.45 --store "$device" >/dev/null
for year in $(seq 2017 2026); do "$crackmon" cycle add bench "$year" --date "$year-06-01" --store "$device" >/dev/null; done
python3 tools/bench/map_store.py "$device" bench --cracks "$cracks" >/dev/null
central=$work/central.sqlite
CRACKMON_CENTRAL=$central "$crackmon" admin org add bench >/dev/null
sqlite3 "$central" "ATTACH '$device' AS d;
  INSERT INTO asset SELECT * FROM d.asset; INSERT INTO inspection_cycle SELECT * FROM d.inspection_cycle;
  INSERT INTO capture SELECT * FROM d.capture; INSERT INTO crack_track SELECT * FROM d.crack_track;
  INSERT INTO crack_observation SELECT * FROM d.crack_observation;
  INSERT INTO asset_org (asset_id, org_id) VALUES ('bench', 'bench');"
rm -f "$device"*

t0=$(date +%s.%N)
"$crackmon" migrate-central --from "$central" --to "$url" >"$work/migrate.out"
t1=$(date +%s.%N)
echo "migrate-central: $(grep crack_observation "$work/migrate.out" | tr -s ' ') in $(echo "$t1 - $t0" | bc) s"
psql -X -q "$url" -c "VACUUM ANALYZE"

token() { "$crackmon" admin device add --org bench --name bench "$@" 2>/dev/null | sed -n 's/^token: //p'; }
lite_token=$(CRACKMON_CENTRAL=$central token)
pg_token=$(token --postgres "$url")
"$crackmon" serve --store "$central" --blobs "$work/blobs" --listen 127.0.0.1:18096 >"$work/lite.out" 2>/dev/null &
"$crackmon" serve --postgres "$url" --blobs "$work/blobs" --listen 127.0.0.1:18097 >"$work/pg.out" 2>/dev/null &
for _ in $(seq 100); do grep -q listening "$work/lite.out" "$work/pg.out" 2>/dev/null && [ "$(grep -l listening "$work"/*.out | wc -l)" = 2 ] && break; sleep 0.1; done

read -r lon0 lon1 lat0 lat1 < <(sqlite3 -separator ' ' "$central" \
  "SELECT MIN(longitude), MAX(longitude), MIN(latitude), MAX(latitude) FROM crack_observation")
python3 - "$lon0" "$lon1" "$lat0" "$lat1" "$queries" >"$work/boxes" <<'EOF'
import random, sys
lon0, lon1, lat0, lat1, n = *map(float, sys.argv[1:5]), int(sys.argv[5])
rng = random.Random(7)
w, h = (lon1 - lon0) * 0.05, (lat1 - lat0) * 0.05
for _ in range(n):
    x, y = rng.uniform(lon0, lon1 - w), rng.uniform(lat0, lat1 - h)
    print(f"{x:.7f},{y:.7f},{x + w:.7f},{y + h:.7f}")
EOF
ask() {  # port token box -> seconds and features
  curl -s -o "$work/answer" -w '%{time_total}' -H "Authorization: Bearer $2" \
    "http://127.0.0.1:$1/v1/assets/bench/cracks?bbox=$3"
  echo " $(grep -o '"type":"Feature"' "$work/answer" | wc -l)"
}
# Warm both (first touch of the pages), then measure interleaved.
for box in $(head -5 "$work/boxes"); do ask 18096 "$lite_token" "$box" >/dev/null; ask 18097 "$pg_token" "$box" >/dev/null; done
: >"$work/lite.times"; : >"$work/pg.times"
while read -r box; do
  ask 18096 "$lite_token" "$box" >>"$work/lite.times"
  ask 18097 "$pg_token" "$box" >>"$work/pg.times"
done <"$work/boxes"
python3 - "$work/lite.times" "$work/pg.times" <<'EOF'
import statistics, sys
def load(path):
    rows = [line.split() for line in open(path)]
    return sorted(float(t) for t, _ in rows), [int(n) for _, n in rows]
lite, lite_n = load(sys.argv[1])
pg, pg_n = load(sys.argv[2])
bad = [i for i, (a, b) in enumerate(zip(lite_n, pg_n)) if a != b]
assert not bad, f"the two backends answered different features for boxes {bad[:10]}"
def pct(values, p):
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
print(f"{len(lite)} boxes, {statistics.median(lite_n):.0f} cracks per answer (median), same features from both")
for name, v in (("sqlite", lite), ("postgres", pg)):
    print(f"{name}: p50 {pct(v, 50) * 1000:.1f} ms, p99 {pct(v, 99) * 1000:.1f} ms")
print(f"p50 ratio sqlite/postgres: {pct(lite, 50) / pct(pg, 50):.1f}x")
EOF

# The plan of the server's own query for one box.
psql -X -q postgres://crackmon@127.0.0.1:18095/postgres -c "ALTER SYSTEM SET auto_explain.log_min_duration = 0" \
  -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
ask 18097 "$pg_token" "$(head -1 "$work/boxes")" >/dev/null
sleep 0.5
echo "PostgreSQL plan for one box (auto_explain):"
sed -n '/Query Text: SELECT c.id AS capture_id/,/Execution Time\|Planning Time/p' "$work/pg/log" | tail -n +2 | cut -c1-160 | head -40
