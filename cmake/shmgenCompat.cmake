# SPDX-License-Identifier: MIT
#
# shmgenCompat.cmake — layout compatibility checks for CI (docs/compatibility.md).
#
#   shmgen_add_compat_test(SCHEMA <segment.yaml> BASELINE <segment.layout.json>
#                          [NAME <test>] [UPDATE_TARGET <target>])
#
# registers the ctest test <test> running `shmgen compat BASELINE SCHEMA`: it
# passes when every change since the committed lock file is compatible or
# source-only (exit 0) and fails on a breaking change (exit 1) or a bad file
# (exit 2); a missing BASELINE fails it with the command that creates it.  It
# also adds the custom target <test>_update_lock (or UPDATE_TARGET) that
# rewrites BASELINE from SCHEMA with `shmgen layout --json` (through a
# temporary file, so a failed run never clobbers the lock file).  That target
# refuses to write over a breaking change unless SCHEMA's `version` is higher
# than BASELINE's (a `format-changed` one excepted: the runtime refuses other
# formats by itself): after an intentional break, raise `version`, build it,
# review the diff and commit both files.
#
# Included by shmgenFunctions.cmake (and installed with it); usable on its own.
# Run with `cmake -P` it is the test and the lock refresher themselves:
#   cmake -DSHMGEN_EXE=<shmgen> -DSCHEMA=<segment.yaml> -DBASELINE=<lock.json>
#         [-DMODE=update|test] [-DUPDATE_TARGET=<target>] [-DBUILD_DIR=<dir>] -P shmgenCompat.cmake
# MODE defaults to update.

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  cmake_policy(VERSION 3.25) # a script starts with no policies set
  foreach(var SHMGEN_EXE SCHEMA BASELINE)
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "shmgenCompat.cmake: -D${var}=... is required")
    endif()
  endforeach()
  if(NOT MODE)
    set(MODE update)
  endif()
  if(NOT UPDATE_TARGET)
    set(UPDATE_TARGET "the shmgen_add_compat_test's *_update_lock target")
  endif()
  if(NOT BUILD_DIR)
    set(BUILD_DIR "<build dir>")
  endif()
  set(how_to_update "cmake --build ${BUILD_DIR} --target ${UPDATE_TARGET}")

  # `version` of a lock file (or of the layout JSON of a schema); FATAL_ERROR if unreadable.
  function(_shmgen_lock_version file out)
    file(READ "${file}" json)
    string(JSON v ERROR_VARIABLE err GET "${json}" version)
    if(err)
      message(FATAL_ERROR "shmgen: cannot read 'version' from ${file} (${err}); is it a lock file written by "
                          "'shmgen layout --json'?")
    endif()
    set(${out} "${v}" PARENT_SCOPE)
  endfunction()

  # How many breaking changes of BASELINE -> SCHEMA need a raised `version`:
  # all but `format-changed` (the runtime itself refuses a segment of another
  # format, so a new shmgen's lock file is taken as is).  Unreadable output
  # counts as one.
  function(_shmgen_breaking_changes out)
    execute_process(COMMAND "${SHMGEN_EXE}" compat "${BASELINE}" "${SCHEMA}" --json
                    OUTPUT_VARIABLE json RESULT_VARIABLE rc ERROR_QUIET)
    string(JSON n ERROR_VARIABLE err LENGTH "${json}" changes)
    if(err OR NOT rc EQUAL 1)
      set(${out} 1 PARENT_SCOPE)
      return()
    endif()
    set(count 0)
    foreach(i RANGE ${n})
      if(i EQUAL n)
        break()
      endif()
      string(JSON class GET "${json}" changes ${i} class)
      string(JSON code GET "${json}" changes ${i} code)
      if(class STREQUAL "breaking" AND NOT code STREQUAL "format-changed")
        math(EXPR count "${count} + 1")
      endif()
    endforeach()
    set(${out} ${count} PARENT_SCOPE)
  endfunction()

  if(MODE STREQUAL "test")
    if(NOT EXISTS "${BASELINE}")
      message(FATAL_ERROR "shmgen: the lock file ${BASELINE} does not exist.  Create it from ${SCHEMA} with\n"
                          "  ${how_to_update}\nthen review and commit it.")
    endif()
    execute_process(COMMAND "${SHMGEN_EXE}" compat "${BASELINE}" "${SCHEMA}" RESULT_VARIABLE rc)
    if(rc EQUAL 1)
      message(FATAL_ERROR "shmgen: ${SCHEMA} breaks the layout of ${BASELINE}.  If that is intended: raise "
                          "'version' in the schema, then run\n  ${how_to_update}\nand commit both files.")
    elseif(NOT rc EQUAL 0)
      message(FATAL_ERROR "shmgen compat failed (${rc})")
    endif()
    return()
  elseif(NOT MODE STREQUAL "update")
    message(FATAL_ERROR "shmgenCompat.cmake: MODE is 'update' or 'test', not '${MODE}'")
  endif()

  get_filename_component(dir "${BASELINE}" DIRECTORY)
  file(MAKE_DIRECTORY "${dir}")
  set(tmp "${BASELINE}.tmp")
  execute_process(COMMAND "${SHMGEN_EXE}" layout "${SCHEMA}" --json
                  OUTPUT_FILE "${tmp}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    file(REMOVE "${tmp}")
    message(FATAL_ERROR "shmgen layout --json ${SCHEMA} failed (${rc}); ${BASELINE} left unchanged")
  endif()
  if(EXISTS "${BASELINE}")
    # A breaking change is accepted only with `version` raised: the lock file
    # is the record of what was released, and processes of the two layouts
    # cannot share a segment.
    execute_process(COMMAND "${SHMGEN_EXE}" compat "${BASELINE}" "${SCHEMA}" RESULT_VARIABLE rc)
    _shmgen_lock_version("${BASELINE}" old_version)
    _shmgen_lock_version("${tmp}" new_version)
    set(breaking 0)
    if(rc EQUAL 1)
      _shmgen_breaking_changes(breaking)
    endif()
    if(breaking GREATER 0 AND NOT new_version GREATER old_version)
      file(REMOVE "${tmp}")
      message(FATAL_ERROR "shmgen: refusing to overwrite ${BASELINE}: ${SCHEMA} has breaking changes against it "
                          "(listed above) and its 'version' was not raised (still ${new_version}).  Undo the "
                          "change, or raise 'version' to ${old_version}+1 and build ${UPDATE_TARGET} again.")
    elseif(NOT rc EQUAL 0 AND NOT rc EQUAL 1)
      file(REMOVE "${tmp}")
      message(FATAL_ERROR "shmgen compat ${BASELINE} ${SCHEMA} failed (${rc}); ${BASELINE} left unchanged")
    endif()
  endif()
  file(RENAME "${tmp}" "${BASELINE}")
  message(STATUS "shmgen: wrote ${BASELINE} from ${SCHEMA}")
  return()
endif()

include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/shmgenExecutable.cmake)

