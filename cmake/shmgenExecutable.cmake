# SPDX-License-Identifier: MIT
#
# shmgenExecutable.cmake — which `shmgen` the CMake helpers run
# (shmgen_generate, shmgen_add_compat_test).
#
#   _shmgen_executable(<who> <command-var> <depends-var>)
#
# sets <command-var> to what a COMMAND runs and <depends-var> to what a
# custom command DEPENDS on, taken in this order:
#   1. SHMGEN_EXECUTABLE, a path (like Protobuf_PROTOC_EXECUTABLE; -D on the
#      command line or set() before the call): the host generator when
#      cross-compiling, where a shmgen built or installed for the target cannot
#      run on the build machine;
#   2. the target shmgen::shmgen (add_subdirectory(shmgen) with the generator
#      built, or find_package(shmgen));
#   3. `shmgen` on PATH.
# None of them: a FATAL_ERROR naming <who> and the three ways out.
# Included by shmgenFunctions.cmake and shmgenCompat.cmake; depends on nothing.
include_guard(GLOBAL)

function(_shmgen_executable who cmd_var dep_var)
  if(SHMGEN_EXECUTABLE)
    if(NOT EXISTS "${SHMGEN_EXECUTABLE}" OR IS_DIRECTORY "${SHMGEN_EXECUTABLE}")
      message(FATAL_ERROR "${who}: SHMGEN_EXECUTABLE is '${SHMGEN_EXECUTABLE}', which is not a file; "
                          "give the path of a shmgen that runs on this machine")
    endif()
    set(${cmd_var} "${SHMGEN_EXECUTABLE}" PARENT_SCOPE)
    set(${dep_var} "${SHMGEN_EXECUTABLE}" PARENT_SCOPE)
  elseif(TARGET shmgen::shmgen)
    set(${cmd_var} "$<TARGET_FILE:shmgen::shmgen>" PARENT_SCOPE)
    set(${dep_var} shmgen::shmgen PARENT_SCOPE)
  else()
    find_program(SHMGEN_PATH_EXECUTABLE shmgen)
    if(NOT SHMGEN_PATH_EXECUTABLE)
      message(FATAL_ERROR "${who}: no shmgen generator: set SHMGEN_EXECUTABLE to a shmgen that runs on this "
                          "machine (the usual way when cross-compiling), build it here (add_subdirectory(shmgen) "
                          "with SHMGEN_BUILD_GENERATOR=ON), or put an installed shmgen on PATH")
    endif()
    set(${cmd_var} "${SHMGEN_PATH_EXECUTABLE}" PARENT_SCOPE)
    set(${dep_var} "${SHMGEN_PATH_EXECUTABLE}" PARENT_SCOPE)
  endif()
endfunction()
