#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The whole test suite, as the README's Quick start and .ci/run run it:
#   1. gcc build, every ctest test;
#   2. the same suite built with ASan+UBSan;
#   3. the threaded variants of the concurrency tests (label "tsan") under TSan (clang);
#   4. the schema loader's libFuzzer target for a bounded time (clang, ASan+UBSan).
# Installs missing Debian packages first.  Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
fuzz_seconds=${SHMGEN_FUZZ_SECONDS:-60}

step() { printf '\n=== %s ===\n' "$*"; }

step "build and test (gcc, RelWithDebInfo)"
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHMGEN_BUILD_BENCH=ON >/dev/null
cmake --build build/test -j "$jobs"
ctest --test-dir build/test --output-on-failure -j "$jobs"

step "build and test with ASan+UBSan (gcc)"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSHMGEN_SANITIZE=address,undefined >/dev/null
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j "$jobs"

step "threaded variants under ThreadSanitizer (clang)"
cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DSHMGEN_SANITIZE=thread -DSHMGEN_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/tsan -j "$jobs"
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build/tsan --output-on-failure -L tsan -j "$jobs"

step "schema loader fuzzing for ${fuzz_seconds}s (clang libFuzzer, ASan+UBSan)"
cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DSHMGEN_FUZZ=ON \
  -DSHMGEN_BUILD_TESTS=OFF -DSHMGEN_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/fuzz -j "$jobs" --target shmgen_fuzz_loader
mkdir -p build/fuzz/corpus
build/fuzz/schema/shmgen_fuzz_loader -max_total_time="$fuzz_seconds" -max_len=4096 \
  build/fuzz/corpus tests/schema/fuzz_corpus 2>build/fuzz/fuzz.log || { tail -50 build/fuzz/fuzz.log; exit 1; }
tail -2 build/fuzz/fuzz.log

step "all test stages passed"
