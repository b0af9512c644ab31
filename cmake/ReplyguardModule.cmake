# SPDX-License-Identifier: Apache-2.0
# replyguard_module(NAME DEPS <modules...> LIBS <external targets...>)
#
# One library target per folder under src/ (docs/HACKING.md, "Layers"):
#   replyguard_<NAME>   (replyguard_core_lib for core/, since replyguard_core is
#                       the aggregate of all modules) STATIC library of src/<NAME>/*.cpp (globbed, so adding a
#                       file to a module needs no CMake edit; re-run cmake), or an
#                       INTERFACE library when the folder has no .cpp yet.
#   DEPS                the modules it may use (their headers and symbols), by
#                       folder name; linked PUBLIC, so they are transitive.
#   LIBS                the external libraries its own files use, PUBLIC.
#   layer_check_<NAME>  a one-line program that links the WHOLE module archive
#                       against its declared DEPS and LIBS only: a module that calls
#                       into a module it does not declare fails to link here
#                       (undefined reference), not somewhere later in an app.
# scripts/check-layers.py (ctest: layers) checks the #include lines against the
# same declarations and that the module graph has no cycle.
# The module is added to the replyguard_core aggregate (CMakeLists.txt).
function(replyguard_module_target out name)
  if(name STREQUAL "core")
    set(${out} replyguard_core_lib PARENT_SCOPE)
  else()
    set(${out} replyguard_${name} PARENT_SCOPE)
  endif()
endfunction()

function(replyguard_module name)
  cmake_parse_arguments(M "" "" "DEPS;LIBS" ${ARGN})
  replyguard_module_target(target ${name})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cpp)
  set(dep_targets "")
  foreach(d ${M_DEPS})
    replyguard_module_target(t ${d})
    list(APPEND dep_targets ${t})
  endforeach()
  if(srcs)
    add_library(${target} STATIC ${srcs})
    target_include_directories(${target} PUBLIC ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(${target} PUBLIC ${dep_targets} ${M_LIBS})
    # The layer check: whole archive + declared dependencies, nothing else.
    if(NOT TARGET replyguard_layer_check_main)
      set(check_main ${CMAKE_BINARY_DIR}/layer-check/main.cpp)
      if(NOT EXISTS ${check_main})
        file(WRITE ${check_main} "// generated: links one module archive whole, see cmake/ReplyguardModule.cmake\nint main() { return 0; }\n")
      endif()
      add_library(replyguard_layer_check_main OBJECT ${check_main})
    endif()
    add_executable(layer_check_${name} $<TARGET_OBJECTS:replyguard_layer_check_main>)
    target_link_libraries(layer_check_${name} PRIVATE
      "$<LINK_LIBRARY:WHOLE_ARCHIVE,${target}>" ${dep_targets} ${M_LIBS})
    set_target_properties(layer_check_${name} PROPERTIES
      RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/layer-check)
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(${target} INTERFACE ${dep_targets} ${M_LIBS})
  endif()
  set_property(GLOBAL APPEND PROPERTY REPLYGUARD_MODULES ${name})
  set_property(GLOBAL PROPERTY REPLYGUARD_MODULE_DEPS_${name} "${M_DEPS}")
endfunction()
