# SPDX-License-Identifier: MIT
#
# bench/runtime.cmake — the runtime's cross-process benchmark (shmgen_bench_ipc)
# and its smoke test.  Included by bench/CMakeLists.txt when SHMGEN_BUILD_BENCH=ON.
# Peers: Concurrency Kit's ck_ring (libck-dev, header only here), atomic_queue
# (libatomic-queue-dev, header-only C++17), POSIX mq and pipes (libc/librt).
# scripts/bench.sh builds this in Release and runs it; docs/benchmarks.md
# explains the report.
enable_language(CXX)

find_path(SHMGEN_CK_INCLUDE_DIR ck_ring.h)
find_path(SHMGEN_ATOMIC_QUEUE_INCLUDE_DIR atomic_queue/atomic_queue.h)
if(NOT SHMGEN_CK_INCLUDE_DIR OR NOT SHMGEN_ATOMIC_QUEUE_INCLUDE_DIR)
  message(FATAL_ERROR "the runtime benchmark needs libck-dev and libatomic-queue-dev (scripts/deps.sh installs them)")
endif()
find_package(Threads REQUIRED)
# iceoryx (Debian: iceoryx, libiceoryx-binding-c-dev), the publish/subscribe peer.
find_package(iceoryx_binding_c CONFIG)
if(NOT iceoryx_binding_c_FOUND)
  message(FATAL_ERROR "the runtime benchmark needs iceoryx's C binding (scripts/deps.sh installs iceoryx and libiceoryx-binding-c-dev)")
endif()

add_executable(shmgen_bench_ipc
  ${CMAKE_CURRENT_LIST_DIR}/ipc_main.c
  ${CMAKE_CURRENT_LIST_DIR}/ipc_harness.c
  ${CMAKE_CURRENT_LIST_DIR}/ipc_sys.c
  ${CMAKE_CURRENT_LIST_DIR}/ipc_ck.c
  ${CMAKE_CURRENT_LIST_DIR}/ipc_aq.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ipc_iox.c
  ${CMAKE_CURRENT_LIST_DIR}/ipc_topic.c
  ${CMAKE_CURRENT_LIST_DIR}/ipc_ours.c)
set_target_properties(shmgen_bench_ipc PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
# Peers' headers are system headers: their own warnings are not ours to fix.
target_include_directories(shmgen_bench_ipc SYSTEM PRIVATE
  ${SHMGEN_CK_INCLUDE_DIR} ${SHMGEN_ATOMIC_QUEUE_INCLUDE_DIR})
target_link_libraries(shmgen_bench_ipc PRIVATE shmgen_runtime shmgen_project_flags Threads::Threads rt m
  iceoryx_binding_c::iceoryx_binding_c)

# Smoke test: a few thousand messages through every case, no timing asserted.
add_test(NAME bench_ipc_smoke COMMAND shmgen_bench_ipc --smoke)
set_tests_properties(bench_ipc_smoke PROPERTIES LABELS bench TIMEOUT 120)
