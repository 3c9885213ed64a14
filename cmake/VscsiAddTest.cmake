# SPDX-License-Identifier: MIT
# vscsi_add_test(<name> SOURCES <files...> [LIBS <libs...>] [TIMEOUT <s>] [LABELS <l...>])
# One cmocka executable per unit, registered with ctest under the same name.
function(vscsi_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  vscsi_warnings(${name})
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
endfunction()

# vscsi_add_skipped_test(<name> <reason>)
# Registers <name> as a test that reports itself skipped (exit 77, ctest's SKIP_RETURN_CODE)
# when its prerequisite is missing here: it shows as "Skipped" instead of vanishing, and
# scripts/test.sh fails on it under CI=true.
function(vscsi_add_skipped_test name reason)
  add_test(NAME ${name} COMMAND sh -c "echo 'SKIPPED: ${reason}'; exit 77")
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 LABELS skipped)
endfunction()
