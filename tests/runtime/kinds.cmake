# SPDX-License-Identifier: MIT
#
# Tests of the concurrent kinds (queue, stack, ring, pool, topic, latest): unit tests, multi-
# process stress ("stress"), threaded variants run under TSan ("tsan") and
# SIGKILL crash tests ("crash").  Included from tests/runtime/CMakeLists.txt.
#
# The threaded variants are the stress sources built with KINDS_THREADED and
# without Criterion (KINDS_MINICR: a tiny runner with the same macros),
# because Criterion cannot start under ThreadSanitizer (Criterion issue #274:
# "Could not initialize inheritable arena").
set(_kd ${CMAKE_CURRENT_LIST_DIR})

add_library(shmgen_kinds_util STATIC ${_kd}/kinds_util.c)
target_link_libraries(shmgen_kinds_util PUBLIC shmgen_runtime PkgConfig::CRITERION PRIVATE shmgen_project_flags)
target_compile_definitions(shmgen_kinds_util PRIVATE _GNU_SOURCE)
target_include_directories(shmgen_kinds_util PUBLIC ${_kd})

add_library(shmgen_kinds_util_mini STATIC ${_kd}/kinds_util.c ${_kd}/kinds_minicr.c)
target_link_libraries(shmgen_kinds_util_mini PUBLIC shmgen_runtime PRIVATE shmgen_project_flags)
target_compile_definitions(shmgen_kinds_util_mini PUBLIC KINDS_MINICR=1 PRIVATE _GNU_SOURCE)
target_include_directories(shmgen_kinds_util_mini PUBLIC ${_kd})

foreach(kind ring queue stack pool topic latest)
  shmgen_add_test(test_${kind} SOURCES ${_kd}/test_${kind}.c LIBS shmgen_kinds_util shmgen_runtime
                  LABELS unit TIMEOUT 120)
  shmgen_add_test(test_${kind}_stress SOURCES ${_kd}/test_${kind}_stress.c LIBS shmgen_kinds_util shmgen_runtime
                  LABELS stress TIMEOUT 120)
  shmgen_add_test(test_${kind}_crash SOURCES ${_kd}/test_${kind}_crash.c LIBS shmgen_kinds_util shmgen_runtime
                  LABELS crash TIMEOUT 120)

  add_executable(test_${kind}_tsan ${_kd}/test_${kind}_stress.c)
  target_link_libraries(test_${kind}_tsan PRIVATE shmgen_kinds_util_mini shmgen_runtime shmgen_project_flags)
  target_compile_definitions(test_${kind}_tsan PRIVATE _GNU_SOURCE KINDS_THREADED=1)
  add_test(NAME test_${kind}_tsan COMMAND test_${kind}_tsan)
  set_tests_properties(test_${kind}_tsan PROPERTIES TIMEOUT 300 LABELS tsan)
endforeach()

# Hostile values in every shared word of every kind: each operation returns.
shmgen_add_test(test_adversarial SOURCES ${_kd}/test_adversarial.c LIBS shmgen_kinds_util shmgen_runtime
                LABELS unit TIMEOUT 600)
# Deterministic tests of the topic's dangerous steps: a publisher or a
# subscriber stopped (SIGSTOP) or killed at each, both policies.
shmgen_add_test(test_topic_steps SOURCES ${_kd}/test_topic_steps.c LIBS shmgen_kinds_util shmgen_runtime
                LABELS unit TIMEOUT 120)
# The queue with one process stopped (SIGSTOP) at exact instructions through
# the runtime's test hook, resumed or killed, while the test moves elements.
shmgen_add_test(test_queue_stall SOURCES ${_kd}/test_queue_stall.c LIBS shmgen_kinds_util shmgen_runtime
                LABELS unit TIMEOUT 120)
# Unit tests that stop a process at a named point use the runtime's test hook.
foreach(t test_ring test_topic test_topic_steps test_topic_crash test_latest test_latest_crash test_queue_stall
          test_queue_stress)
  target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/runtime/src)
endforeach()
