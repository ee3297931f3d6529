# SPDX-License-Identifier: MIT
#
# compat.cmake — shmgen_add_compat_test() in a user's project (compat_project):
#   - no lock file yet: configure warns and the test fails, both naming the
#     target that creates it; building that target creates it, the test passes;
#   - a compatible change passes and may be locked;
#   - a breaking change fails the test, and the update target refuses to
#     write over it (the lock file keeps its bytes) until `version` is raised;
#   - a lock file of an older segment format is refreshed without a raise.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
fresh_copy(compat_project project)
set(project ${WORK}/project)
set(build ${WORK}/build)
set(lock ${project}/segment.layout.json)
set(update ${CMAKE_COMMAND} --build ${build} --target sensor_layout_update_lock)
set(test ${CMAKE_CTEST_COMMAND} --test-dir ${build} --output-on-failure)

function(edit from to)
  file(READ ${project}/segment.yaml text)
  string(REPLACE "${from}" "${to}" text "${text}")
  file(WRITE ${project}/segment.yaml "${text}")
endfunction()

configure(${project} ${build} -DCMAKE_PREFIX_PATH=${PREFIX})
string(REGEX REPLACE "[ \t\r\n]+" " " flat "${last_output}")
expect_output("${flat}" "does not exist yet.*--target sensor_layout_update_lock" "configure did not name the target")
regex_escape("${build}" build_re)
run_fails("does not exist.*--build ${build_re} --target sensor_layout_update_lock" ${test})
run(${update})
run(${test})

edit("capacity: 16" "capacity: 64")
run(${test})
run(${update})

edit("id: u32" "id: u64")
run_fails("breaks the layout" ${test})
file(READ ${lock} locked)
run_fails("refusing to overwrite .*version' was not raised \\(still 1\\)" ${update})
file(READ ${lock} still)
if(NOT locked STREQUAL still)
  message(FATAL_ERROR "a refused update changed the lock file")
endif()
if(EXISTS ${lock}.tmp)
  message(FATAL_ERROR "a refused update left ${lock}.tmp")
endif()

edit("version: 1" "version: 2")
run(${update})
run(${test})
file(READ ${lock} locked)
expect_output("${locked}" "\"version\": 2" "the raised version was not locked")

# A lock file of an older segment format (a shmgen upgrade, not a schema
# change) is breaking for the test, yet the update target takes it without a
# version raise: the runtime refuses segments of other formats by itself.
configure_file(${SOURCE_DIR}/tests/generator/compat/format/segment.yaml ${project}/segment.yaml COPYONLY)
configure_file(${SOURCE_DIR}/tests/generator/compat/format/format1.layout.json ${lock} COPYONLY)
run_fails("breaks the layout" ${test})
run(${update})
run(${test})