function(shmgen_add_compat_test)
  cmake_parse_arguments(C "" "SCHEMA;BASELINE;NAME;UPDATE_TARGET" "" ${ARGN})
  if(C_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "shmgen_add_compat_test: unexpected arguments: ${C_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT C_SCHEMA OR NOT C_BASELINE)
    message(FATAL_ERROR "shmgen_add_compat_test: SCHEMA and BASELINE are required")
  endif()
  get_filename_component(schema "${C_SCHEMA}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(baseline "${C_BASELINE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT C_NAME)
    file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${schema}")
    string(MAKE_C_IDENTIFIER "shmgen_compat_${rel}" C_NAME)
  endif()
  if(NOT C_UPDATE_TARGET)
    set(C_UPDATE_TARGET "${C_NAME}_update_lock")
  endif()
  _shmgen_executable(shmgen_add_compat_test exe exe_dep)
  set(script "${CMAKE_CURRENT_FUNCTION_LIST_FILE}")
  set(args -DSHMGEN_EXE=${exe} -DSCHEMA=${schema} -DBASELINE=${baseline} -DUPDATE_TARGET=${C_UPDATE_TARGET}
           -DBUILD_DIR=${CMAKE_BINARY_DIR})
  # A lock file is committed beside its schema; one under the build tree is
  # made by the build itself (a test fixture), so its absence is no news.
  cmake_path(IS_PREFIX CMAKE_BINARY_DIR "${baseline}" NORMALIZE baseline_is_built)
  if(NOT EXISTS "${baseline}" AND NOT baseline_is_built)
    message(WARNING "shmgen_add_compat_test: the lock file ${baseline} does not exist yet; the test ${C_NAME} "
                    "fails until it does.  Create it: cmake --build ${CMAKE_BINARY_DIR} --target ${C_UPDATE_TARGET}")
  endif()

  add_test(NAME ${C_NAME} COMMAND ${CMAKE_COMMAND} ${args} -DMODE=test -P "${script}")
  set_tests_properties(${C_NAME} PROPERTIES LABELS "shmgen-compat")

  add_custom_target(${C_UPDATE_TARGET}
    COMMAND ${CMAKE_COMMAND} ${args} -DMODE=update -P "${script}"
    COMMENT "Refreshing the shmgen lock file ${baseline} from ${schema}"
    VERBATIM)
  if(TARGET ${exe_dep})
    add_dependencies(${C_UPDATE_TARGET} ${exe_dep})
  endif()
endfunction()
