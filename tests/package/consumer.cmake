# consumer.cmake — builds and runs tests/package/find_package_project as a
# user would, in one of three ways:
#   MODE=find_package      install this build into a prefix under WORK, then
#                          configure the project with CMAKE_PREFIX_PATH=prefix
#                          (and a second program generated with TEMPLATES, whose
#                          overriding templates are then edited and added to)
#   MODE=add_subdirectory  configure the project with SHMGEN_SOURCE=<source tree>
#   MODE=pkg-config        (after find_package) compile by hand with
#                          `pkg-config --cflags --libs shmgen-runtime`
# cmake -DMODE=.. -DSOURCE_DIR=.. -DBINARY_DIR=.. -DWORK=.. -DGENERATOR=..
#       -DC_COMPILER=.. [-DSANITIZE=..] -P consumer.cmake
cmake_minimum_required(VERSION 3.25)
set(project_dir ${SOURCE_DIR}/tests/package/find_package_project)
set(prefix ${WORK}/prefix)
string(RANDOM LENGTH 8 ALPHABET 0123456789abcdef tag)
set(shm_name "/shmgen_test_consumer_${MODE}_${tag}")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(flags "")
if(SANITIZE)
  set(flags -DCMAKE_C_FLAGS=-fsanitize=${SANITIZE} -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE})
endif()

# sensor_custom's generated header (TEMPLATES) must hold `marker`.
function(expect_custom_header marker)
  file(READ ${build}/shmgen/sensor_custom/sensor.h header)
  if(NOT header MATCHES "${marker}")
    message(FATAL_ERROR "sensor_custom's header lacks '${marker}'")
  endif()
endfunction()

# Rebuilds after a change of the overriding templates: the generator must
# re-run for sensor_custom, whose header must then hold `marker`.
function(expect_custom_build marker)
  run(${CMAKE_COMMAND} --build ${build} -j 2)
  if(NOT last_output MATCHES "shmgen: generating sensor.h")
    message(FATAL_ERROR "a changed template in TEMPLATES did not re-run the generator:\n${last_output}")
  endif()
  expect_custom_header("${marker}")
endfunction()

if(MODE STREQUAL "find_package" OR MODE STREQUAL "pkg-config")
  file(REMOVE_RECURSE ${prefix})
  run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})
endif()

if(MODE STREQUAL "pkg-config")
  # the generated sources come from the installed shmgen, the flags from the .pc file
  set(gen ${WORK}/pc_gen)
  run(${prefix}/bin/shmgen generate ${project_dir}/segment.yaml -o ${gen})
  set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
  run(pkg-config --cflags --libs shmgen-runtime)
  string(STRIP "${last_output}" pc_flags)
  separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
  set(san "")
  if(SANITIZE)
    set(san -fsanitize=${SANITIZE})
  endif()
  run(${C_COMPILER} -std=c11 -Wall -Wextra -Werror -pedantic ${san} -I${gen} ${project_dir}/main.c ${gen}/sensor.c
      ${pc_flags} -o ${WORK}/sensor_pc)
  run(${WORK}/sensor_pc ${shm_name})
else()
  set(build ${WORK}/build_${MODE})
  file(REMOVE_RECURSE ${build} ${WORK}/project_${MODE})
  # a copy of the project, so touching its schema leaves the source tree alone
  file(COPY ${project_dir}/ DESTINATION ${WORK}/project_${MODE})
  set(project_dir ${WORK}/project_${MODE})
  if(MODE STREQUAL "find_package")
    # templates overridden with TEMPLATES: one file at first, then edited, then one more
    set(tdir ${WORK}/templates_${MODE})
    file(REMOVE_RECURSE ${tdir})
    file(READ ${SOURCE_DIR}/templates/partials/banner.tmpl banner)
    file(WRITE ${tdir}/partials/banner.tmpl "${banner} * custom banner 1\n")
    set(how -DCMAKE_PREFIX_PATH=${prefix} -DSENSOR_TEMPLATES=${tdir})
  else()
    set(how -DSHMGEN_SOURCE=${SOURCE_DIR})
  endif()
  run(${CMAKE_COMMAND} -S ${project_dir} -B ${build} -G ${GENERATOR} -DCMAKE_C_COMPILER=${C_COMPILER} ${how} ${flags})
  run(${CMAKE_COMMAND} --build ${build} -j 2)
  if(NOT last_output MATCHES "shmgen: generating sensor.h")
    message(FATAL_ERROR "the first build did not run the generator:\n${last_output}")
  endif()
  # nothing changed: the generator must not run again
  run(${CMAKE_COMMAND} --build ${build} -j 2)
  if(last_output MATCHES "shmgen: generating")
    message(FATAL_ERROR "an up-to-date build re-ran the generator:\n${last_output}")
  endif()
  # the schema changed: the generator must run again
  if(MODE STREQUAL "find_package")
    execute_process(COMMAND ${CMAKE_COMMAND} -E sleep 1.1) # coarse file-system timestamps
    file(TOUCH_NOCREATE ${project_dir}/segment.yaml)
    run(${CMAKE_COMMAND} --build ${build} -j 2)
    if(NOT last_output MATCHES "shmgen: generating sensor.h")
      message(FATAL_ERROR "a changed schema did not re-run the generator:\n${last_output}")
    endif()
  endif()
  if(MODE STREQUAL "find_package")
    expect_custom_header("custom banner 1")
    # an overriding template edited, then one added: each re-runs the generator
    execute_process(COMMAND ${CMAKE_COMMAND} -E sleep 1.1)
    file(WRITE ${tdir}/partials/banner.tmpl "${banner} * custom banner 2\n")
    expect_custom_build("custom banner 2")
    execute_process(COMMAND ${CMAKE_COMMAND} -E sleep 1.1)
    file(READ ${SOURCE_DIR}/templates/kinds/atomic.h.tmpl atomic)
    file(WRITE ${tdir}/kinds/atomic.h.tmpl "/* custom atomic */\n${atomic}")
    expect_custom_build("custom atomic")
  endif()
  run(${build}/sensor ${shm_name})
endif()
if(NOT last_output MATCHES "sensor: ok")
  message(FATAL_ERROR "unexpected output: ${last_output}")
endif()
message(STATUS "${MODE}: ${last_output}")
