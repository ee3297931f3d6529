#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Builds the benchmarks in Release (build/bench) and runs them all, printing
# the report described in docs/benchmarks.md.  Arguments go to the runtime
# benchmark shmgen_bench_ipc (e.g. --scale 0.5, --reps 5, --filter ring,
# --verbose); the other benchmark programs of bench/ run without arguments.
# Installs missing Debian packages first (libck-dev, libatomic-queue-dev...).
# For stable numbers run it on an otherwise idle machine (about 2-3 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHMGEN_BUILD_BENCH=ON \
  -DSHMGEN_BUILD_TESTS=OFF -DSHMGEN_BUILD_EXAMPLES=OFF >/dev/null
status=0
echo "building (log: build/bench/build.log)..."
if ! cmake --build build/bench -j "$(nproc)" >build/bench/build.log 2>&1; then
  tail -30 build/bench/build.log >&2
  echo "bench.sh: the full build failed; running the runtime benchmark only" >&2
  cmake --build build/bench -j "$(nproc)" --target shmgen_bench_ipc >>build/bench/build.log 2>&1
  status=1
fi
echo
build/bench/bench/shmgen_bench_ipc "$@" || status=$?
# Every other benchmark program built under bench/ (schema, generator...).
while IFS= read -r prog; do
  echo
  echo "== $(basename "$prog") =="
  "$prog" || status=$?
done < <(find build/bench/bench -maxdepth 1 -type f -executable ! -name shmgen_bench_ipc | sort)
exit "$status"
