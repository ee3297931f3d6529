# SPDX-License-Identifier: MIT
#
# cross.cmake — cross-compiling with a toy toolchain file (toy-toolchain.cmake:
# another system name, the host compiler) and shmgen taken with FetchContent:
# the generator is not built for the target, shmgen_generate() still exists
# and runs the host shmgen given as SHMGEN_EXECUTABLE; nothing of shmgen is
# installed with the project.  A SHMGEN_EXECUTABLE that does not exist is a
# clear configure error.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(build ${WORK}/build)
set(ENV{SHMGEN_TOY_CC} ${C_COMPILER})
set(cross -DCMAKE_TOOLCHAIN_FILE=${projects}/toy-toolchain.cmake -DSHMGEN_FETCH=${SOURCE_DIR})

configure(${projects}/find_package_project ${build} ${cross} -DSHMGEN_EXECUTABLE=${SHMGEN_EXE})
expect_output("${last_output}" "sensor: cross-compiling: TRUE" "the toolchain file did not make a cross build")
if(EXISTS ${build}/_deps/shmgen-build/generator)
  message(FATAL_ERROR "the generator was configured for the target")
endif()
build(${build})
expect_output("${last_output}" "shmgen: generating segment.h" "the build did not generate")
file(READ ${build}/build.ninja ninja_file)
string(FIND "${ninja_file}" "${SHMGEN_EXE} generate" at)
if(at LESS 0 AND GENERATOR STREQUAL "Ninja")
  message(FATAL_ERROR "the build does not run SHMGEN_EXECUTABLE (${SHMGEN_EXE})")
endif()
run(${build}/sensor ${shm_name})
expect_output("${last_output}" "sensor: ok" "the program failed")
expect_only_the_program_installed(${build})

file(REMOVE_RECURSE ${build})
run_fails("SHMGEN_EXECUTABLE is '/nonexistent/shmgen', which is not a file"
          ${CMAKE_COMMAND} -S ${projects}/find_package_project -B ${build} -G ${GENERATOR} ${cross}
          -DSHMGEN_EXECUTABLE=/nonexistent/shmgen)
