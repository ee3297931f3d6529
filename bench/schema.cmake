# SPDX-License-Identifier: MIT
#
# Schema benchmarks (SHMGEN_BUILD_BENCH=ON): check time against schema size.
add_executable(shmgen_bench_schema_check_scaling ${CMAKE_CURRENT_LIST_DIR}/schema_check_scaling.c)
target_compile_definitions(shmgen_bench_schema_check_scaling PRIVATE _GNU_SOURCE)
target_link_libraries(shmgen_bench_schema_check_scaling PRIVATE shmgen_schema shmgen_project_flags)
