# shmgenCompat.cmake — layout compatibility checks for CI (docs/compatibility.md).
#
#   shmgen_add_compat_test(SCHEMA <segment.yaml> BASELINE <segment.layout.json>
#                          [NAME <test>] [UPDATE_TARGET <target>])
#
# registers the ctest test <test> running `shmgen compat BASELINE SCHEMA`: it
# passes when every change since the committed lock file is compatible or
# source-only (exit 0) and fails on a breaking change (exit 1) or a bad file
# (exit 2).  It also adds the custom target <test>_update_lock (or
# UPDATE_TARGET) that rewrites BASELINE from SCHEMA with `shmgen layout --json`
# (through a temporary file, so a failed run never clobbers the lock file):
# after an intentional breaking change, raise `version` in the schema, build
# that target, review the diff and commit both files.
#
# Included by shmgenFunctions.cmake (and installed with it); usable on its own.
# Run with `cmake -P` it is the lock refresher itself:
#   cmake -DSHMGEN_EXE=<shmgen> -DSCHEMA=<segment.yaml> -DBASELINE=<lock.json> -P shmgenCompat.cmake

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  foreach(var SHMGEN_EXE SCHEMA BASELINE)
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "shmgenCompat.cmake: -D${var}=... is required")
    endif()
  endforeach()
  get_filename_component(dir "${BASELINE}" DIRECTORY)
  file(MAKE_DIRECTORY "${dir}")
  set(tmp "${BASELINE}.tmp")
  execute_process(COMMAND "${SHMGEN_EXE}" layout "${SCHEMA}" --json
                  OUTPUT_FILE "${tmp}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    file(REMOVE "${tmp}")
    message(FATAL_ERROR "shmgen layout --json ${SCHEMA} failed (${rc}); ${BASELINE} left unchanged")
  endif()
  file(RENAME "${tmp}" "${BASELINE}")
  message(STATUS "shmgen: wrote ${BASELINE} from ${SCHEMA}")
  return()
endif()

include_guard(GLOBAL)

# The shmgen executable: the in-tree or imported target, else one on PATH.
function(_shmgen_compat_executable out)
  if(TARGET shmgen::shmgen)
    set(${out} "$<TARGET_FILE:shmgen::shmgen>" PARENT_SCOPE)
  elseif(TARGET shmgen)
    set(${out} "$<TARGET_FILE:shmgen>" PARENT_SCOPE)
  else()
    find_program(SHMGEN_EXECUTABLE shmgen REQUIRED)
    set(${out} "${SHMGEN_EXECUTABLE}" PARENT_SCOPE)
  endif()
endfunction()

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
  _shmgen_compat_executable(exe)

  add_test(NAME ${C_NAME} COMMAND ${exe} compat "${baseline}" "${schema}")
  set_tests_properties(${C_NAME} PROPERTIES LABELS "shmgen-compat")

  add_custom_target(${C_UPDATE_TARGET}
    COMMAND ${CMAKE_COMMAND} -DSHMGEN_EXE=${exe} -DSCHEMA=${schema} -DBASELINE=${baseline}
            -P "${CMAKE_CURRENT_FUNCTION_LIST_FILE}"
    COMMENT "Refreshing the shmgen lock file ${baseline} from ${schema}"
    VERBATIM)
endfunction()
