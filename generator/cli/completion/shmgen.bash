# SPDX-License-Identifier: MIT
#
# shmgen.bash — bash completion for `shmgen`, installed as
# share/bash-completion/completions/shmgen (bash-completion loads it on first
# use; without bash-completion: `source` it).  Plain bash, no helper library.
# Completes the commands, each command's options (the option table of
# `shmgen help COMMAND`: tests/generator/cli/test_completion.sh fails when one
# is missing here), option values (directories, files, formats), schemas
# (*.yaml, *.yml, *.json) and live segment names (the files of /dev/shm, as
# /NAME; semaphores left out).

_shmgen_commands="check layout generate compat verify inspect list rm help"

# The options of one command, as `shmgen help COMMAND` lists them.
_shmgen_options() {
  case $1 in
    check) echo "--format --json --templates --lang" ;;
    layout) echo "--json" ;;
    generate) echo "-o --output --templates --depfile --output-name --banner-path --stamp --lang" ;;
    compat) echo "--json --format" ;;
    verify) echo "--strict --json" ;;
    inspect) echo "--json --watch" ;;
    list) echo "--json --stale" ;;
    rm) echo "-f --force" ;;
    help) echo "--man" ;;
  esac
}

# Options that take a value (the value is the next word, or follows '=').
_shmgen_takes_value() {
  case $1 in
    -o|--output|--templates|--depfile|--output-name|--banner-path|--stamp|--format|--watch|--lang) return 0 ;;
  esac
  return 1
}

# COMPREPLY += the words of $1 starting with $2.
_shmgen_words() {
  local w
  for w in $1; do [[ $w == "$2"* ]] && COMPREPLY+=("$w"); done
}

# COMPREPLY += directories, and files ending in one of the suffixes $2..., under the prefix $1.
_shmgen_paths() {
  local cur=$1 f s
  shift
  compopt -o filenames 2>/dev/null
  while IFS= read -r f; do
    if [[ -d $f ]]; then COMPREPLY+=("$f"); continue; fi
    (($# == 0)) && { COMPREPLY+=("$f"); continue; }
    for s in "$@"; do [[ $f == *"$s" ]] && { COMPREPLY+=("$f"); break; }; done
  done < <(compgen -f -- "$cur")
}

# COMPREPLY += the live segments (/NAME for each file of /dev/shm but the
# POSIX semaphores, sem.*) starting with $1.
_shmgen_segments() {
  local f name
  for f in /dev/shm/*; do
    [[ -f $f && ${f##*/} != sem.* ]] || continue
    name=/${f##*/}
    [[ $name == "$1"* ]] && COMPREPLY+=("$name")
  done
}

# The value of option $1 (the word being completed is $2).
_shmgen_value() {
  case $1 in
    -o|--output|--templates) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$2") ;;
    --depfile|--stamp|--banner-path) _shmgen_paths "$2" ;;
    --format)
      if [[ ${COMP_WORDS[1]} == check || ${COMP_WORDS[1]} == compat ]]; then _shmgen_words "text json github" "$2"; fi ;;
    --lang) _shmgen_words "c python" "$2" ;;
  esac
}

# How many positional arguments precede the word being completed.
_shmgen_npos() {
  local i n=0 w
  for ((i = 2; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ $w == -* ]]; then
      [[ ${COMP_WORDS[i + 1]} == = ]] && ((i += 2)) && continue
      _shmgen_takes_value "$w" && ((i++))
    elif [[ $w != = ]]; then
      ((n++))
    fi
  done
  echo "$n"
}

_shmgen() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} cmd=${COMP_WORDS[1]}
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    _shmgen_words "$_shmgen_commands --help --version" "$cur"
    return 0
  fi
  # "--format=js": bash splits at '=', so the option is two words back
  if [[ $cur == = ]]; then prev=${COMP_WORDS[COMP_CWORD - 1]} cur=""; fi
  if [[ $prev == = ]]; then prev=${COMP_WORDS[COMP_CWORD - 2]}; fi
  if _shmgen_takes_value "$prev"; then
    _shmgen_value "$prev" "$cur"
    return 0
  fi
  if [[ $cur == -* ]]; then
    _shmgen_words "$(_shmgen_options "$cmd") --help" "$cur"
    return 0
  fi
  case $cmd:$(_shmgen_npos) in
    check:0|layout:0|generate:0|compat:0|compat:1|verify:0) _shmgen_paths "$cur" .yaml .yml .json ;;
    verify:1|inspect:0|rm:0) _shmgen_segments "$cur" ;;
    help:0) _shmgen_words "${_shmgen_commands% help}" "$cur" ;;
  esac
  return 0
}
complete -F _shmgen shmgen
