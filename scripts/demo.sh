#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Builds shmgen and runs the game_server example: a server, an AI and an
# analytics process sharing one segment.  Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHMGEN_BUILD_TESTS=OFF >/dev/null
echo "shmgen: building (log: build/demo/build.log)..." >&2
cmake --build build/demo -j "$(nproc)" >build/demo/build.log 2>&1 || { tail -40 build/demo/build.log; exit 1; }
exec build/demo/examples/game_server/game_server_launcher
