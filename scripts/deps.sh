#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Installs the Debian packages shmgen needs to build, test and benchmark,
# only those that are missing.  Used by demo.sh and test.sh.  The Python
# package and its tests use the Debian interpreter /usr/bin/python3 with
# these python3-* packages.
set -euo pipefail
pkgs=(cmake ninja-build gcc g++ clang pkg-config dpkg-dev groff-base zsh libyaml-dev libcriterion-dev
      libclang-rt-dev libck-dev libatomic-queue-dev iceoryx libiceoryx-binding-c-dev valgrind python3-jsonschema
      python3-yaml python3-numpy python3-pytest python3-matplotlib python3-venv python3-pyflakes python3-pycodestyle
      spin)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "shmgen: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
