# shmgenFunctions.cmake — shmgen_generate(), the build-time generator step.
#
#   shmgen_generate(TARGET <target> SCHEMA <segment.yaml> [OUT_DIR <dir>] [TEMPLATES <dir>])
#
# Runs `shmgen generate` at build time (again whenever the schema, the
# templates or the shmgen binary change; TEMPLATES' files are known from the
# depfile the generator writes), adds the generated <segment>.c to
# <target>, puts the directory holding <segment>.h on its include path and links
# shmgen::runtime (PRIVATE for executables, PUBLIC otherwise, so a library's
# users see the header too).  OUT_DIR defaults to
# ${CMAKE_CURRENT_BINARY_DIR}/shmgen/<target>.  The schema's `segment:` value
# names the outputs; the schema is a configure dependency, so renaming the
# segment re-runs CMake.  Works the same after find_package(shmgen) and after
# add_subdirectory(shmgen).  Included by shmgenConfig.cmake and the top-level
# CMakeLists.txt.
include_guard(GLOBAL)

# The `segment:` value of a schema, read without a YAML parser: a top-level
# line "segment: NAME" (optionally quoted, optionally followed by a comment).
function(_shmgen_segment_name schema out_var)
  file(STRINGS "${schema}" lines REGEX "^segment[ \t]*:")
  list(LENGTH lines n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "shmgen_generate: ${schema} has no single top-level 'segment:' line")
  endif()
  if(NOT lines MATCHES "^segment[ \t]*:[ \t]*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?[ \t]*(#.*)?$")
    message(FATAL_ERROR "shmgen_generate: cannot read the segment name in ${schema} ('${lines}')")
  endif()
  set(${out_var} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

function(shmgen_generate)
  cmake_parse_arguments(SG "" "TARGET;SCHEMA;OUT_DIR;TEMPLATES" "" ${ARGN})
  if(SG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "shmgen_generate: unexpected arguments '${SG_UNPARSED_ARGUMENTS}'")
  endif()
  if(NOT SG_TARGET OR NOT SG_SCHEMA)
    message(FATAL_ERROR "shmgen_generate: TARGET and SCHEMA are required")
  endif()
  if(NOT TARGET ${SG_TARGET})
    message(FATAL_ERROR "shmgen_generate: '${SG_TARGET}' is not a target (create it first)")
  endif()
  if(NOT TARGET shmgen::shmgen OR NOT TARGET shmgen::runtime)
    message(FATAL_ERROR "shmgen_generate: shmgen::shmgen and shmgen::runtime are not defined "
                        "(use find_package(shmgen) or add_subdirectory(shmgen) first)")
  endif()
  get_filename_component(schema "${SG_SCHEMA}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${schema}")
    message(FATAL_ERROR "shmgen_generate: schema '${schema}' does not exist")
  endif()
  if(NOT SG_OUT_DIR)
    set(SG_OUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/shmgen/${SG_TARGET}")
  endif()
  get_filename_component(out_dir "${SG_OUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${schema}")
  _shmgen_segment_name("${schema}" segment)

  # The schema path is passed relative to the source directory (and the command
  # runs there) so the generated banner does not depend on where the tree is.
  file(RELATIVE_PATH schema_arg "${CMAKE_CURRENT_SOURCE_DIR}" "${schema}")
  # With TEMPLATES, the generator itself says which template files it read
  # and which of TEMPLATES' folders it searched (a depfile), so editing,
  # adding or removing an overriding template re-runs it.
  set(template_args "")
  set(depfile_args "")
  if(SG_TEMPLATES)
    get_filename_component(tdir "${SG_TEMPLATES}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    set(depfile "${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/shmgen/${SG_TARGET}_${segment}.d")
    set(template_args --templates "${tdir}" --depfile "${depfile}")
    set(depfile_args DEPFILE "${depfile}")
  endif()

  set(header "${out_dir}/${segment}.h")
  set(source "${out_dir}/${segment}.c")
  add_custom_command(
    OUTPUT "${header}" "${source}"
    COMMAND shmgen::shmgen generate "${schema_arg}" -o "${out_dir}" ${template_args}
    DEPENDS "${schema}" shmgen::shmgen
    ${depfile_args}
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    COMMENT "shmgen: generating ${segment}.h and ${segment}.c from ${schema_arg}"
    VERBATIM)

  get_target_property(type ${SG_TARGET} TYPE)
  if(type STREQUAL "EXECUTABLE")
    set(scope PRIVATE)
  else()
    set(scope PUBLIC)
  endif()
  target_sources(${SG_TARGET} PRIVATE "${source}" "${header}")
  target_include_directories(${SG_TARGET} ${scope} "$<BUILD_INTERFACE:${out_dir}>")
  target_link_libraries(${SG_TARGET} ${scope} shmgen::runtime)
endfunction()

# Compatibility helpers owned by `shmgen compat` (shmgen_add_compat_test).
include(${CMAKE_CURRENT_LIST_DIR}/shmgenCompat.cmake)
