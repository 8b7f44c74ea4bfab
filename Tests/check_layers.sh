#!/usr/bin/env bash
# The folders of Sources/HistLog are layers and their dependencies point one way: each layer
# type-checks with the layers before it in LAYERS and none after, so a reference that points up
# fails here, naming the file. Concurrency is a leaf: it type-checks alone.
# Usage: check_layers.sh [swiftc]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
swiftc="${1:-swiftc}"
cd "$root/Sources/HistLog"

# Report is the top: the full build checks it.
LAYERS=(Binning Statistics Formats Logging Diagnostics)

swift_files() { find "$@" -name '*.swift' | LC_ALL=C sort; }
typecheck() { "$swiftc" -typecheck -parse-as-library -module-name HistLog "$@"; }

typecheck $(swift_files Concurrency) || { echo "check_layers: Concurrency uses another folder" >&2; exit 1; }
files=(HistlogError.swift Version.swift $(swift_files Concurrency))
for layer in "${LAYERS[@]}"; do
    files+=($(swift_files "$layer"))
    typecheck "${files[@]}" || { echo "check_layers: $layer uses a folder above it" >&2; exit 1; }
done
echo "check_layers: Concurrency, then ${LAYERS[*]}, each without the layers above it"
