# SPDX-License-Identifier: MIT
#
# install.cmake — `cmake --install` of this build into PREFIX, for the
# scenarios that use an installed shmgen (find_package, pkg-config, cxx,
# compat: ctest fixture shmgen_prefix).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
file(REMOVE_RECURSE ${PREFIX})
run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${PREFIX})
run(${PREFIX}/bin/shmgen --version)
message(STATUS "installed: ${last_output}")
