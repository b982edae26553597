#!/usr/bin/env bash
# Benchmark: push throughput in records/s to `crackmon serve`, on the SQLite and on the
# PostgreSQL central store, for 1, 10 and 50 devices at once (the same records in all,
# split between the devices), against curl sending the very same batches to the same server
# binary in the same run. Each device store holds one asset with two cycles and synthetic crack
# records straight in SQLite (tools/bench/map_store.py --outbox: captures, crack
# observations with their centrelines, tracks), all queued in its outbox.
# crackmon: `crackmon sync --no-photos` per device (read the outbox, encode, push 500 per
# batch, mark pushed; then a pull that finds nothing new). curl: the batches crackmon sent,
# recorded once (tools/bench/push_recorder.py), posted by one curl process per device over
# one connection. Each round starts from a fresh central store; three rounds, medians.
# PostgreSQL: a throwaway server (initdb + pg_ctl in the work folder, default durability
# settings, fsync on), a fresh database per round.
# Needs: a release build (tools/setup.sh), curl, PostgreSQL 15 with PostGIS (tools/setup.sh).
# Usage: tools/bench/push.sh [CRACKS_IN_ALL] [DEVICE_COUNTS] [BACKENDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
cracks=${1:-40000}
counts=${2:-"1 10 50"}
backends=${3:-"sqlite postgres"}
crackmon=$PWD/.build/release/crackmon
work=$(mktemp -d)
pg=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  pkill -f "^$crackmon serve .*127.0.0.1:1809[23]" || true
  pkill -f "push_recorder.py $work" || true
  [ -d "$work/pg" ] && as_pg "$pg/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
now() { date +%s.%N; }
if [[ " $backends " == *" postgres "* ]]; then
  mkdir -p "$work/pg" && chown postgres "$work/pg" 2>/dev/null || true
  as_pg "$pg/initdb" -D "$work/pg" -U crackmon -A trust -E UTF8 --locale=C >/dev/null
  as_pg "$pg/pg_ctl" -D "$work/pg" -o "-p 18094 -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200" \
    -l "$work/pg/log" -w start >/dev/null
fi
psql_() { psql -X -q -A -t "postgres://crackmon@127.0.0.1:18094/$1" -c "$2"; }

store() {  # name cracks -> a pristine device store at $work/pristine/name.sqlite
  local s=$work/pristine/$1.sqlite
  "$crackmon" init --store "$s" >/dev/null
  "$crackmon" asset add "$1" --name "$1" --kind bridge --lat 46.95 --lon 7.45 --store "$s" >/dev/null
  for year in 2025 2026; do "$crackmon" cycle add "$1" "$year" --date "$year-06-01" --store "$s" >/dev/null; done
  python3 tools/bench/map_store.py "$s" "$1" --cracks "$2" --outbox >/dev/null
}
mkdir -p "$work/pristine"
for n in $counts; do
  for i in $(seq "$n"); do store "n${n}dev$i" $((cracks / n)); done
done

