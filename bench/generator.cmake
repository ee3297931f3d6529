# SPDX-License-Identifier: MIT
#
# Generator benchmarks (SHMGEN_BUILD_BENCH=ON): accessor_cost compares the
# generated typed accessors with direct runtime calls (docs/generated-api.md),
# from two golden schemas (the second has a topic and a latest value).
add_executable(accessor_cost ${CMAKE_CURRENT_LIST_DIR}/accessor_cost.c)
target_link_libraries(accessor_cost PRIVATE shmgen_project_flags)
shmgen_generate(TARGET accessor_cost SCHEMA ${PROJECT_SOURCE_DIR}/tests/generator/codegen/golden/game_server/segment.yaml
                OUTPUT_NAME game_server)
shmgen_generate(TARGET accessor_cost SCHEMA ${PROJECT_SOURCE_DIR}/tests/generator/codegen/golden/everything/segment.yaml
                OUTPUT_NAME kitchen_sink)
