#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check_spdx.sh SOURCE_DIR — every tracked source file carries
# "SPDX-License-Identifier: MIT" in its first 10 lines (its top comment).
# Data is exempt: schemas and lock files the tests read (*.yaml, *.json but
# the JSON Schema, whose "$comment" holds the line), golden outputs (*.txt
# but CMakeLists.txt, *.stderr, *.expected), documentation (*.md), LICENSE
# itself and .gitignore.  Any other file type added later must carry the
# line or be listed here with its reason.  Lists every file without it;
# exit 0, 1 when one lacks it, 77 (skipped) outside a git checkout.
set -euo pipefail
cd "$1"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "not a git checkout: nothing to list"; exit 77; }
exempt() {
  case "$1" in
    */CMakeLists.txt|CMakeLists.txt) return 1 ;;
    schema/segment.schema.json) return 1 ;;
    *.yaml|*.yml|*.json|*.txt|*.stderr|*.expected|*.md|LICENSE|.gitignore|*/.gitignore) return 0 ;;
  esac
  return 1
}
missing=0 checked=0
while IFS= read -r -d '' f; do
  exempt "$f" && continue
  [ -f "$f" ] || continue # deleted in the work tree, not yet committed
  checked=$((checked + 1))
  if ! head -n 10 -- "$f" | grep -q 'SPDX-License-Identifier: MIT'; then
    echo "no SPDX-License-Identifier: MIT in the first 10 lines: $f"
    missing=$((missing + 1))
  fi
done < <(git ls-files -z --cached --others --exclude-standard)
echo "$checked source files checked, $missing without the license line"
[ "$missing" -eq 0 ]
