# SPDX-License-Identifier: MIT
#
# Segment-core tests: segment lifecycle and table, multi-process attach and
# creation races, the array and atomic kinds, hostile (corrupted) segments,
# and the struct sizes shmgen/ffi.h reports.
# Tests that need runtime internals (journals, the creation-delay hook) get
# runtime/src on their include path.
set(shmgen_rt_internal ${PROJECT_SOURCE_DIR}/runtime/src)

shmgen_add_test(test_segment SOURCES test_segment.c LIBS shmgen_runtime TIMEOUT 120)
shmgen_add_test(test_segment_procs SOURCES test_segment_procs.c LIBS shmgen_runtime TIMEOUT 120)
target_include_directories(test_segment_procs PRIVATE ${shmgen_rt_internal})
shmgen_add_test(test_array SOURCES test_array.c LIBS shmgen_runtime TIMEOUT 60)
shmgen_add_test(test_ffi SOURCES test_ffi.c LIBS shmgen_runtime TIMEOUT 60)
shmgen_add_test(test_atomic SOURCES test_atomic.c LIBS shmgen_runtime TIMEOUT 120)
# Threaded variant without Criterion, which cannot start under TSan (Criterion #274).
add_executable(test_atomic_threads ${CMAKE_CURRENT_LIST_DIR}/test_atomic_threads.c)
target_link_libraries(test_atomic_threads PRIVATE shmgen_runtime shmgen_project_flags)
target_compile_definitions(test_atomic_threads PRIVATE _GNU_SOURCE)
target_include_directories(test_atomic_threads PRIVATE ${shmgen_rt_internal})
add_test(NAME test_atomic_threads COMMAND test_atomic_threads)
set_tests_properties(test_atomic_threads PROPERTIES TIMEOUT 120 LABELS tsan)
shmgen_add_test(test_corrupt SOURCES test_corrupt.c LIBS shmgen_runtime TIMEOUT 300)
shmgen_add_test(test_corrupt_targeted SOURCES test_corrupt_targeted.c LIBS shmgen_runtime TIMEOUT 60)
target_include_directories(test_corrupt_targeted PRIVATE ${shmgen_rt_internal})
# Recovery against an attacher stopped inside its registry scan (test hooks).
shmgen_add_test(test_recovery_race SOURCES test_recovery_race.c LIBS shmgen_runtime TIMEOUT 120)
target_include_directories(test_recovery_race PRIVATE ${shmgen_rt_internal})
# Names, lock bytes and owners a stranger controls.
shmgen_add_test(test_hostile SOURCES test_hostile.c LIBS shmgen_runtime TIMEOUT 120)
