# Generation tests (included from tests/generator/CMakeLists.txt).
set(shmgen_bin_def SHMGEN_BIN="$<TARGET_FILE:shmgen>")

shmgen_add_test(test_generate SOURCES test_generate.c LIBS shmgen_generator TIMEOUT 120)
target_compile_definitions(test_generate PRIVATE ${shmgen_bin_def})
add_dependencies(test_generate shmgen)

shmgen_add_test(test_compile SOURCES test_compile.c TIMEOUT 300)
target_compile_definitions(test_compile PRIVATE ${shmgen_bin_def})
add_dependencies(test_compile shmgen)

# End to end: programs built with shmgen_generate() exactly as a user would.
foreach(prog producer consumer old changed)
  add_executable(e2e_${prog} e2e/e2e_${prog}.c)
  target_compile_options(e2e_${prog} PRIVATE -pedantic)
  target_compile_definitions(e2e_${prog} PRIVATE _POSIX_C_SOURCE=200809L)
  target_link_libraries(e2e_${prog} PRIVATE shmgen_project_flags)
endforeach()
shmgen_generate(TARGET e2e_producer SCHEMA e2e/segment.yaml)
shmgen_generate(TARGET e2e_consumer SCHEMA e2e/segment.yaml)
shmgen_generate(TARGET e2e_old SCHEMA e2e/old.yaml)
shmgen_generate(TARGET e2e_changed SCHEMA e2e/changed.yaml)
shmgen_add_test(test_e2e SOURCES test_e2e.c TIMEOUT 120)
target_compile_definitions(test_e2e PRIVATE E2E_PRODUCER="$<TARGET_FILE:e2e_producer>"
  E2E_CONSUMER="$<TARGET_FILE:e2e_consumer>" E2E_OLD="$<TARGET_FILE:e2e_old>"
  E2E_CHANGED="$<TARGET_FILE:e2e_changed>")
add_dependencies(test_e2e e2e_producer e2e_consumer e2e_old e2e_changed)

# A user's project outside this build, via find_package on an installed
# prefix, via add_subdirectory of this source tree, and via pkg-config.
foreach(mode find_package add_subdirectory pkg-config)
  add_test(NAME test_consumer_${mode}
    COMMAND ${CMAKE_COMMAND} -DMODE=${mode} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DBINARY_DIR=${PROJECT_BINARY_DIR}
            -DWORK=${CMAKE_CURRENT_BINARY_DIR}/consumer -DGENERATOR=${CMAKE_GENERATOR}
            -DC_COMPILER=${CMAKE_C_COMPILER} -DSANITIZE=${SHMGEN_SANITIZE}
            -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer.cmake)
  set_tests_properties(test_consumer_${mode} PROPERTIES TIMEOUT 600 LABELS "consumer")
endforeach()
# the pkg-config run reuses the prefix the find_package run installs
set_tests_properties(test_consumer_pkg-config PROPERTIES DEPENDS test_consumer_find_package)
set_tests_properties(test_consumer_find_package test_consumer_pkg-config PROPERTIES RESOURCE_LOCK shmgen_consumer_prefix)
