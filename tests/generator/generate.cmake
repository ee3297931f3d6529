# Generation tests (included from tests/generator/CMakeLists.txt).
set(shmgen_bin_def SHMGEN_BIN="$<TARGET_FILE:shmgen>")

shmgen_add_test(test_generate SOURCES test_generate.c LIBS shmgen_generator TIMEOUT 120)
target_compile_definitions(test_generate PRIVATE ${shmgen_bin_def})
add_dependencies(test_generate shmgen)

shmgen_add_test(test_compile SOURCES test_compile.c TIMEOUT 300)
target_compile_definitions(test_compile PRIVATE ${shmgen_bin_def})
add_dependencies(test_compile shmgen)
