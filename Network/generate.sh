#!/usr/bin/env bash
# Regenerates the committed Swift code for the wire protocol. Needs protoc and protoc-gen-swift
# (built from swift-protobuf: `swift build -c release --product protoc-gen-swift`).
# Never run during the build: the output under Sources/Wire/Generated is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f Sources/Wire/Generated/*.pb.swift
protoc --proto_path=Network --swift_out=Sources/Wire/Generated --swift_opt=Visibility=Public Network/*.proto
