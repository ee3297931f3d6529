# SPDX-License-Identifier: MIT
#
# cxx.cmake — a C++17 project (cxx_project): without the C language enabled,
# shmgen_generate() stops at configure time with an error saying to add C;
# with C enabled the program builds and runs.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(build ${WORK}/build)
file(REMOVE_RECURSE ${build})
run_fails("shmgen_generate: the C language is not enabled .*LANGUAGES CXX C"
          ${CMAKE_COMMAND} -S ${projects}/cxx_project -B ${build} -G ${GENERATOR} -DCMAKE_PREFIX_PATH=${PREFIX} ${flags})
configure(${projects}/cxx_project ${build} -DCMAKE_PREFIX_PATH=${PREFIX} -DWITH_C=ON)
build(${build})
run(${build}/sensor_cxx ${shm_name})
expect_output("${last_output}" "sensor_cxx: ok" "the C++ program failed")
