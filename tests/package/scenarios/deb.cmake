# SPDX-License-Identifier: MIT
#
# deb.cmake — the Debian package: `cpack -G DEB` on this build gives one
# .deb that depends on libyaml, holds exactly what `cmake --install` puts
# under /usr (compared file by file with a DESTDIR install, so a piece left
# out of the package is noticed) and every piece a user needs (listed below:
# a piece missing from the install rules is noticed too); unpacked into a
# temporary root (dpkg-deb -x, no root rights needed) it serves a find_package
# consumer and a pkg-config consumer, which build and run.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} -E chdir ${WORK}
                cpack -G DEB --config ${BINARY_DIR}/CPackConfig.cmake -B ${WORK}/out
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cpack -G DEB failed (${rc}):\n${out}\n${err}")
endif()
file(GLOB debs ${WORK}/out/*.deb)
list(LENGTH debs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one .deb, found '${debs}'")
endif()

run(dpkg-deb -f ${debs} Package Version Depends)
expect_output("${last_output}" "Package: shmgen\nVersion: [0-9]+\\.[0-9]+\\.[0-9]+\nDepends: [^\n]*libyaml" "control fields")

set(root ${WORK}/root)
run(dpkg-deb -x ${debs} ${root})
files_under(${root} packaged)
set(ENV{DESTDIR} ${WORK}/destdir)
run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix /usr)
unset(ENV{DESTDIR})
files_under(${WORK}/destdir installed)
if(NOT packaged STREQUAL installed)
  message(FATAL_ERROR "the package and `cmake --install` differ:\npackage: ${packaged}\ninstall: ${installed}")
endif()

# What a user needs, whatever the install rules say.
file(GLOB headers RELATIVE ${SOURCE_DIR}/runtime/include ${SOURCE_DIR}/runtime/include/shmgen/*.h)
set(required usr/bin/shmgen usr/include/shmgen/version.h usr/share/shmgen/segment.schema.json
    usr/share/doc/shmgen/copyright usr/share/man/man1/shmgen.1 usr/share/bash-completion/completions/shmgen
    usr/share/zsh/vendor-completions/_shmgen)
foreach(h ${headers})
  list(APPEND required usr/include/${h})
endforeach()
foreach(f shmgenConfig shmgenConfigVersion shmgenTargets shmgenFunctions shmgenCompat shmgenExecutable)
  list(APPEND required "usr/lib[^ ]*/cmake/shmgen/${f}.cmake")
endforeach()
list(APPEND required "usr/lib[^ ]*/libshmgen-runtime.a" "usr/lib[^ ]*/pkgconfig/shmgen-runtime.pc"
     "usr/lib[^ ]*/libshmgen-runtime.so.[0-9]+" usr/lib/python3/dist-packages/shmgen/__init__.py
     usr/lib/python3/dist-packages/shmgen/_install.py)
string(REPLACE ";" " " listing " ${packaged} ")
foreach(piece ${required})
  if(NOT listing MATCHES " ${piece} ")
    message(FATAL_ERROR "the package lacks ${piece}:\n${packaged}")
  endif()
endforeach()

run(${root}/usr/bin/shmgen --version)
find_package_consumer(${root}/usr ${WORK}/consumer_build)
pkg_config_consumer(${root}/usr ${WORK})
