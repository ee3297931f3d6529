#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check_docs.sh SOURCE_DIR — the repository stands on its own:
#   1. no tracked file refers to a specification outside it (the word
#      C-O-N-T-R-A-C-T in capitals, or a path into the parent folder named
#      s-h-a-r-e-d); the MIT text's "ACTION OF CONTRACT" is the license, not a
#      reference;
#   2. every relative link of README.md and docs/*.md ([text](path#anchor))
#      names a file or directory that exists.
# Exit 0, 1 with the offending lines, 77 (skipped) outside a git checkout.
set -euo pipefail
cd "$1"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "not a git checkout: nothing to list"; exit 77; }
bad=0
word="CONTR""ACT" # spelled apart so that this file does not match itself
shared="\.\./sha""red"
if git grep -n -I --untracked -E "$word|$shared" -- . | grep -v "ACTION OF $word"; then
  echo "^ references to a document outside the repository"
  bad=1
fi
for md in README.md docs/*.md; do
  dir=$(dirname "$md")
  # every ](target) on every line; external links and pure anchors skipped
  while IFS= read -r target; do
    path=${target%%#*}
    case "$target" in http://*|https://*|mailto:*|\#*) continue ;; esac
    [ -e "$dir/$path" ] || { echo "$md: link to a missing file: $target"; bad=1; }
  done < <(grep -o '](\([^)]*\))' "$md" | sed 's/^](\(.*\))$/\1/')
done
[ "$bad" -eq 0 ] && echo "no outside references; every relative link of README.md and docs/ resolves"
exit "$bad"
