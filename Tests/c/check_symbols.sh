#!/usr/bin/env bash
# The functions Include/histlog.h declares, the committed list Include/histlog.symbols (sorted, one
# a line: the ABI as reviewed) and the global symbols libhistlog.so exports must be the same set: no
# declaration without its symbol, no symbol (of any prefix) without its declaration, and no function
# added or removed from both without the list saying so.
# Usage: check_symbols.sh [header] [library] [symbol list]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
header="${1:-$root/Include/histlog.h}"
library="${2:-$root/.build/release/libhistlog.so}"
symbols="${3:-$root/Include/histlog.symbols}"
CC="${CC:-cc}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Preprocessed (comments gone), then every hl_ name followed by "(": the declared functions.
"$CC" -E -P -x c "$header" | grep -oE '\bhl_[a-z0-9_]+[[:space:]]*\(' | tr -d ' \t(' | LC_ALL=C sort -u >"$work/declared"
# Global defined dynamic symbols (upper-case nm type); local ones (lower case) are not linkable.
nm -D --defined-only "$library" | awk '$2 ~ /^[A-Z]$/ { print $3 }' | LC_ALL=C sort -u >"$work/exported"

if ! diff -u --label "declared in $(basename "$header")" --label "exported by $(basename "$library")" \
        "$work/declared" "$work/exported"; then
    echo "check_symbols: header and library disagree (see the diff above)" >&2
    exit 1
fi
if ! LC_ALL=C sort -c "$symbols" 2>/dev/null || ! diff -u --label "listed in $(basename "$symbols")" \
        --label "exported by $(basename "$library")" "$symbols" "$work/exported"; then
    echo "check_symbols: $(basename "$symbols") must list the exported symbols, sorted (see above):" >&2
    echo "  nm -D --defined-only $library | awk '\$2 ~ /^[A-Z]\$/ { print \$3 }' | LC_ALL=C sort -u" >&2
    exit 1
fi
echo "check_symbols: $(wc -l <"$work/declared") functions, declared, listed and exported alike"
