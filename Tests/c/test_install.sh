#!/usr/bin/env bash
# `make install PREFIX=<temp>` then, from an unrelated directory, builds the C example with
# pkg-config alone and runs it: the installed library, header and histlog.pc are all it needs.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

"${MAKE:-make}" -s -C "$root" install PREFIX="$prefix" >/dev/null
for file in lib/libhistlog.so include/histlog.h lib/pkgconfig/histlog.pc; do
    [ -f "$prefix/$file" ] || { echo "test_install: $prefix/$file is missing" >&2; exit 1; }
done

mkdir "$work/app"
cp "$root/bindings/c/examples/train_loop.c" "$work/app/"
cd "$work/app"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion histlog)" = "$(awk '/define HL_VERSION_(MAJOR|MINOR|PATCH) / { printf "%s%s", sep, $3; sep = "." }' "$prefix/include/histlog.h")" ] \
    || { echo "test_install: histlog.pc's version differs from the header's" >&2; exit 1; }
"${CC:-cc}" -std=c11 -Wall -Wextra -Werror -pedantic train_loop.c $(pkg-config --cflags --libs histlog) -lm -o train_loop
# Found through the rpath histlog.pc adds, not through the build tree.
libraries="$(ldd ./train_loop)"
grep -q "$prefix/lib/libhistlog.so" <<<"$libraries" \
    || { echo "test_install: train_loop does not load the installed libhistlog.so" >&2; echo "$libraries" >&2; exit 1; }
output="$(./train_loop "$work/run")"
echo "$output"
grep -q "20 records of gradients/layer1; step 19" <<<"$output"
ls "$work/run/histograms/"*.json >/dev/null
echo "test_install: installed into a temporary prefix, built and ran the example with pkg-config"
