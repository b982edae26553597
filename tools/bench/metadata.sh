#!/usr/bin/env bash
# Benchmark: `crackmon metadata` against `exiftool -json -n` on the shared EXIF corpus,
# in the same run, plus whole-ingest throughput on 1,000 photos.
# Needs: a release build (tools/setup.sh), exiftool and hyperfine (installed here if missing).
# Usage: tools/bench/metadata.sh   -> prints the figures recorded in docs/benchmarks.md
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=../shared/datasets/exif/images
[ -d "$corpus" ] || { echo "missing $corpus (../shared)"; exit 1; }
if ! command -v exiftool >/dev/null || ! command -v hyperfine >/dev/null; then
  apt-get update -qq && apt-get install -y -qq libimage-exiftool-perl hyperfine
fi
crackmon=$PWD/.build/release/crackmon
files=$(find "$corpus" -type f | wc -l)
echo "corpus: $files files, $(du -sh "$corpus" | cut -f1)"

hyperfine --warmup 2 --runs 10 --export-json /tmp/crackmon-bench-metadata.json \
  -n crackmon "$crackmon metadata $corpus > /dev/null || true" \
  -n exiftool "exiftool -json -n -r -q -q $corpus > /dev/null || true"
python3 - "$files" <<'PY'
import json, sys
n = int(sys.argv[1])
r = {x["command"]: x for x in json.load(open("/tmp/crackmon-bench-metadata.json"))["results"]}
c, e = r["crackmon"]["median"], r["exiftool"]["median"]
print(f"crackmon metadata: {n / c:8.0f} files/s (median {c * 1000:.0f} ms)")
print(f"exiftool -json -n: {n / e:8.0f} files/s (median {e * 1000:.0f} ms)")
print(f"ratio: crackmon is {e / c:.1f}x ExifTool")
PY

# Whole ingest: 1,000 photos made from the corpus's complete JPEGs, each given a unique
# trailer after its end-of-image marker so that every file is a new capture.
set_dir=/tmp/crackmon-bench-ingest
rm -rf "$set_dir" && mkdir -p "$set_dir/photos"
"$crackmon" metadata "$corpus" > "$set_dir/corpus.jsonl" 2>/dev/null || true
python3 - "$set_dir/corpus.jsonl" "$set_dir/photos" <<'PY'
import json, pathlib, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
src = sorted(pathlib.Path(r["path"]) for r in rows if r.get("container") == "JPEG" and r["image_data_complete"])
out = pathlib.Path(sys.argv[2])
for i in range(1000):
    data = src[i % len(src)].read_bytes()
    (out / f"{i:04d}.jpg").write_bytes(data + b"crackmon-bench-%04d" % i)
print(f"ingest set: 1000 photos from {len(src)} corpus JPEGs, "
      f"{sum(f.stat().st_size for f in out.iterdir()) / 1e6:.0f} MB")
PY
export CRACKMON_STORE=$set_dir/bench.sqlite
hyperfine --runs 5 --export-json /tmp/crackmon-bench-ingest.json \
  --prepare "rm -f $CRACKMON_STORE* && $crackmon init >/dev/null && $crackmon asset add b --name B --kind bridge --lat 52.5 --lon 13.4 >/dev/null && $crackmon cycle add b c >/dev/null" \
  -n ingest "$crackmon ingest $set_dir/photos --asset b --cycle c --no-segment > /dev/null"
python3 - <<'PY'
import json
r = json.load(open("/tmp/crackmon-bench-ingest.json"))["results"][0]
print(f"crackmon ingest: {1000 / r['median']:.0f} captures/s (median {r['median'] * 1000:.0f} ms for 1,000 photos)")
PY
