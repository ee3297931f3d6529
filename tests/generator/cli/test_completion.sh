#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_completion.sh SHMGEN SOURCE_DIR WORK — the shell completions
# (generator/cli/completion) against the command table as `shmgen --help` and
# `shmgen help COMMAND` print it:
#   bash: sourced, driven through COMP_WORDS/COMP_CWORD: exactly the commands,
#         exactly the options of each command, option values (formats, directories),
#         schemas (*.yaml, *.json, not *.txt), a live segment in /dev/shm;
#   zsh:  sourced with the completion system's functions stubbed: exactly the
#         commands, and each command's option specs name every option of its help.
# Exit 0, or 1 after listing every miss.
set -uo pipefail
shmgen=$(realpath "$1") src=$(realpath "$2") work=$3
completion=$src/generator/cli/completion
misses=0

miss() { echo "MISS: $*"; misses=$((misses + 1)); }

# _shmgen for the words given (the last one is being completed).
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _shmgen
}

# expect "WORDS..." -- WANTED...: every WANTED is among the completions.
# refuse: none is.
check() {
  local mode=$1 words=() w c found
  shift
  while [[ $1 != -- ]]; do words+=("$1"); shift; done
  shift
  complete_words "${words[@]}"
  for w in "$@"; do
    found=0
    for c in "${COMPREPLY[@]}"; do [[ $c == "$w" ]] && found=1; done
    if [[ $mode == expect && $found == 0 ]]; then miss "'${words[*]}' does not offer '$w' (got: ${COMPREPLY[*]})"; fi
    if [[ $mode == refuse && $found == 1 ]]; then miss "'${words[*]}' offers '$w'"; fi
  done
}

# exactly "WORDS..." -- WANTED...: the completions are WANTED, no more, no less.
exactly() {
  local words=() got want
  while [[ $1 != -- ]]; do words+=("$1"); shift; done
  shift
  complete_words "${words[@]}"
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
  want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
  [[ $got == "$want" ]] || miss "'${words[*]}' offers [$got], the help says [$want]"
}

# The commands and, per command, its options, from the binary's own help.
mapfile -t commands < <("$shmgen" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 && $1 != "commands:" {print $1}')
((${#commands[@]} >= 7)) || miss "shmgen --help lists only ${#commands[@]} commands"
options_of() {
  "$shmgen" help "$1" | sed -n '/^options:/,/^$/p' | grep -oE '^  (-[A-Za-z], )?--[a-z][a-z-]*' | tr -d ','
}

# ---- bash ----
# shellcheck source=/dev/null
source "$completion/shmgen.bash"
for c in "${commands[@]}"; do
  check expect shmgen "${c:0:2}" -- "$c"
  # shellcheck disable=SC2046
  exactly shmgen "$c" - -- $(options_of "$c") --help
done
exactly shmgen "" -- --help --version help "${commands[@]}"
exactly shmgen help "" -- "${commands[@]}"
check expect shmgen help - -- --man

rm -rf "$work" && mkdir -p "$work/d/sub" && touch "$work/d/a.yaml" "$work/d/b.json" "$work/d/c.txt"
cd "$work" || exit 1
check expect shmgen check d/ -- d/a.yaml d/b.json d/sub
check refuse shmgen check d/ -- d/c.txt
check expect shmgen compat d/a.yaml d/ -- d/b.json
check expect shmgen generate d/a.yaml -o d/ -- d/sub
check refuse shmgen generate d/a.yaml -o d/ -- d/a.yaml
check expect shmgen generate d/a.yaml --output d/ -- d/sub
check expect shmgen check --format "" -- text json github
check expect shmgen compat --format = g -- github
check refuse shmgen generate d/a.yaml -o d/sub "" -- d/a.yaml
segment=shmgen_test_completion_$$
: > "/dev/shm/$segment"
check expect shmgen inspect /shmgen_test_completion_ -- "/$segment"
check expect shmgen verify d/a.yaml "" -- "/$segment"
rm -f "/dev/shm/$segment"

# ---- zsh ----
if ! command -v zsh >/dev/null; then
  miss "zsh is not installed (scripts/deps.sh installs it)"
else
  zsh -n "$completion/_shmgen" || miss "_shmgen does not parse"
  for c in "${commands[@]}"; do
    specs=$(zsh -f -c '
      _arguments() { print -rl -- "$@" }
      _describe() { print -rl -- "${(@P)4}" }
      compadd() { print -rl -- "$@" }
      words=(shmgen "$1" ""); CURRENT=3
      source "$2"' zsh "$c" "$completion/_shmgen")
    for o in $(options_of "$c"); do
      grep -qE -- "(^|[{,'()])$o([=+[]|$)" <<<"$specs" || miss "zsh: '$c' has no spec for $o"
    done
  done
  listing=$(zsh -f -c '_describe() { print -rl -- "${(@P)4}" }; compadd() { :; }; words=(shmgen ""); CURRENT=2; source "$1"' zsh "$completion/_shmgen")
  for c in "${commands[@]}"; do grep -q "^$c:" <<<"$listing" || miss "zsh: command $c is not offered"; done
  grep -q '^help:' <<<"$listing" || miss "zsh: command help is not offered"
  [[ $(grep -c '^[a-z]*:' <<<"$listing") == $((${#commands[@]} + 1)) ]] || miss "zsh offers other commands: $listing"
fi

echo "${#commands[@]} commands checked, $misses misses"
((misses == 0))
