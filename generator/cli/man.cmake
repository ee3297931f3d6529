# SPDX-License-Identifier: MIT
#
# man.cmake — renders the manual page: runs `SHMGEN_EXE help --man` and
# writes its output to OUTPUT (through a temporary, so a failed run leaves no
# half page).  Run by the build (generator/cli/CMakeLists.txt):
#   cmake -DSHMGEN_EXE=<shmgen> -DOUTPUT=<shmgen.1> -P man.cmake
cmake_minimum_required(VERSION 3.25)
foreach(var SHMGEN_EXE OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "man.cmake: -D${var}=... is required")
  endif()
endforeach()
execute_process(COMMAND ${SHMGEN_EXE} help --man OUTPUT_FILE ${OUTPUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "${SHMGEN_EXE} help --man failed (${rc})")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
