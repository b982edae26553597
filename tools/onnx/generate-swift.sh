#!/usr/bin/env bash
# Regenerates Sources/ONNXModel/Generated/onnx.pb.swift, the Swift reading of the ONNX
# protobuf schema, from the onnx.proto that the pinned `onnx` Python package ships.
# Generated once and committed, so builds never need protoc or the plugin (which takes
# minutes to build). Needs: protobuf-compiler, pip onnx==1.23.2, and protoc-gen-swift
# built from swift-protobuf 1.39.0 (the version Package.swift uses).
set -euo pipefail
cd "$(dirname "$0")/../.."
proto_dir=$(python3 -c "import onnx, os; print(os.path.dirname(onnx.__file__))")
plugin=${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf/.build/release/protoc-gen-swift}
out=Sources/ONNXModel/Generated
mkdir -p "$out"
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Internal \
  --swift_out="$out" -I "$proto_dir" "$proto_dir/onnx.proto"
echo "wrote $out/onnx.pb.swift"
