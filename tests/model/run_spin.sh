#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run_spin.sh WORK_DIR [quick|full] — checks queue.pml with spin in each
# configuration below, exhaustively, and fails on the first error or
# incomplete search.  quick (the ctest test_queue_model, ~30 s): the
# configurations that finish in seconds; full adds the larger ones (about 10
# minutes, up to ~50 million states each; SPIN_MEMLIM sets the memory cap in
# MB, default 3000).  Each run: spin writes the verifier, gcc builds it, pan
# searches the whole state space with COLLAPSE compression (exact: no state is
# dropped, unlike bitstate or hash compaction); "errors: 0" and no "Search not
# completed" are required.  Exit 77 (skipped) when spin is not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: run_spin.sh WORK_DIR [quick|full]}
mode=${2:-quick}
command -v spin >/dev/null || { echo "spin is not installed (scripts/deps.sh installs it): skipped"; exit 77; }
mkdir -p "$work"
cd "$work"
cp "$here/queue.pml" .
# CAP, NP producers, NC consumers, NOPS elements each.  VICTIM: 255 nobody
# stops; else the process that may stop forever (0 is producer 0, NP the
# first consumer).  CRASH=1 killed and recovered, CRASH=0 stopped and alive.
# BUDGET: early patience expiries.  BULK=1: producer 0 enqueues runs of two.
quick=(
  "-DCAP=1 -DNP=1 -DNC=1 -DNOPS=2 -DVICTIM=255 -DBUDGET=3"
  "-DCAP=1 -DNP=1 -DNC=1 -DNOPS=2 -DVICTIM=0 -DCRASH=1 -DBUDGET=2"
  "-DCAP=1 -DNP=1 -DNC=1 -DNOPS=2 -DVICTIM=1 -DCRASH=1 -DBUDGET=2"
  "-DCAP=1 -DNP=1 -DNC=2 -DVICTIM=1 -DCRASH=1 -DBUDGET=2"
  "-DCAP=1 -DNP=1 -DNC=2 -DVICTIM=1 -DCRASH=0 -DBUDGET=2"
  "-DCAP=2 -DNP=2 -DNC=1 -DVICTIM=0 -DCRASH=1 -DBUDGET=1"
  "-DCAP=2 -DNP=1 -DNC=2 -DVICTIM=1 -DCRASH=1 -DBUDGET=1"
  "-DCAP=2 -DNP=2 -DNC=1 -DVICTIM=0 -DCRASH=0 -DBUDGET=1"
  "-DCAP=2 -DNP=1 -DNC=2 -DVICTIM=1 -DCRASH=0 -DBUDGET=1"
  "-DCAP=2 -DNP=1 -DNC=1 -DNOPS=2 -DBULK=1 -DVICTIM=255 -DBUDGET=3"
  "-DCAP=2 -DNP=1 -DNC=1 -DNOPS=2 -DBULK=1 -DVICTIM=0 -DCRASH=1 -DBUDGET=2"
  "-DCAP=2 -DNP=1 -DNC=1 -DNOPS=2 -DBULK=1 -DVICTIM=0 -DCRASH=0 -DBUDGET=2"
  "-DCAP=2 -DNP=1 -DNC=1 -DNOPS=2 -DBULK=1 -DVICTIM=1 -DCRASH=1 -DBUDGET=2"
)
full=(
  "-DCAP=2 -DNP=2 -DNC=2 -DVICTIM=255 -DBUDGET=1"
  "-DCAP=2 -DNP=2 -DNC=1 -DVICTIM=255 -DBUDGET=2"
  "-DCAP=2 -DNP=1 -DNC=2 -DVICTIM=255 -DBUDGET=2"
  "-DCAP=2 -DNP=2 -DNC=2 -DVICTIM=0 -DCRASH=1 -DBUDGET=0"
  "-DCAP=2 -DNP=2 -DNC=2 -DVICTIM=2 -DCRASH=1 -DBUDGET=0"
  "-DCAP=2 -DNP=2 -DNC=2 -DVICTIM=0 -DCRASH=0 -DBUDGET=0"
  "-DCAP=2 -DNP=2 -DNC=2 -DVICTIM=2 -DCRASH=0 -DBUDGET=0"
  "-DCAP=1 -DNP=2 -DNC=1 -DVICTIM=0 -DCRASH=1 -DBUDGET=1"
  "-DCAP=1 -DNP=2 -DNC=1 -DVICTIM=0 -DCRASH=0 -DBUDGET=1"
  "-DCAP=2 -DNP=1 -DNC=2 -DNOPS=2 -DBULK=1 -DVICTIM=255 -DBUDGET=2"
  "-DCAP=2 -DNP=2 -DNC=1 -DNOPS=2 -DBULK=1 -DVICTIM=255 -DBUDGET=0"
  "-DCAP=2 -DNP=1 -DNC=2 -DNOPS=2 -DBULK=1 -DVICTIM=0 -DCRASH=1 -DBUDGET=1"
  "-DCAP=2 -DNP=1 -DNC=2 -DNOPS=2 -DBULK=1 -DVICTIM=1 -DCRASH=1 -DBUDGET=1"
)
configs=("${quick[@]}")
if [ "$mode" = full ]; then configs+=("${full[@]}"); fi
for cfg in "${configs[@]}"; do
  rm -f pan pan.* ./*.trail
  # shellcheck disable=SC2086
  spin $cfg -a queue.pml >/dev/null
  gcc -O0 -DSAFETY -DCOLLAPSE -DMEMLIM="${SPIN_MEMLIM:-3000}" -w -o pan pan.c
  start=$(date +%s)
  log=$(./pan -m400000 -w24 2>&1 || true)
  states=$(grep -o '[0-9.e+]* states, stored' <<<"$log" | head -1)
  if ! grep -q "errors: 0" <<<"$log" || grep -q "Search not completed\|out of memory" <<<"$log"; then
    echo "FAIL $cfg"
    grep -v '^Depth=' <<<"$log" | head -30
    # shellcheck disable=SC2086
    if [ -f queue.pml.trail ]; then spin $cfg -t -p -g queue.pml | tail -100; fi
    exit 1
  fi
  echo "ok   $cfg: $states, $(($(date +%s) - start)) s"
done
