#!/usr/bin/env bash
# `make install PREFIX=<temp>`, then `make dist` unpacked elsewhere: from an unrelated directory,
# builds the C example with pkg-config alone and runs it. The installed (or unpacked) library,
# header and histlog.pc are all it needs.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version="$(awk '/define HL_VERSION_(MAJOR|MINOR|PATCH) / { printf "%s%s", sep, $3; sep = "." }' "$root/Include/histlog.h")"

# check_prefix NAME PREFIX: the three files are there, and the example builds and runs against them.
check_prefix() {
    local name="$1" prefix="$2" app="$work/app-$1"
    for file in lib/libhistlog.so include/histlog.h lib/pkgconfig/histlog.pc; do
        [ -f "$prefix/$file" ] || { echo "test_install ($name): $prefix/$file is missing" >&2; exit 1; }
    done
    mkdir "$app"
    cp "$root/bindings/c/examples/train_loop.c" "$app/"
    (
        cd "$app"
        export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
        [ "$(pkg-config --modversion histlog)" = "$version" ] \
            || { echo "test_install ($name): histlog.pc's version differs from the header's" >&2; exit 1; }
        "${CC:-cc}" -std=c11 -Wall -Wextra -Werror -pedantic train_loop.c $(pkg-config --cflags --libs histlog) -lm -o train_loop
        # Found through the rpath histlog.pc adds, not through the build tree.
        loaded="$(ldd ./train_loop | awk '$1 == "libhistlog.so" { print $3 }')"
        [ "$(realpath -m "$loaded")" = "$(realpath "$prefix/lib/libhistlog.so")" ] \
            || { echo "test_install ($name): train_loop loads '$loaded', not $prefix/lib/libhistlog.so" >&2; exit 1; }
        output="$(./train_loop "$app/run")"
        echo "$output"
        grep -q "20 records of gradients/layer1; step 19" <<<"$output"
        ls "$app/run/histograms/"*.json >/dev/null
    )
    echo "test_install ($name): built and ran the example with pkg-config"
}

"${MAKE:-make}" -s -C "$root" install PREFIX="$work/prefix" >/dev/null
check_prefix install "$work/prefix"

# The tarball unpacks anywhere: histlog.pc locates the folder it was unpacked to.
"${MAKE:-make}" -s -C "$root" dist >/dev/null
tarball="$root/dist/c/histlog-$version-linux-$(uname -m).tar.gz"
mkdir "$work/unpacked"
tar -C "$work/unpacked" -xzf "$tarball"
unpacked="$work/unpacked/histlog-$version-linux-$(uname -m)"
check_prefix dist "$unpacked"
if readelf -S "$unpacked/lib/libhistlog.so" | grep -q '\.symtab'; then
    echo "test_install (dist): $tarball carries an unstripped libhistlog.so" >&2
    exit 1
fi
"$root/Tests/c/check_symbols.sh" "$root/Include/histlog.h" "$unpacked/lib/libhistlog.so"
"$root/Tests/c/check_ldd.sh" "$unpacked/lib/libhistlog.so"
echo "test_install: $(basename "$tarball") holds $(tar -tzf "$tarball" | grep -vc '/$') files, $(du -k "$tarball" | cut -f1) KiB"
