#!/bin/sh
# SPDX-License-Identifier: MIT
#
# cli_test.sh SHMGEN SOURCE_DIR — `shmgen check` and `shmgen layout` end to end:
# exit codes (0 valid, 2 invalid, 2 usage), diagnostics on stderr with the
# error count, nothing on stdout for a failed layout, `layout --json` equal to
# the golden file, and a layout JSON accepted where a schema is.
set -u
shmgen=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() { # expect CODE DESCRIPTION COMMAND...
    want=$1 what=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: $what: exit $got, expected $want"; cat "$tmp/err"; fail=1
    fi
}
cd "$src/tests/schema" || exit 1
expect 0 "check a good schema" "$shmgen" check good/contract.yaml
expect 2 "check a bad schema" "$shmgen" check bad/46-many-errors.yaml
grep -q '^bad/46-many-errors.yaml:2:10: error: version must be >= 1; found -2$' "$tmp/err" || { echo "FAIL: diagnostic text"; fail=1; }
[ "$(tail -n 1 "$tmp/err")" = "9 errors" ] || { echo "FAIL: error count line"; cat "$tmp/err"; fail=1; }
expect 2 "check without SCHEMA" "$shmgen" check
grep -q "try 'shmgen help check'" "$tmp/err" || { echo "FAIL: usage hint"; fail=1; }
expect 2 "check with an unknown option" "$shmgen" check --frobnicate good/contract.yaml
expect 2 "check a missing file" "$shmgen" check no/such/file.yaml
expect 2 "layout with an unknown option" "$shmgen" layout good/contract.yaml --xml
expect 2 "layout of a bad schema" "$shmgen" layout bad/21-capacity-zero.yaml
[ -s "$tmp/out" ] && { echo "FAIL: a failed layout printed to stdout"; fail=1; }
expect 0 "layout text" "$shmgen" layout good/nested.yaml
cmp -s "$tmp/out" good/nested.layout.txt || { echo "FAIL: layout text differs from the golden file"; fail=1; }
expect 0 "layout --json" "$shmgen" layout --json good/nested.yaml
cmp -s "$tmp/out" good/nested.layout.json || { echo "FAIL: layout --json differs from the golden file"; fail=1; }
cp "$tmp/out" "$tmp/lock.json"
expect 0 "check a layout JSON" "$shmgen" check "$tmp/lock.json"
expect 0 "layout of a layout JSON" "$shmgen" layout --json "$tmp/lock.json"
cmp -s "$tmp/out" good/nested.layout.json || { echo "FAIL: layout JSON round trip through the CLI"; fail=1; }
[ $fail -eq 0 ] && echo "cli ok"
exit $fail
