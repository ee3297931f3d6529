# SPDX-License-Identifier: MIT
#
# add_subdirectory.cmake — the sensor project with the shmgen source tree
# added by add_subdirectory (no EXCLUDE_FROM_ALL): it builds and runs, and
# `cmake --install` of the project installs the project's program only
# (SHMGEN_INSTALL defaults to OFF below a parent); -DSHMGEN_INSTALL=ON brings
# shmgen's files back.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(build ${WORK}/build)
configure(${projects}/find_package_project ${build} -DSHMGEN_SOURCE=${SOURCE_DIR})
build(${build})
expect_output("${last_output}" "shmgen: generating segment.h" "the build did not generate")
run(${build}/sensor ${shm_name})
expect_output("${last_output}" "sensor: ok" "the program failed")

expect_only_the_program_installed(${build})
run(${CMAKE_COMMAND} -DSHMGEN_INSTALL=ON ${build})
file(REMOVE_RECURSE ${WORK}/inst)
run(${CMAKE_COMMAND} --install ${build} --prefix ${WORK}/inst)
files_under(${WORK}/inst installed)
if(NOT "bin/shmgen" IN_LIST installed)
  message(FATAL_ERROR "SHMGEN_INSTALL=ON installed no shmgen: ${installed}")
endif()
