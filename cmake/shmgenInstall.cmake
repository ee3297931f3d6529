# SPDX-License-Identifier: MIT
#
# shmgenInstall.cmake — what `cmake --install` puts under the prefix, and the
# Debian package made of exactly that (`cpack -G DEB` in the build directory).
# Included by the top-level CMakeLists.txt when SHMGEN_INSTALL is ON (the
# default only when shmgen is the top-level project), after every target.
#
#   bin/shmgen                                   the generator (templates embedded)
#   lib/libshmgen-runtime.a, include/shmgen/     the runtime
#   lib/libshmgen-runtime.so.N                   the runtime for the Python package (N: the ABI;
#                                                no unversioned link: -lshmgen-runtime stays static)
#   lib/pythonX.Y/site-packages/shmgen/          the Python package (SHMGEN_PYTHON_INSTALL_DIR;
#                                                lib/python3/dist-packages under /usr)
#   lib/cmake/shmgen/                            find_package(shmgen CONFIG): shmgen::shmgen,
#                                                shmgen::runtime, shmgen::runtime_shared,
#                                                shmgen_generate(), shmgen_generate_python(),
#                                                shmgen_add_compat_test()
#   lib/pkgconfig/shmgen-runtime.pc              builds without CMake
#   share/shmgen/segment.schema.json             the JSON Schema, for editors
#   share/man/man1/shmgen.1                      the manual page (rendered from the CLI's table)
#   share/bash-completion/completions/shmgen     bash completion
#   share/zsh/site-functions/_shmgen             zsh completion (vendor-completions under /usr)
#   share/doc/shmgen/copyright                   the license
# (lib is CMAKE_INSTALL_LIBDIR.)  tests/package checks the .deb against this.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(SHMGEN_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/shmgen)

install(TARGETS shmgen_runtime EXPORT shmgenTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS shmgen_runtime_shared EXPORT shmgenTargets LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_SKIP)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/shmgen DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/runtime/include/shmgen/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/shmgen)
if(SHMGEN_BUILD_GENERATOR)
  install(TARGETS shmgen EXPORT shmgenTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT shmgenTargets NAMESPACE shmgen:: DESTINATION ${SHMGEN_INSTALL_CMAKEDIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/shmgenConfig.cmake.in
  ${PROJECT_BINARY_DIR}/shmgenConfig.cmake INSTALL_DESTINATION ${SHMGEN_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/shmgenConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/shmgenConfig.cmake ${PROJECT_BINARY_DIR}/shmgenConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/shmgenFunctions.cmake ${PROJECT_SOURCE_DIR}/cmake/shmgenCompat.cmake
  ${PROJECT_SOURCE_DIR}/cmake/shmgenExecutable.cmake
  DESTINATION ${SHMGEN_INSTALL_CMAKEDIR})

configure_file(${PROJECT_SOURCE_DIR}/cmake/shmgen-runtime.pc.in ${PROJECT_BINARY_DIR}/shmgen-runtime.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/shmgen-runtime.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES ${PROJECT_SOURCE_DIR}/schema/segment.schema.json DESTINATION ${CMAKE_INSTALL_DATADIR}/shmgen)

# The command line's manual page and completions (with the generator).
if(TARGET shmgen_man)
  install(FILES ${PROJECT_BINARY_DIR}/generator/cli/shmgen.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
if(SHMGEN_BUILD_GENERATOR)
  set(shmgen_completion ${PROJECT_SOURCE_DIR}/generator/cli/completion)
  install(FILES ${shmgen_completion}/shmgen.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
          RENAME shmgen)
  # zsh: the directory depends on the prefix, known only at install time (cpack
  # installs under /usr whatever the build was configured with): Debian's zsh
  # reads packages' completions from /usr/share/zsh/vendor-completions, and
  # site-functions under any other prefix.
  install(CODE "
    if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
      set(shmgen_zsh_dir vendor-completions)
    else()
      set(shmgen_zsh_dir site-functions)
    endif()
    file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/zsh/\${shmgen_zsh_dir}\"
         TYPE FILE FILES \"${shmgen_completion}/_shmgen\")")
endif()
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

# The Python package (with the path of the shared library beside it): a
# script, since its directory depends on the prefix known at install time.
if(SHMGEN_BUILD_PYTHON)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/shmgenInstallPython.cmake.in
                 ${PROJECT_BINARY_DIR}/shmgenInstallPython.cmake @ONLY)
  install(SCRIPT ${PROJECT_BINARY_DIR}/shmgenInstallPython.cmake)
endif()

# ---- the Debian package: `cpack -G DEB` ----------------------------------
set(SHMGEN_PACKAGE_CONTACT "The shmgen authors" CACHE STRING "Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME shmgen)
set(CPACK_PACKAGE_VENDOR "The shmgen authors")
set(CPACK_PACKAGE_CONTACT "${SHMGEN_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "typed, lock-free POSIX shared-memory segments for C, generated from YAML")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "shmgen turns a YAML schema of a shared-memory segment (arrays, queues, stacks, rings, atomics and pools of "
    "your own structs) into a typed C header and a layout verifier, linked against a small lock-free runtime. "
    "This package holds the generator, the runtime library and headers, the CMake package and pkg-config file, "
    "and the Python package that runs generated Python modules on the runtime's shared library.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# Depends from the binaries' shared libraries (dpkg-shlibdeps: libc6, libyaml-0-2).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "cmake (>= 3.25), pkg-config, gcc | c-compiler, python3-numpy")
include(CPack)
