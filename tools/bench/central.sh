#!/usr/bin/env bash
# Benchmark: the office side of the central server, on the SQLite and on the PostgreSQL store.
# One device store holds an asset of N tracks over 10 yearly cycles (tools/bench/map_store.py
# --outbox: footprint-placed cracks straight in SQLite, queued for sync), pushed with
# `crackmon sync --no-photos`. Then:
#   - central tracking: the server's background tracking of the asset (tracking_state.seconds:
#     read, track and write), against `crackmon track` of the same observations on the device
#     store (the same code, from a local file), in the same run;
#   - reports: GET /v1/assets/{id}/report.html against report.csv of the same asset (curl,
#     hyperfine), and `crackmon report growth` as HTML and CSV on the device.
# Needs: a release build (tools/setup.sh), curl, hyperfine, PostgreSQL 15 with PostGIS.
# Usage: tools/bench/central.sh [TRACKS] [BACKENDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
tracks=${1:-1211}
backends=${2:-"sqlite postgres"}
crackmon=$PWD/.build/release/crackmon
if ! command -v hyperfine >/dev/null; then apt-get update -qq && apt-get install -y -qq hyperfine; fi
work=$(mktemp -d)
pg=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  pkill -f "^$crackmon serve .*127.0.0.1:18095" || true
  [ -d "$work/pg" ] && as_pg "$pg/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
if [[ " $backends " == *" postgres "* ]]; then
  mkdir -p "$work/pg" && chown postgres "$work/pg" 2>/dev/null || true
  as_pg "$pg/initdb" -D "$work/pg" -U crackmon -A trust -E UTF8 --locale=C >/dev/null
  as_pg "$pg/pg_ctl" -D "$work/pg" -o "-p 18096 -k $work/pg -c listen_addresses=127.0.0.1" \
    -l "$work/pg/log" -w start >/dev/null
fi
psql_() { psql -X -q -A -t "postgres://crackmon@127.0.0.1:18096/$1" -c "$2"; }

device=$work/device.sqlite
"$crackmon" init --store "$device" >/dev/null
"$crackmon" asset add bench --name Bench --kind dam --lat 46.95 --lon 7.45 --store "$device" >/dev/null
for year in $(seq 2017 2026); do
  "$crackmon" cycle add bench "$year" --date "$year-06-01" --store "$device" >/dev/null
done
python3 tools/bench/map_store.py "$device" bench --cracks $((tracks * 10)) --outbox >/dev/null

for backend in $backends; do
  pkill -f "^$crackmon serve .*127.0.0.1:18095" || true
  rm -rf "$work/central.sqlite"* "$work/blobs"
  if [ "$backend" = postgres ]; then
    psql_ postgres "DROP DATABASE IF EXISTS bench" 2>/dev/null && psql_ postgres "CREATE DATABASE bench"
    export CRACKMON_CENTRAL=postgres://crackmon@127.0.0.1:18096/bench?sslmode=disable
    query() { psql_ bench "$1"; }
  else
    export CRACKMON_CENTRAL=$work/central.sqlite
    query() { sqlite3 "$CRACKMON_CENTRAL" "$1"; }
  fi
  "$crackmon" admin org add bench >/dev/null
  token=$("$crackmon" admin device add --org bench --name tablet 2>/dev/null | sed -n 's/^token: //p')
  reader=$("$crackmon" admin device add --org bench --name reader 2>/dev/null | sed -n 's/^token: //p')
  "$crackmon" serve --blobs "$work/blobs" --listen 127.0.0.1:18095 >"$work/serve.out" 2>"$work/serve.err" &
  for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
  cp "$device" "$work/push.sqlite"
  "$crackmon" remote set http://127.0.0.1:18095 --token "$token" --store "$work/push.sqlite" >/dev/null
  "$crackmon" sync --no-photos --store "$work/push.sqlite" >/dev/null
  newest=$(query "SELECT MAX(server_seq) FROM push_receipt")
  for _ in $(seq 600); do
    [ "$(query "SELECT tracked_through FROM tracking_state WHERE asset_id = 'bench'")" = "$newest" ] && break
    sleep 0.5
  done
  echo "$backend: $(query "SELECT COUNT(*) FROM crack_observation") observations, \
$(query "SELECT tracks FROM tracking_state") tracks; central tracking $(printf %.3f "$(query "SELECT seconds FROM tracking_state")") s"
  url=http://127.0.0.1:18095/v1/assets/bench
  hyperfine --warmup 1 --runs 5 -N --export-json "$work/$backend.json" \
    -n "$backend report.html" "curl -sf -o /dev/null -H 'Authorization: Bearer $reader' $url/report.html" \
    -n "$backend report.csv" "curl -sf -o /dev/null -H 'Authorization: Bearer $reader' $url/report.csv" \
    >/dev/null
  python3 - "$work/$backend.json" <<'PY'
import json, sys
for x in json.load(open(sys.argv[1]))["results"]:
    print(f"  {x['command']:24s} median {x['median']:.3f} s  (min {x['min']:.3f}, max {x['max']:.3f})")
PY
done
pkill -f "^$crackmon serve .*127.0.0.1:18095" || true
cp "$device" "$work/track.sqlite"
hyperfine --warmup 1 --runs 5 -N --export-json "$work/device.json" \
  -n "device crackmon track" "$crackmon track --asset bench --store $work/track.sqlite" \
  -n "device report html" "$crackmon report growth --asset bench --format html --out $work/r.html --store $work/track.sqlite" \
  -n "device report csv" "$crackmon report growth --asset bench --format csv --out $work/r.csv --store $work/track.sqlite" \
  >/dev/null
python3 - "$work/device.json" <<'PY'
import json, sys
for x in json.load(open(sys.argv[1]))["results"]:
    print(f"  {x['command']:24s} median {x['median']:.3f} s  (min {x['min']:.3f}, max {x['max']:.3f})")
PY
