#!/usr/bin/env bash
# libhistlog.so carries the Swift runtime inside: at run time it may need only the C and C++
# runtimes (libc, libm, libstdc++, libgcc_s), the loader and the vDSO, and glibc 2.34 or newer
# (the wheel's manylinux_2_34 tag; Sources/CGlibcCompat/hypotf.c keeps 2.35 out).
# Usage: check_ldd.sh [library]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
library="${1:-$root/.build/release/libhistlog.so}"
allowed='^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|/lib64/ld-linux-x86-64\.so\.2|/lib/ld-linux-aarch64\.so\.1|ld-linux.*\.so\.[0-9])$'
needed="$(ldd "$library" | awk '{ print $1 }')"
unexpected="$(grep -vE "$allowed" <<<"$needed" || true)"
if [ -n "$unexpected" ]; then
    echo "check_ldd: $library needs libraries outside the allowed set:" >&2
    echo "$unexpected" >&2
    exit 1
fi
echo "check_ldd: $(basename "$library") needs only: $(tr '\n' ' ' <<<"$needed")"
glibc_floor=2.34
newest_glibc="$(objdump -T "$library" | grep -oE '\bGLIBC_[0-9.]+' | sed 's/GLIBC_//' | sort -uV | tail -n 1)"
if [ "$(printf '%s\n' "$glibc_floor" "$newest_glibc" | sort -V | tail -n 1)" != "$glibc_floor" ]; then
    echo "check_ldd: $library needs glibc $newest_glibc, newer than $glibc_floor:" >&2
    objdump -T "$library" | grep -F "GLIBC_$newest_glibc" >&2
    exit 1
fi
echo "check_ldd: $(basename "$library") needs glibc $newest_glibc or newer"
