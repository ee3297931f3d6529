# SPDX-License-Identifier: MIT
#
# pkg-config.cmake — a build without CMake: the installed shmgen generates,
# `pkg-config --cflags --libs shmgen-runtime` gives the flags, the program runs.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
pkg_config_consumer(${PREFIX} ${WORK})
