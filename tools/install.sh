#!/usr/bin/env bash
# Installs crackmon under PREFIX so that it runs from the PATH: the binary and what it reads
# from beside itself (the segmentation and scene-check models, the crack verifier, the OpenAPI document, the PostgreSQL
# migrations) go to PREFIX/lib/crackmon/, and PREFIX/bin/crackmon links to it (crackmon follows
# the link to find them). A binary copied alone cannot find its model.
#
#   tools/install.sh PREFIX [BUILD_DIR]     # BUILD_DIR: default .build/release (tools/setup.sh builds it)
#   tools/install.sh ~/.local && crackmon model info
set -euo pipefail
prefix=${1:?usage: tools/install.sh PREFIX [BUILD_DIR]}
build=${2:-$(cd "$(dirname "$0")/.." && pwd)/.build/release}
if [ ! -x "$build/crackmon" ]; then
  echo "no crackmon in $build: run tools/setup.sh (or swift build -c release --product crackmon) first" >&2
  exit 1
fi
mkdir -p "$prefix/lib/crackmon" "$prefix/bin"
# A temporary beside the old install, then renamed: a failed copy leaves the old one whole.
staging=$(mktemp -d "$prefix/lib/.crackmon-install.XXXXXX")
trap 'rm -rf "$staging"' EXIT
cp "$build/crackmon" "$staging/"
for bundle in "$build"/*.resources; do
  [ -e "$bundle" ] && cp -R "$bundle" "$staging/"
done
rm -rf "$prefix/lib/crackmon.old"
mv "$prefix/lib/crackmon" "$prefix/lib/crackmon.old"
mv "$staging" "$prefix/lib/crackmon"
rm -rf "$prefix/lib/crackmon.old"
ln -sfn ../lib/crackmon/crackmon "$prefix/bin/crackmon"
# It must find its model from where it now is.
"$prefix/bin/crackmon" model info >/dev/null
echo "installed crackmon in $prefix/lib/crackmon; $prefix/bin/crackmon runs it"
