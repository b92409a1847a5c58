#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the libFuzzer targets of tests/fuzz/ into OUTDIR: the library sources compiled again
# with clang, instrumented for coverage, AddressSanitizer and UndefinedBehaviorSanitizer.
# Usage: tests/fuzz/build.sh OUTDIR     (CC defaults to clang)
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: build.sh OUTDIR}
cc=${CC:-clang}
mkdir -p "$out/obj"

# The library includes config.h for _GNU_SOURCE and xt.c for the extension directory that
# configure finds; nothing else of configure's is needed here.
printf '#define _GNU_SOURCE 1\n#define PACKAGE_VERSION "fuzz"\n#define OIH_XTLIBDIR "%s"\n' \
        "$(pkg-config --variable=xtlibdir xtables)" >"$out/config.h"

san=("-fsanitize=address,undefined" -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
# shellcheck disable=SC2207 # pkg-config prints words to split
cflags=(-g -O1 -std=gnu11 "${san[@]}" -I"$out" -I"$src/src/lib" $(pkg-config --cflags json-c))
libs=$(pkg-config --libs libip4tc libip6tc xtables json-c)

objs=()
for c in "$src"/src/lib/*.c; do
        o=$out/obj/$(basename "${c%.c}").o
        "$cc" "${cflags[@]}" -fsanitize=fuzzer-no-link -c "$c" -o "$o"
        objs+=("$o")
done
for t in policy state migrate; do
        # shellcheck disable=SC2086
        "$cc" "${cflags[@]}" -fsanitize=fuzzer "$src/tests/fuzz/fuzz_$t.c" "${objs[@]}" $libs \
                -o "$out/fuzz_$t"
done
