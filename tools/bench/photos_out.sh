#!/usr/bin/env bash
# Benchmark: photos back out of `crackmon serve` (issue 23, part 2), against peers in the same
# run on the same files. 10 photos of 12 MP (a mosaic of UAV75 photos, JPEG q92, each with a
# few random bytes after its end so that each is a capture of its own) are ingested, synced,
# and then:
# - fetched whole, GET /v1/captures/{id}/photo, against Python's http.server serving the same
#   organisation blob folder (a plain static file server, no token check);
# - as 256 px thumbnails, GET /v1/captures/{id}/thumbnail?size=256 (full decode, EXIF
#   orientation, area shrink, JPEG), against Pillow's Image.thumbnail on the same file (which
#   decodes the JPEG at 1/8 scale, a shortcut crackmon does not take).
# Each client is curl, one request after another. hyperfine, 1 warm-up, 5 runs.
# Needs: a release build, curl, hyperfine, python3 with Pillow.
set -euo pipefail
cd "$(dirname "$0")/../.."
crackmon=$PWD/.build/release/crackmon
work=$(mktemp -d)
trap 'pkill -f "^$crackmon serve .*127.0.0.1:18092" || true; pkill -f "http.server 18093" || true; rm -rf "$work"' EXIT
export CRACKMON_CENTRAL=$work/central.sqlite
mkdir -p "$work/photos"
python3 - "$work/base.jpg" <<'PY'
import glob, sys
from PIL import Image
files = sorted(glob.glob('../shared/datasets/cracks/uav75/val/images/*.jpg')) + sorted(glob.glob('../shared/datasets/cracks/uav75/train/images/*.jpg'))
m = Image.new('RGB', (4000, 3000)); i = 0
for y in range(0, 3000, 512):
    for x in range(0, 4000, 512): m.paste(Image.open(files[i % len(files)]).convert('RGB'), (x, y)); i += 1
m.save(sys.argv[1], quality=92)
PY
for i in $(seq 10); do cat "$work/base.jpg" <(head -c 16 /dev/urandom) >"$work/photos/p$i.jpg"; done
"$crackmon" admin org add bench >/dev/null
token=$("$crackmon" admin device add --org bench --name bench 2>/dev/null | sed -n 's/^token: //p')
store=$work/field.sqlite
"$crackmon" init --store "$store" >/dev/null
"$crackmon" asset add bench --name B --kind dam --lat 46.9 --lon 7.4 --store "$store" >/dev/null
"$crackmon" cycle add bench 2026 --store "$store" >/dev/null
"$crackmon" ingest "$work/photos" --asset bench --cycle 2026 --no-segment --store "$store" >/dev/null
"$crackmon" remote set http://127.0.0.1:18092 --token "$token" --store "$store" >/dev/null
"$crackmon" serve --store "$CRACKMON_CENTRAL" --blobs "$work/blobs" --listen 127.0.0.1:18092 >"$work/serve.out" 2>/dev/null &
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
"$crackmon" sync --store "$store" >/dev/null
blobs=$(ls -d "$work/blobs"/org-*)
python3 -m http.server 18093 --bind 127.0.0.1 --directory "$blobs" >/dev/null 2>&1 &
sleep 1
shas=$(sha256sum "$work/photos"/*.jpg | cut -c1-64)
{
  for s in $shas; do
    echo "curl -sf -o /dev/null -H 'Authorization: Bearer $token' http://127.0.0.1:18092/v1/captures/$s/photo"
  done
} >"$work/ours.sh"
{ for s in $shas; do echo "curl -sf -o /dev/null http://127.0.0.1:18093/$s"; done; } >"$work/peer.sh"
{
  for s in $shas; do
    echo "curl -sf -o /dev/null -H 'Authorization: Bearer $token' 'http://127.0.0.1:18092/v1/captures/$s/thumbnail?size=256'"
  done
} >"$work/ours-thumb.sh"
cat >"$work/peer-thumb.py" <<PY
import glob
from PIL import Image
for f in sorted(glob.glob("$work/photos/*.jpg")):
    with Image.open(f) as im:
        im.thumbnail((256, 256))
        im.save("/dev/null", "JPEG", quality=85)
PY
echo "10 photos of $(stat -c %s "$work/photos/p1.jpg") bytes, 4000x3000"
hyperfine -N --runs 5 --warmup 1 "bash $work/ours.sh" "bash $work/peer.sh" \
  "bash $work/ours-thumb.sh" "python3 $work/peer-thumb.py"
