# SPDX-License-Identifier: MIT
#
# shmgenPython.cmake — what the build needs for the Python package (python/,
# running on the runtime's shared library): the interpreter, where
# `cmake --install` puts the package, and the environment of the tests that
# run Python on this build.  Included by the top-level CMakeLists.txt when
# SHMGEN_BUILD_PYTHON is ON.
#
#   SHMGEN_PYTHON              the interpreter (with NumPy) of the tests and the
#                              benchmark; by default the system's /usr/bin/python3
#                              (Debian's, where python3-numpy installs) before any
#                              other python3 on PATH
#   SHMGEN_PYTHON_INSTALL_DIR  lib/pythonX.Y/site-packages (relative: under the
#                              prefix; under /usr, lib/python3/dist-packages)
#   SHMGEN_PYTHON_TEST_ENV     NAME=VALUE entries for ctest's ENVIRONMENT
include(GNUInstallDirs)
find_program(SHMGEN_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH DOC "Python interpreter with NumPy")
find_program(SHMGEN_PYTHON NAMES python3 DOC "Python interpreter with NumPy")
if(NOT SHMGEN_PYTHON)
  message(FATAL_ERROR "SHMGEN_BUILD_PYTHON needs python3 (set SHMGEN_PYTHON, or -DSHMGEN_BUILD_PYTHON=OFF)")
endif()
execute_process(COMMAND ${SHMGEN_PYTHON} -c "import sys; print('%d.%d' % sys.version_info[:2])"
                OUTPUT_VARIABLE shmgen_python_version OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE shmgen_rc)
if(NOT shmgen_rc EQUAL 0)
  message(FATAL_ERROR "cannot run ${SHMGEN_PYTHON}")
endif()
set(SHMGEN_PYTHON_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/python${shmgen_python_version}/site-packages"
    CACHE PATH "Where cmake --install puts the shmgen Python package (relative: under the prefix)")

# The package from the source tree, the build's shared library, no .pyc in the
# source tree.  Under AddressSanitizer the library needs the ASan runtime
# loaded first, which the interpreter is not built with: it is preloaded, and
# leak checking is left to the C tests (the interpreter's allocations are not ours).
set(SHMGEN_PYTHON_TEST_ENV PYTHONDONTWRITEBYTECODE=1 SHMGEN_RUNTIME_LIBRARY=$<TARGET_FILE:shmgen_runtime_shared>)
if(SHMGEN_SANITIZE MATCHES "address")
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                  OUTPUT_VARIABLE shmgen_libasan OUTPUT_STRIP_TRAILING_WHITESPACE)
  list(APPEND SHMGEN_PYTHON_TEST_ENV LD_PRELOAD=${shmgen_libasan} ASAN_OPTIONS=detect_leaks=0)
endif()
