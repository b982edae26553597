#!/usr/bin/env bash
# Benchmark: photo upload to `crackmon serve`, crackmon sync against curl -T, same files,
# same server binary, same machine, same run. 20 photos of 5 MB (the fixture JPEG plus random
# bytes, so each is a new capture). crackmon: `crackmon sync` (records, then each photo
# created and sent in 4 MB checked chunks). curl: for each photo, the same create request
# and then the whole file in one PATCH with its checksum (`curl -T`), to a second server
# whose central store already has the records and whose blob folder is empty. Three rounds,
# each from a fresh blob folder; medians. Also the server's peak RSS while receiving.
# Photos up to 8 MB (the server's chunk limit, which the one-PATCH curl upload must meet).
# Needs: a release build (tools/setup.sh), curl.
# Usage: tools/bench/sync.sh [PHOTOS] [MB]
set -euo pipefail
cd "$(dirname "$0")/../.."
photos=${1:-20}
mb=${2:-5}
crackmon=$PWD/.build/release/crackmon
work=$(mktemp -d)
trap 'pkill -f "^$crackmon serve .*127.0.0.1:1809[01]" || true; rm -rf "$work"' EXIT
export CRACKMON_CENTRAL=$work/central.sqlite
"$crackmon" admin org add bench >/dev/null
token=$("$crackmon" admin device add --org bench --name bench 2>/dev/null | sed -n 's/^token: //p')
mkdir -p "$work/photos"
for i in $(seq "$photos"); do
  cat fixtures/photos/dji-nadir.jpg <(head -c $((mb * 1000000)) /dev/urandom) >"$work/photos/p$i.jpg"
done
bytes=$(cat "$work/photos"/*.jpg | wc -c)

serve() {  # central blobs port -> starts a server, waits until it listens
  /usr/bin/time -f "%M" -o "$work/rss-$3" "$crackmon" serve --store "$1" --blobs "$2" --listen "127.0.0.1:$3" \
    >"$work/serve-$3.out" 2>/dev/null &
  server_pid=$!
  for _ in $(seq 100); do grep -q listening "$work/serve-$3.out" 2>/dev/null && return; sleep 0.1; done
  echo "server on port $3 did not start (port taken?)" >&2
  exit 1
}
stop() {  # port -> stops the server (not GNU time around it, which then writes the peak RSS)
  pkill -f "^$crackmon serve .*127.0.0.1:$1" || true
  wait "$server_pid" 2>/dev/null || true
}
now() { date +%s.%N; }

declare -a ours theirs
for round in 1 2 3; do
  # crackmon: a fresh field store and blob folder each round.
  rm -rf "$work/blobs" "$work/field.sqlite"* "$work/central.sqlite"*
  "$crackmon" admin org add bench >/dev/null
  token=$("$crackmon" admin device add --org bench --name bench 2>/dev/null | sed -n 's/^token: //p')
  store=$work/field.sqlite
  "$crackmon" init --store "$store" >/dev/null
  "$crackmon" asset add bench --name B --kind dam --lat 46.9 --lon 7.4 --store "$store" >/dev/null
  "$crackmon" cycle add bench 2026 --store "$store" >/dev/null
  "$crackmon" ingest "$work/photos" --asset bench --cycle 2026 --no-segment --store "$store" >/dev/null
  "$crackmon" remote set http://127.0.0.1:18090 --token "$token" --store "$store" >/dev/null
  serve "$CRACKMON_CENTRAL" "$work/blobs" 18090
  "$crackmon" sync --no-photos --store "$store" >/dev/null  # records first, not timed
  t0=$(now)
  "$crackmon" sync --store "$store" >/dev/null
  t1=$(now)
  stop 18090
  ours+=("$(echo "$t1 - $t0" | bc)")
  echo "crackmon server peak RSS $(cat "$work/rss-18090") KB"

  # curl: the same photos to a server with the same records and no blobs.
  rm -rf "$work/blobs2"
  serve "$CRACKMON_CENTRAL" "$work/blobs2" 18091
  t0=$(now)
  for f in "$work/photos"/*.jpg; do
    sha=$(sha256sum "$f" | cut -c1-64)
    size=$(stat -c %s "$f")
    curl -sf -o /dev/null -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
      -d "{\"sha256\":\"$sha\",\"length\":$size}" http://127.0.0.1:18091/v1/blobs
    # No "Expect: 100-continue": curl would wait a second for it before each body.
    curl -sf -o /dev/null -T "$f" -X PATCH -H "Expect:" -H "Authorization: Bearer $token" -H "Upload-Offset: 0" \
      -H "Upload-Checksum: sha256 $sha" http://127.0.0.1:18091/v1/blobs/"$sha"
  done
  t1=$(now)
  stop 18091
  theirs+=("$(echo "$t1 - $t0" | bc)")
  echo "curl run: server peak RSS $(cat "$work/rss-18091") KB"
  [ "$(ls "$work/blobs2" | grep -vc '^\.')" -eq "$photos" ] || { echo "curl run did not store every blob"; exit 1; }
done
python3 - "$bytes" "${ours[@]}" "${theirs[@]}" <<'PY'
import statistics, sys
total = int(sys.argv[1]); runs = [float(x) for x in sys.argv[2:]]
ours, theirs = runs[:3], runs[3:]
o, t = statistics.median(ours), statistics.median(theirs)
print(f"{total/1e6:.0f} MB of photos")
print(f"crackmon sync  median {o:.2f} s  {total/1e6/o:.1f} MB/s  runs {ours}")
print(f"curl -T        median {t:.2f} s  {total/1e6/t:.1f} MB/s  runs {theirs}")
print(f"crackmon reaches {t/o*100:.0f} % of curl's throughput")
PY