# The batches crackmon sends, recorded once per store.
python3 tools/bench/push_recorder.py "$work/batches" 18093 &
sleep 1
for s in "$work"/pristine/*.sqlite; do
  name=$(basename "$s" .sqlite)
  cp "$s" "$work/rec.sqlite"
  mkdir -p "$work/batches/$name"
  "$crackmon" remote set http://127.0.0.1:18093 --token x --store "$work/rec.sqlite" >/dev/null
  "$crackmon" sync --no-photos --store "$work/rec.sqlite" >/dev/null 2>&1 || true  # stops at the pull
  mv "$work"/batches/*.json "$work/batches/$name/"
  rm -f "$work/rec.sqlite"*
done
pkill -f "push_recorder.py $work" || true

serve() {  # -> a fresh central store with one token per device in $work/tokens, server on 18092
  pkill -f "^$crackmon serve .*127.0.0.1:18092" || true
  rm -rf "$work/central.sqlite"* "$work/blobs" "$work/tokens"
  mkdir -p "$work/tokens"
  if [ "$backend" = postgres ]; then
    psql_ postgres "DROP DATABASE IF EXISTS bench" 2>/dev/null && psql_ postgres "CREATE DATABASE bench"
    export CRACKMON_CENTRAL=postgres://crackmon@127.0.0.1:18094/bench?sslmode=disable
  else
    export CRACKMON_CENTRAL=$work/central.sqlite
  fi
  "$crackmon" admin org add bench >/dev/null
  for name in "$@"; do
    "$crackmon" admin device add --org bench --name "$name" 2>/dev/null | sed -n 's/^token: //p' >"$work/tokens/$name"
  done
  "$crackmon" serve --blobs "$work/blobs" --listen 127.0.0.1:18092 >"$work/serve.out" 2>/dev/null &
  for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; exit 1
}
receipts() {
  if [ "$backend" = postgres ]; then psql_ bench "SELECT COUNT(*) FROM push_receipt"
  else sqlite3 "$CRACKMON_CENTRAL" "SELECT COUNT(*) FROM push_receipt"; fi
}
expected() { local n=0; for name in "$@"; do n=$((n + $(sqlite3 "$work/pristine/$name.sqlite" "SELECT COUNT(*) FROM sync_outbox"))); done; echo $n; }

run_crackmon() {  # names... -> seconds for all their syncs at once
  serve "$@"
  for name in "$@"; do
    cp "$work/pristine/$name.sqlite" "$work/$name.sqlite"
    "$crackmon" remote set http://127.0.0.1:18092 --token "$(cat "$work/tokens/$name")" --store "$work/$name.sqlite" >/dev/null
  done
  local t0 t1
  t0=$(now)
  local pids=()
  for name in "$@"; do
    "$crackmon" sync --no-photos --store "$work/$name.sqlite" >"$work/$name.out" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  t1=$(now)
  [ "$(receipts)" = "$(expected "$@")" ] || { echo "crackmon: $(receipts) receipts, $(expected "$@") expected" >&2; exit 1; }
  echo "$t1 - $t0" | bc
}
run_curl() {
  serve "$@"
  for name in "$@"; do
    : >"$work/$name.curl"
    for f in "$work/batches/$name"/*.json; do
      [ -s "$work/$name.curl" ] && echo next >>"$work/$name.curl"
      # No "Expect: 100-continue" (curl waits up to 1 s for it on large bodies; crackmon does not send it).
      printf 'url = "http://127.0.0.1:18092/v1/push"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\nheader = "Expect:"\ndata-binary = "@%s"\noutput = "/dev/null"\n' \
        "$(cat "$work/tokens/$name")" "$f" >>"$work/$name.curl"
    done
  done
  local t0 t1
  t0=$(now)
  local pids=()
  for name in "$@"; do
    curl -s -K "$work/$name.curl" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  t1=$(now)
  [ "$(receipts)" = "$(expected "$@")" ] || { echo "curl: $(receipts) receipts, $(expected "$@") expected" >&2; exit 1; }
  echo "$t1 - $t0" | bc
}
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

for backend in $backends; do
  for n in $counts; do
    names=()
    for i in $(seq "$n"); do names+=("n${n}dev$i"); done
    records=$(expected "${names[@]}")
    ours=(); theirs=()
    for round in 1 2 3; do
      ours+=("$(run_crackmon "${names[@]}")")
      theirs+=("$(run_curl "${names[@]}")")
    done
    o=$(median "${ours[@]}"); t=$(median "${theirs[@]}")
    echo "$backend, $n device(s), $records records: crackmon sync ${o} s ($(echo "$records / $o" | bc) records/s; rounds ${ours[*]}), curl ${t} s ($(echo "$records / $t" | bc) records/s; rounds ${theirs[*]}); crackmon at $(echo "scale=0; 100 * $t / $o" | bc) % of curl's rate"
  done
done
